// xcp-installer: the on-host installer. Today it verifies install
// repositories; installing is not written yet, and it says so instead of
// pretending.
#include "installer-agent/source/verify_command.hpp"
#include "server/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv)
{
    CLI::App app{"xcp-installer: installs an XCP-ng control domain from an answerfile (today: repository "
                 "verification only)"};
    app.set_version_flag("--version", std::string("xcp-installer ") + xcp::version);
    int exit_code = 0;
    xcp::installer::add_verify_command(app, exit_code);
    app.require_subcommand(0, 1);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;
    }
    if (app.get_subcommands().empty()) {
        std::cerr << "xcp-installer: installing is not implemented yet; `xcp-installer verify SOURCE` checks a "
                     "repository\n";
        return 4;
    }
    return exit_code;
}
