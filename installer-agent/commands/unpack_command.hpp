#pragma once

#include <CLI/CLI.hpp>

namespace xcp::installer {

// `xcp-installer unpack SOURCE DIR`: what an install does before it touches
// a disk (every package fetched, verified and unpacked), into a directory.
void add_unpack_command(CLI::App& app, int& exit_code);

}  // namespace xcp::installer
