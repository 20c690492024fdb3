#pragma once

#include <CLI/CLI.hpp>

namespace xcp::installer {

struct InstallArgs {
    std::string answerfile;  // FILE, file:// or http:// URL; default: answerfile= of the kernel command line
    std::string cmdline = "/proc/cmdline";
    std::string dev_dir = "/dev";
    std::string layout = "auto";
    bool dry_run = false;
    bool json = false;
};

// The top-level options of xcp-installer (the install itself).
void add_install_options(CLI::App& app, InstallArgs& args);
// Loads, probes, plans; prints the plan. Exit 0 (dry run), 1 refused or
// invalid answerfile, 4 could not read, or installing (not written yet).
int run_install(const InstallArgs& args);

}  // namespace xcp::installer
