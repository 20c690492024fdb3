// Files inside a FAT filesystem (the ESP) at a byte offset of a disk, read,
// written and located with mtools: no mount, no loop device.
#pragma once

#include "installer-agent/disk/disk_error.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace xcp::installer {

struct VfatLocation {
    std::filesystem::path disk;
    std::uint64_t offset = 0;  // bytes: where the partition starts
};

// The file's contents (path below the root, "EFI/xenserver/grub.cfg"), or
// nullopt when it does not exist. Throws DiskError when the filesystem
// cannot be read.
std::optional<std::string> read_vfat_file(const VfatLocation& where, const std::string& path,
                                          const std::filesystem::path& scratch_dir);

// Writes the file, replacing one of that name (its directory must exist).
// Throws DiskError.
void write_vfat_file(const VfatLocation& where, const std::string& path, const std::string& contents,
                     const std::filesystem::path& scratch_dir);

// Removes the file; one that is not there is no error. Throws DiskError.
void remove_vfat_file(const VfatLocation& where, const std::string& path);

// Gives dir/`name` the contents of dir/`other` and the other way round, by
// exchanging their directory entries' first cluster and size in one synced
// write of the 512 bytes that hold both: a reader finds one or the other,
// never a mix. Both names are 8.3 ("grub.cfg"). False, with nothing
// written, when the two entries are not within one 512-byte block. Throws
// DiskError when the directory or either file cannot be found.
bool exchange_vfat_files(const VfatLocation& where, const std::string& dir, const std::string& name,
                         const std::string& other);

// Where the file's first cluster is, in bytes from the start of the disk.
// Throws DiskError when the file is absent or empty.
std::uint64_t vfat_file_offset(const VfatLocation& where, const std::string& path);

// Where `cluster` starts, in bytes from the start of the filesystem, by its
// boot sector (FAT12/16/32); nullopt when the boot sector is not FAT's.
std::optional<std::uint64_t> fat_cluster_offset(std::span<const unsigned char> boot_sector, std::uint32_t cluster);

}  // namespace xcp::installer
