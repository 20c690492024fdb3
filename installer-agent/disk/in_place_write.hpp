// One write into bytes a filesystem already owns (a file's first block),
// synced before it returns: the journal's records and the boot switch's
// grubenv change this way, without touching any filesystem metadata.
#pragma once

#include "installer-agent/disk/disk_error.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace xcp::installer {

// `what` names the data in the error: "the journal", "the ESP's grubenv".
// Throws DiskError.
void write_in_place(const std::filesystem::path& disk, std::uint64_t offset, std::string_view bytes,
                    const std::string& what);

// `n` bytes of the disk at `offset`, as they are. Throws DiskError naming
// `what`, also when the disk ends before them.
std::string read_in_place(const std::filesystem::path& disk, std::uint64_t offset, std::size_t n,
                          const std::string& what);

}  // namespace xcp::installer
