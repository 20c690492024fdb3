#pragma once

#include <CLI/CLI.hpp>

namespace xcp::cli {

// `xcp-pxe image build`.
void add_image_command(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
