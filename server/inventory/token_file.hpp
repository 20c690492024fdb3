#pragma once

#include <filesystem>
#include <string>

namespace xcp::inventory {

// The admin API's bearer token, from the file's first line. A missing or empty
// file gets a new random token, the file made 0600 first. Throws
// InventoryError, as one sentence naming the file, when the file is readable
// by group or others, or its token is shorter than `min_token_length`.
std::string load_token_file(const std::filesystem::path& file, bool& created);

inline constexpr std::size_t min_token_length = 32;

// What load_token_file would refuse in an existing file, as the same
// sentence; empty when it is fine or missing (it would be created).
// Writes nothing.
std::string token_file_problem(const std::filesystem::path& file);

}  // namespace xcp::inventory
