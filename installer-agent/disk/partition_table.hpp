// Writes the planned partition table with libfdisk, onto a block device or
// an image file alike.
#pragma once

#include "installer-agent/disk/disk_error.hpp"
#include "installer-agent/layout/layout.hpp"

#include <filesystem>

namespace xcp::installer {

// A new table (old signatures in the way wiped), or, when the layout keeps
// a utility partition, the existing table with everything but partition 1
// removed. No partition is marked bootable here. Throws DiskError.
void write_partition_table(const std::filesystem::path& disk, const Layout& layout, std::uint32_t sector_size);

// The DOS active flag, or the GPT "legacy BIOS bootable" attribute, moved
// onto partition `number` (cleared on the others) in one write of the
// table: the last step of an install, and the switch to the backup while an
// upgrade rewrites the root. Throws DiskError.
void mark_bootable(const std::filesystem::path& disk, const Layout& layout, int number);

}  // namespace xcp::installer
