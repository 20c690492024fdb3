// The backup of an installation's root on its backup partition, as the
// reference makes it (a filesystem copy, the partition table beside it, the
// marker last) and as the reference does not: a manifest of every entry,
// checked against the disk before the marker is written and before a
// restore. Each function names the disk and partition in what it throws.
#pragma once

#include "installer-agent/layout/layout.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace xcp::installer {

struct BackupDisk {
    std::filesystem::path path;
    std::string table;  // gpt or dos: how much of the start is the partition table
    std::uint32_t sector_size = 512;
};

// Copies the filesystem on `root` into `old_tree` (emptied first), then
// makes the backup partition a new ext3 filesystem holding that tree, its
// manifest and the saved partition table. Returns the manifest's entries.
std::size_t back_up_root(const BackupDisk& disk, const PlannedPartition& root, const PlannedPartition& backup,
                         const std::filesystem::path& old_tree);

// Reads the backup back into `scratch` and checks it against its manifest
// and, when given, that manifest against the one back_up_root made of
// `old_tree` (the copy the backup was made from). Returns the entries checked; throws on any difference.
std::size_t check_backup(const std::filesystem::path& disk, const PlannedPartition& backup, const std::string& where,
                         const std::filesystem::path& scratch, const std::optional<std::filesystem::path>& old_tree);

// .xen-backup-partition, saying whose backup it is.
void mark_backup(const std::filesystem::path& disk, const PlannedPartition& backup, const std::string& installation,
                 const std::filesystem::path& scratch);

// The backup as the tree `dest` (emptied first), checked against its
// manifest once more, without the backup's own files. Returns the entries.
std::size_t stage_backup_as_root(const std::filesystem::path& disk, const PlannedPartition& backup,
                                 const std::string& where, const std::filesystem::path& dest);

}  // namespace xcp::installer
