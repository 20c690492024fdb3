// xcp-pxe: the PXE provisioning server and its admin command line.
#include "server/cli/answerfile_command.hpp"
#include "server/cli/dhcp_options.hpp"
#include "server/cli/exit_codes.hpp"
#include "server/cli/host_command.hpp"
#include "server/cli/image_command.hpp"
#include "server/cli/release_command.hpp"
#include "server/cli/serve_command.hpp"
#include "server/cli/server_command.hpp"
#include "libxcp/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv)
{
    CLI::App app{"xcp-pxe: installs Xen / XCP-ng hosts over the network (DHCP, TFTP, HTTP, answerfiles)"};
    app.set_version_flag("--version", std::string("xcp-pxe ") + xcp::version);
    app.require_subcommand(1);

    int exit_code = xcp::cli::exit_ok;
    xcp::cli::add_answerfile_command(app, exit_code);
    xcp::cli::add_serve_command(app, exit_code);
    xcp::cli::add_host_command(app, exit_code);
    xcp::cli::add_profile_command(app, exit_code);
    xcp::cli::add_dhcp_command(app, exit_code);
    xcp::cli::add_release_commands(app, exit_code);
    xcp::cli::add_image_command(app, exit_code);
    xcp::cli::add_server_command(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);  // prints the message and the usage hint
        return xcp::cli::exit_usage;
    } catch (const std::exception& e) {
        std::cerr << "xcp-pxe: " << e.what() << '\n';
        return xcp::cli::exit_failure;
    }
    return exit_code;
}
