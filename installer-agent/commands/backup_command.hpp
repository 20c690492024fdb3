#pragma once

#include <CLI/CLI.hpp>

namespace xcp::installer {

// `xcp-installer backup DISK`: a verified, marked backup of the
// installation on DISK onto its backup partition, as an upgrade makes
// first, for an operator to take before maintenance; `--dry-run` prints the
// operations. Exit 0 backed up, 1 refused or failed, 2 usage.
void add_backup_command(CLI::App& app, int& exit_code);

}  // namespace xcp::installer
