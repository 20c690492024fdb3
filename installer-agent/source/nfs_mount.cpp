#include "installer-agent/source/nfs_mount.hpp"

#include "installer-agent/system/command.hpp"

#include <unistd.h>

#include <cstdlib>

namespace xcp::installer {
namespace {

// The directory source and the mount under it, released in that order.
class MountedSource final : public repository::Source {
public:
    explicit MountedSource(const std::string& spec)
        : mount_(std::make_unique<NfsMount>(spec)), files_(mount_->path()), spec_(spec)
    {
    }
    std::optional<std::string> read_small(const std::string& path) override { return files_.read_small(path); }
    void stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink) override
    {
        files_.stream(path, sink);
    }
    [[nodiscard]] std::string describe() const override { return "nfs " + spec_; }

private:
    std::unique_ptr<NfsMount> mount_;
    repository::DirectorySource files_;
    std::string spec_;
};

}  // namespace

std::string nfs_spec(const std::string& location)
{
    const auto spec = location.starts_with("nfs://") ? location.substr(6) : location;
    const auto colon = spec.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= spec.size() || spec[colon + 1] != '/') {
        return {};
    }
    return spec;
}

NfsMount::NfsMount(const std::string& spec)
{
    if (::geteuid() != 0) {
        throw repository::SourceError("nfs " + spec + ": mounting needs root; run xcp-installer as root, or serve "
                                      "the repository over http");
    }
    std::string dir = (std::filesystem::temp_directory_path() / "xcp-installer-nfs-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) {
        throw repository::SourceError("nfs " + spec + ": cannot make a mount point under " +
                                      std::filesystem::temp_directory_path().string());
    }
    // Soft, short timeouts and no retries: an unreachable server is an error
    // in seconds, not a hang.
    const auto r = run_command({"mount", "-t", "nfs", "-o", "ro,nolock,soft,timeo=50,retrans=2,retry=0", spec, dir});
    if (!r.ok()) {
        std::error_code ec;
        std::filesystem::remove(dir, ec);
        const bool no_helper = r.output.find("unknown filesystem type") != std::string::npos ||
                               r.output.find("helper program") != std::string::npos;
        throw repository::SourceError("nfs " + spec + ": cannot mount it: " + r.failure("mount") +
                                      (no_helper ? " (mount.nfs is missing: Debian's nfs-common has it)" : ""));
    }
    path_ = dir;
}

NfsMount::~NfsMount()
{
    run_command({"umount", "-l", path_.string()});
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

std::unique_ptr<repository::Source> open_nfs_repository(const std::string& spec)
{
    return std::make_unique<MountedSource>(spec);
}

}  // namespace xcp::installer
