// The carry-over table applied: what it selects in the old root copied into
// the new one, owner and mode kept (owners remapped by name), symlinks kept.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

namespace xcp::installer {

struct CarryResult {
    std::size_t carried = 0, skipped = 0;
    bool root_password = false;  // root's hash came over
};

// `log` hears one line per entry carried or skipped. Throws
// std::runtime_error naming the entry that could not be copied.
CarryResult carry_settings_over(const std::filesystem::path& old_root, const std::filesystem::path& new_root,
                                bool root_password, const std::function<void(const std::string&)>& log);

}  // namespace xcp::installer
