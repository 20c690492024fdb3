#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace xcp::cli {

// Reads a TOML config file (toml++) whose keys are the command's long option
// names without the dashes (`tftp-root = "/srv/tftp"`, `http-port = 8080`),
// and applies each to the option not already given on the command line:
// flags override the file. Throws CLI::ValidationError with the file, line
// and key of anything it cannot use.
// `only_known`: keys the command lacks are passed over instead (a command
// that shares serve's file and reads only a few of its settings).
void apply_config_file(CLI::App& command, const std::string& file, bool only_known = false);

}  // namespace xcp::cli
