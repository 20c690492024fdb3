#pragma once

#include <CLI/CLI.hpp>

namespace xcp::installer {

// `xcp-installer verify SOURCE [--json]`: the seed's "Verify installation
// source". Exit 0 verified, 1 a package or manifest is wrong, 2 usage,
// 4 the source cannot be read at all.
void add_verify_command(CLI::App& app, int& exit_code);

}  // namespace xcp::installer
