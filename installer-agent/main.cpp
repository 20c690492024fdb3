// xcp-installer: the on-host installer. It reads the answerfile, probes the
// disks, plans (--dry-run prints the plan) and carries the plan out; `verify`
// and `unpack` check or unpack a repository without touching a disk;
// `backup` backs an installation up as an upgrade does first.
#include "installer-agent/commands/backup_command.hpp"
#include "installer-agent/commands/install_command.hpp"
#include "installer-agent/commands/status_command.hpp"
#include "installer-agent/commands/unpack_command.hpp"
#include "installer-agent/commands/verify_command.hpp"
#include "libxcp/version.hpp"

#include <CLI/CLI.hpp>

#include <csignal>

int main(int argc, char** argv)
{
    // libarchive feeds an external decoder (lbzip2) through a pipe; when the
    // decoder stops early on damaged data, the write must fail with EPIPE
    // (and the package be reported), not kill the installer.
    std::signal(SIGPIPE, SIG_IGN);
    CLI::App app{"xcp-installer: installs an XCP control domain onto this host's disks from an answerfile, "
                 "unattended (--dry-run prints the plan and touches nothing)"};
    app.set_version_flag("--version", std::string("xcp-installer ") + xcp::version);
    int exit_code = 0;
    xcp::installer::InstallArgs install;
    xcp::installer::add_install_options(app, install);
    xcp::installer::add_verify_command(app, exit_code);
    xcp::installer::add_unpack_command(app, exit_code);
    xcp::installer::add_backup_command(app, exit_code);
    xcp::installer::add_status_command(app, exit_code);
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    if (app.get_subcommands().empty()) {
        return xcp::installer::run_install(install);
    }
    return exit_code;
}
