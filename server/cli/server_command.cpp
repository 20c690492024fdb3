#include "server/cli/server_command.hpp"

#include "server/cli/common_options.hpp"
#include "server/cli/exit_codes.hpp"
#include "server/inventory/inventory.hpp"
#include "server/service/timeline.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <memory>

namespace xcp::cli {
namespace {

struct ServerArgs {
    Paths paths;
    bool json = false;
};

std::string heartbeat_age(const std::string& heartbeat)
{
    const auto at = inventory::parse_utc(heartbeat);
    if (!at) {
        return "-";
    }
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now() - *at);
    return service::format_duration(std::max<std::int64_t>(ms.count(), 0)) + " ago";
}

int list_servers(const ServerArgs& a)
{
    inventory::Inventory inv(open_database(a.paths));
    const auto servers = inv.servers();
    if (a.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& s : servers) {
            list.push_back({{"name", s.name},
                            {"segment", s.segment},
                            {"address", s.address},
                            {"started", s.started},
                            {"heartbeat", s.heartbeat}});
        }
        std::cout << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        return exit_ok;
    }
    std::cout << std::left << std::setw(20) << "NAME" << "  " << std::setw(16) << "SEGMENT" << "  " << std::setw(32)
              << "ADDRESS" << "  HEARTBEAT\n";
    for (const auto& s : servers) {
        std::cout << std::setw(20) << s.name << "  " << std::setw(16) << (s.segment.empty() ? "-" : s.segment) << "  "
                  << std::setw(32) << s.address << "  " << heartbeat_age(s.heartbeat) << '\n';
    }
    return exit_ok;
}

}  // namespace

void add_server_command(CLI::App& app, int& exit_code)
{
    auto* server = app.add_subcommand("server", "The xcp-pxe servers that share the inventory");
    server->require_subcommand(1);
    auto args = std::make_shared<ServerArgs>();
    auto* cmd = server->add_subcommand("list", "List the servers with their segment, address and last heartbeat");
    add_state_option(*cmd, args->paths);
    cmd->add_flag("--json", args->json, "JSON output");
    cmd->callback([args, &exit_code] {
        try {
            exit_code = list_servers(*args);
        } catch (const inventory::InventoryError& e) {
            std::cerr << "xcp-pxe: " << e.what() << '\n';
            exit_code = exit_failure;
        }
    });
}

}  // namespace xcp::cli
