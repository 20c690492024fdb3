// A file of the installer's work directory, handed to a tool (debugfs,
// mcopy) that copies it into a filesystem it cannot reach otherwise.
#pragma once

#include "installer-agent/disk/disk_error.hpp"

#include <filesystem>
#include <string>

namespace xcp::installer {

// `contents` as `dir`/`name` (the folder made when absent); its path.
// Throws DiskError.
std::filesystem::path write_scratch_file(const std::filesystem::path& dir, const std::string& name,
                                         const std::string& contents);

}  // namespace xcp::installer
