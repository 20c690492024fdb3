#include "tests/support/debian_packages.hpp"

#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <stdexcept>

namespace xcp::test {
namespace fs = std::filesystem;

namespace {

std::string depends_on(const std::string& package)
{
    const auto r = run("apt-cache depends " + quote(package) +
                       " 2>/dev/null | awk '/^ *Depends: /{print $2; exit}'");
    std::string name = r.output;
    while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) {
        name.pop_back();
    }
    return name;
}

}  // namespace

fs::path debian_package(const std::string& package)
{
    require_programs({"apt-get", "apt-cache", "awk"});
    const fs::path cache = "/var/cache/xcp-pxe-tests";
    fs::create_directories(cache);
    // linux-image-amd64 is a metapackage: the kernel is what it depends on.
    auto name = package;
    if (package == "linux-image-amd64") {
        name = depends_on(package);
        if (name.empty()) {
            run("apt-get update -q", std::chrono::seconds(300));
            name = depends_on(package);
        }
        if (name.empty()) {
            throw std::runtime_error("apt-cache knows no package that " + package + " depends on");
        }
    }
    for (const auto& entry : fs::directory_iterator(cache)) {
        const auto file = entry.path().filename().string();
        if (file.starts_with(name + "_") && file.ends_with(".deb")) {
            return entry.path();
        }
    }
    const auto r = run("cd " + quote(cache.string()) + " && apt-get download -q " + quote(name) + " 2>&1",
                       std::chrono::seconds(600));
    for (const auto& entry : fs::directory_iterator(cache)) {
        const auto file = entry.path().filename().string();
        if (file.starts_with(name + "_") && file.ends_with(".deb")) {
            return entry.path();
        }
    }
    throw std::runtime_error("apt-get download " + name + " failed: " + r.output);
}

}  // namespace xcp::test
