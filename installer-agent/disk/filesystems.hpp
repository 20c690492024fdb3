// Filesystems written straight into a partition's byte range, so that image
// files need neither loop devices nor root: ext3/ext4 with mke2fs (populated
// from a directory with -d), vfat with mkfs.fat --offset, and the swap
// signature (mkswap cannot write at an offset).
#pragma once

#include "installer-agent/disk/disk_error.hpp"
#include "installer-agent/layout/layout.hpp"

#include <filesystem>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace xcp::installer {

struct Filesystem {
    std::string type;   // ext3, ext4, vfat, swap
    std::string label;  // root-abcdef, logs-abcdef, BOOT-ABCD, swap-abcdef
    std::optional<std::filesystem::path> contents;  // ext only: copied in with mke2fs -d
};

// Throws DiskError naming the disk, the partition and the tool's complaint.
void make_filesystem(const std::filesystem::path& disk, const PlannedPartition& partition, const Filesystem& fs);

// Copies the contents of `dir` into the vfat filesystem of `partition`
// (mtools, at the partition's offset: no mount). Throws DiskError.
void populate_vfat(const std::filesystem::path& disk, const PlannedPartition& partition,
                   const std::filesystem::path& dir);

// Zeroes the first and the last MiB of a guest disk: partition tables (both
// GPT copies), LVM and filesystem signatures. Throws DiskError.
void wipe_signatures(const std::filesystem::path& disk, std::uint64_t size);

// Writes the first MiB-aligned 440 bytes of boot code (syslinux mbr.bin or
// gptmbr.bin) into the MBR, keeping the partition table. Throws DiskError.
void write_boot_code(const std::filesystem::path& disk, const std::filesystem::path& code);

// The 4 KiB swap header (version 1) with label and UUID, as mkswap writes it.
std::string swap_header(std::uint64_t size, const std::string& label, const std::array<unsigned char, 16>& uuid);

// "a1b2c3": the random part of partition labels.
std::string random_label_suffix(std::size_t length);

}  // namespace xcp::installer
