#pragma once

#include <CLI/CLI.hpp>

namespace xcp::cli {

// `xcp-pxe import PATH --name NAME` and `xcp-pxe release list|show|rm|add-agent`.
void add_release_commands(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
