#pragma once

#include <string>
#include <string_view>
#include <variant>

namespace xcp::files {

struct PathRefused {
    std::string reason;  // for the log: why the name was refused
};

// Clients send `\` (Windows, some ROMs), a leading `/`, or a path relative to
// the root. Maps `\` to `/`, drops leading `/` and `.` segments, and refuses
// `..`, control characters and names longer than PATH_MAX. The result is
// relative and never leaves the root lexically; the resolver still opens it
// so that no symlink leads out.
std::variant<std::string, PathRefused> normalize_path(std::string_view requested);

}  // namespace xcp::files
