#pragma once

#include <filesystem>
#include <string>

namespace xcp::image {

// A whole file's bytes; throws ImageError naming the file when it cannot be
// read.
std::string file_bytes(const std::filesystem::path& file);

}  // namespace xcp::image
