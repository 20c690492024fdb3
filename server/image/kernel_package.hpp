// A Linux kernel and its modules for the install image, from a Debian kernel
// package: a .deb read with libarchive (never installed), or a folder it was
// unpacked into.
#pragma once

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

namespace xcp::image {

class ImageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct KernelTree {
    std::string version;                  // 6.1.0-27-amd64
    std::filesystem::path vmlinuz;        // boot/vmlinuz-VERSION
    std::filesystem::path modules;        // lib/modules/VERSION (or usr/lib/...)
    std::filesystem::path system_map;     // boot/System.map-VERSION, when there
};

// A folder holding boot/vmlinuz-* and lib/modules/*/kernel/ (or under
// usr/lib/modules), one version. Throws ImageError saying what is missing.
KernelTree find_kernel(const std::filesystem::path& root);

// Unpacks from DEB's data archive into `into` the files whose path (as in
// the package, "lib/modules/...") `wanted` accepts. Returns how many.
// Throws ImageError for a file that is not a Debian package.
std::size_t unpack_from_deb(const std::filesystem::path& deb, const std::filesystem::path& into,
                            const std::function<bool(const std::string&)>& wanted);

}  // namespace xcp::image
