// The install image's bytes: a newc cpio archive, compressed with zstd or
// gzip, written by libarchive. What goes in is a list of entries; this file
// only writes them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace xcp::image {

struct ImageEntry {
    enum class Kind { directory, file, symlink, text, char_device };
    Kind kind = Kind::file;
    std::string path;              // inside the image, relative: "usr/bin/busybox"
    std::filesystem::path source;  // file: the host file read
    std::string data;              // text: the bytes; symlink: the target
    unsigned mode = 0755;
    unsigned major = 0, minor = 0;  // char_device
    bool decompress = false;        // file: a .ko.xz, .ko.zst or .ko.gz stored plain
};

enum class Compression { zstd, gzip };

// Writes every entry in order, with owner root and time 0 (the same inputs
// give the same image). Throws ImageError naming the entry.
void write_initramfs(const std::filesystem::path& output, const std::vector<ImageEntry>& entries,
                     Compression compression);

}  // namespace xcp::image
