// A small file read whole, for the helpers that used to each keep their own.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace xcp::util {

// The bytes of `file`, or nullopt when it cannot be opened or read.
std::optional<std::string> read_whole_file(const std::filesystem::path& file);

}  // namespace xcp::util
