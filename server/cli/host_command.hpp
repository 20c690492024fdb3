#pragma once

#include <CLI/CLI.hpp>

namespace xcp::cli {

// `xcp-pxe host add|list|show|set|rm|reinstall|upgrade|restore|import`.
void add_host_command(CLI::App& app, int& exit_code);
// `xcp-pxe profile list|render`.
void add_profile_command(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
