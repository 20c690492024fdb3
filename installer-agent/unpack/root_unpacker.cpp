#include "installer-agent/unpack/root_unpacker.hpp"

#include "installer-agent/unpack/archive_sink.hpp"
#include "libxcp/repository/manifest.hpp"

#include <fstream>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;
using repository::SourceError;

// A single file (firmware, a driver module): written beside its place and
// renamed into it once every byte arrived.
class FileSink final : public repository::PackageSink {
public:
    FileSink(fs::path target, std::string what) : target_(std::move(target)), what_(std::move(what))
    {
        std::error_code ec;
        fs::create_directories(target_.parent_path(), ec);
        partial_ = target_;
        partial_ += ".partial";
        out_.open(partial_, std::ios::binary | std::ios::trunc);
        if (!out_) {
            throw SourceError(what_ + ": cannot write " + partial_.string());
        }
    }
    void write(std::span<const std::byte> chunk) override
    {
        out_.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(chunk.size()));
    }
    std::string finish() override
    {
        out_.close();
        std::error_code ec;
        if (!out_) {
            fs::remove(partial_, ec);
            return "cannot write " + target_.string();
        }
        fs::rename(partial_, target_, ec);
        return ec ? "cannot rename into " + target_.string() + ": " + ec.message() : std::string();
    }

private:
    fs::path target_, partial_;
    std::string what_;
    std::ofstream out_;
};

std::string below_root(std::string path)
{
    while (path.starts_with('/')) {
        path.erase(0, 1);
    }
    return path;
}

void write_text(const fs::path& file, const std::string& text)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) {
        throw SourceError("cannot write " + file.string());
    }
}

}  // namespace

std::string kernel_version(const fs::path& root)
{
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root / "lib/modules", ec)) {
        if (e.is_directory()) {
            found.push_back(e.path().filename().string());
        }
    }
    if (found.size() != 1) {
        throw SourceError("a driver names ${KERNEL_VERSION}, and the new root has " + std::to_string(found.size()) +
                          " kernels under lib/modules (one is needed): install the kernel's repository first");
    }
    return found.front();
}

std::unique_ptr<repository::PackageSink> RootUnpacker::open(const repository::RepositoryCheck& repository,
                                                            const repository::Package& p)
{
    const auto what = repository.id + " package " + p.label;
    using repository::PackageType;
    switch (p.type) {
    case PackageType::tbz2:
        return std::make_unique<ArchiveSink>(root_, p.dest, what, bzip2_program_);
    case PackageType::rpm:
    case PackageType::driver_rpm:
        // The payload only: RPM scriptlets are not run.
        return std::make_unique<ArchiveSink>(root_, "/", what);
    case PackageType::firmware:
        return std::make_unique<FileSink>(root_ / "lib/firmware" / fs::path(p.file).filename(), what);
    case PackageType::driver: {
        auto dest = below_root(p.dest);
        if (const auto at = dest.find("${KERNEL_VERSION}"); at != std::string::npos) {
            dest.replace(at, 17, kernel_version(root_));
        }
        if (dest.empty() || !repository::safe_relative_path(dest)) {
            throw SourceError(what + ": destination '" + p.dest + "' is not a file inside the new root");
        }
        return std::make_unique<FileSink>(root_ / dest, what);
    }
    }
    throw SourceError(what + ": unknown package type");
}

void RootUnpacker::repository_done(const repository::RepositoryCheck& r, const std::string& repository_text,
                                   const std::string& packages_text)
{
    auto id = r.id;
    for (auto& c : id) {
        if (c == '/' || c == ' ') {
            c = '_';
        }
    }
    const auto dir = root_ / "etc/xensource/installed-repos" / id;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        throw SourceError("cannot create " + dir.string() + ": " + ec.message());
    }
    if (r.format == "legacy") {
        write_text(dir / "XS-REPOSITORY", repository_text);
        write_text(dir / "XS-PACKAGES", packages_text);
    } else {
        write_text(dir / ".treeinfo", repository_text);
        write_text(dir / "repomd.xml", packages_text);
    }
    installed_.push_back({r.id, r.version, r.build, r.format});
}

}  // namespace xcp::installer
