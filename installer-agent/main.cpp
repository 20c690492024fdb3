// xcp-installer: the on-host installer. Today it reads the answerfile,
// probes the disks, prints the plan (--dry-run) and verifies repositories;
// carrying the plan out is not written yet, and it says so.
#include "installer-agent/plan/install_command.hpp"
#include "installer-agent/source/verify_command.hpp"
#include "server/version.hpp"

#include <CLI/CLI.hpp>

int main(int argc, char** argv)
{
    CLI::App app{"xcp-installer: installs an XCP-ng control domain from an answerfile (today: the plan with "
                 "--dry-run, and `verify` of a repository)"};
    app.set_version_flag("--version", std::string("xcp-installer ") + xcp::version);
    int exit_code = 0;
    xcp::installer::InstallArgs install;
    xcp::installer::add_install_options(app, install);
    xcp::installer::add_verify_command(app, exit_code);
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
