#pragma once

#include <CLI/CLI.hpp>

namespace xcp::cli {

// `xcp-pxe serve`: the daemon.
void add_serve_command(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
