#pragma once

#include <CLI/CLI.hpp>

namespace xcp::cli {

// `xcp-pxe server list`: the servers sharing the inventory, with their
// segment, address and last heartbeat.
void add_server_command(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
