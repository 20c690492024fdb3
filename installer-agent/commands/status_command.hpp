// `xcp-installer status`: what the journal on each disk says the last run
// did and what the next run will do; nothing is written.
#pragma once

#include <CLI/CLI.hpp>

namespace xcp::installer {

void add_status_command(CLI::App& app, int& exit_code);

}  // namespace xcp::installer
