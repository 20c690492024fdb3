// Runs the standard tools the install leans on (mke2fs, mkfs.vfat, stage
// scripts): argv, no shell, output captured for the log.
#pragma once

#include <string>
#include <vector>

namespace xcp::installer {

struct CommandResult {
    int exit_code = -1;  // 127: not found; 128+N: killed by signal N
    std::string output;  // stdout and stderr, the last 64 KiB
    [[nodiscard]] bool ok() const { return exit_code == 0; }
    // "mke2fs exited 1: <last line of its output>"
    [[nodiscard]] std::string failure(const std::string& name) const;
};

// The program's full path when `name` is an executable on PATH, else "".
std::string find_on_path(const std::string& name);

// `environment` entries (NAME=value) are added to the installer's own.
CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& environment = {});

}  // namespace xcp::installer
