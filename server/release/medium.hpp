// An install medium read as it is, never mounted: an ISO 9660 image through
// libarchive, or a directory. Two passes: the list of files (directory
// records only), then each file's bytes copied out and hashed as they go.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace xcp::release {

// What an import or a release could not do, as one sentence.
class ReleaseError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct MediumFile {
    std::string path;  // relative, '/'-separated
    std::uint64_t size = 0;
};

class Medium {
public:
    virtual ~Medium() = default;
    // Regular files only; a symlink or device is left out and named in
    // `skipped()`. Throws ReleaseError.
    virtual std::vector<MediumFile> list() = 0;
    // Copies every regular file to `into / path`, creating folders; calls
    // `copied` after each with the bytes so far. Returns path -> SHA-256.
    // Throws ReleaseError naming the file.
    virtual std::map<std::string, std::string> extract(
        const std::filesystem::path& into, const std::function<void(const MediumFile&, std::uint64_t bytes)>& copied) = 0;
    [[nodiscard]] const std::vector<std::string>& skipped() const { return skipped_; }
    [[nodiscard]] virtual std::string describe() const = 0;

    // An ISO image (a regular file) or a directory. Throws ReleaseError.
    static std::unique_ptr<Medium> open(const std::filesystem::path& path);

protected:
    std::vector<std::string> skipped_;
};

// Copies one file, hashing it with SHA-256 as it goes; the target is created
// new (O_EXCL). Throws ReleaseError naming both files.
std::string copy_hashed(const std::filesystem::path& from, const std::filesystem::path& to);

// The same for a gzip file written out decompressed (libarchive's gzip
// filter): iPXE cannot load a gzipped Xen, pxelinux's mboot.c32 can.
// Returns the SHA-256 of what was written.
std::string gunzip_hashed(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace xcp::release
