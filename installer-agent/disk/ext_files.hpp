// Files inside an ext2/3/4 filesystem at a byte offset of a disk, read and
// added with debugfs (e2fsprogs): no mount, no loop device. Used to read an
// existing installation, to copy a root out for its backup, and to add the
// backup's marker once the copy is verified.
#pragma once

#include "installer-agent/disk/disk_error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xcp::installer {

struct ExtLocation {
    std::filesystem::path disk;
    std::uint64_t offset = 0;  // bytes: where the partition starts
    [[nodiscard]] std::string spec() const;  // "disk?offset=N", as debugfs opens it
};

struct ExtDirEntry {
    std::string name;
    std::uint32_t mode = 0;  // st_mode: type and permissions
    std::uint32_t uid = 0, gid = 0;
    std::uint64_t size = 0;
};

// The file's contents, or nullopt when it does not exist. Throws DiskError
// when the filesystem cannot be read at all.
std::optional<std::string> read_ext_file(const ExtLocation& where, const std::string& path,
                                         const std::filesystem::path& scratch_dir);

// The entries of a directory (without . and ..), or nullopt when it does not
// exist. Throws DiskError when the filesystem cannot be read.
std::optional<std::vector<ExtDirEntry>> list_ext_dir(const ExtLocation& where, const std::string& dir);

// Copies the whole filesystem into `dest` (which must exist and be empty),
// with modes, owners and times. Throws DiskError.
void extract_ext(const ExtLocation& where, const std::filesystem::path& dest);

// Writes `local` into the filesystem as `name` ("file", or "dir/file" with
// the directory made when absent); an existing file of that name is
// replaced. Throws DiskError.
void add_ext_file(const ExtLocation& where, const std::filesystem::path& local, const std::string& name);

// `contents` written as add_ext_file writes a file, through `scratch_dir`.
// Throws DiskError.
void write_ext_file(const ExtLocation& where, const std::string& name, const std::string& contents,
                    const std::filesystem::path& scratch_dir);

// Where the first block of `path` is, in bytes from the start of the disk:
// the journal rewrites its slots there in place. Throws DiskError when the
// file is absent or has no block (a file of zeros is stored sparse).
std::uint64_t ext_file_offset(const ExtLocation& where, const std::string& path);

// The filesystem's UUID, as root=UUID= names it. Throws DiskError.
std::string ext_uuid(const ExtLocation& where);

}  // namespace xcp::installer
