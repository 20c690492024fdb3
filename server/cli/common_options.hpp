// Options and helpers several commands share: where the state, the profiles
// and the templates are, and how hosts reach the server.
#pragma once

#include "server/boot/boot_config.hpp"
#include "server/boot/site.hpp"
#include "server/inventory/database.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace xcp::cli {

// Where the default profiles and templates are: share/xcp-pxe beside the
// binary's own directory when installed (/usr/sbin -> /usr/share/xcp-pxe),
// else the source tree it was built from (XCP_DATA_DIR).
std::string data_dir();

struct Paths {
    std::string state_dir = "/var/lib/xcp-pxe";
    std::string inventory;  // --inventory URL; empty: SQLite in the state directory
    std::string profiles_dir = data_dir() + "/answerfiles/profiles";
    std::string templates_dir = data_dir() + "/pxe-templates";
};

void add_path_options(CLI::App& command, Paths& paths);
// --state-dir and --inventory (commands that touch nothing but the inventory).
// A password in --inventory is refused: `ps` shows every argument.
void add_state_option(CLI::App& command, Paths& paths);

// The inventory --inventory names, or the state directory's SQLite file.
std::unique_ptr<inventory::Database> open_database(const Paths& paths,
                                                  inventory::Reach reach = inventory::Reach::now);

std::optional<boot::UnknownHosts> parse_unknown_hosts(std::string_view text);

// http://ADDRESS[:PORT] and the default repository under it.
boot::Site make_site(const std::string& address, std::uint16_t http_port, const std::string& repository_url);

}  // namespace xcp::cli
