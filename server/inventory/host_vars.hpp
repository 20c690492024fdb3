// What an operator may set on a host (`host add --set`, `host set`, the admin
// API, `host import`), each value checked when it is set, not when a host
// boots.
#pragma once

#include "server/inventory/host.hpp"

#include <span>
#include <string>
#include <string_view>

namespace xcp::inventory {

struct HostSetting {
    std::string_view key;
    std::string_view help;
};

// Every key `set_host_value` accepts, for --help and "did you mean".
std::span<const HostSetting> host_settings();

// Sets KEY to VALUE on the host. `root-password` is hashed at once and kept
// only as `root-password-hash`. Returns an empty string, or why the value was
// refused, as one sentence.
std::string set_host_value(Host& host, std::string_view key, std::string_view value);

// Profile and release names become paths and reach boot configs: letters,
// digits, '.', '_' and '-', at most 64, not starting with '.'.
bool is_name(std::string_view value);
// Empty, or why VALUE is not a WHAT ("release", "profile") name.
std::string name_problem(std::string_view what, std::string_view value);

// "KEY=VALUE" split at the first '='; empty key when there is none.
std::pair<std::string, std::string> split_assignment(std::string_view text);

}  // namespace xcp::inventory
