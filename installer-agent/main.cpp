// xcp-installer: the on-host installer. Not implemented yet: it says so
// instead of pretending to install.
#include "server/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv)
{
    CLI::App app{"xcp-installer: installs an XCP-ng control domain from an answerfile (not implemented yet)"};
    app.set_version_flag("--version", std::string("xcp-installer ") + xcp::version);
    CLI11_PARSE(app, argc, argv);
    std::cerr << "xcp-installer: installing is not implemented yet; use `xcp-pxe answerfile validate` to check "
                 "answerfiles\n";
    return 4;
}
