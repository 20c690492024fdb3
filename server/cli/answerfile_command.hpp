#pragma once

#include <CLI/CLI.hpp>

namespace xcp::cli {

// `xcp-pxe answerfile validate|show|convert`. The command's exit code is
// written to `exit_code` when it runs.
void add_answerfile_command(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
