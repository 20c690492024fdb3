// The DHCP helper's options on `serve`, and `xcp-pxe dhcp config`.
#pragma once

#include "server/dhcp/server.hpp"
#include "server/service/dhcp_boot.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <variant>

namespace xcp::cli {

struct DhcpArgs {
    std::string mode;  // off, proxy, full; empty: off, or proxy when --interface is given
    std::string interface;
    std::string range;
    std::string router;
    std::string dns;
    std::string domain;
    unsigned lease_seconds = 3600;
    std::string bios_loader = "pxelinux.0";
    std::string efi_loader = "EFI/xenserver/grubx64.efi";
    std::string netboot_off = "local";
};

void add_dhcp_options(CLI::App& command, DhcpArgs& args);

// The first IPv4 address of an interface.
std::optional<std::string> interface_ipv4(const std::string& name);

struct DhcpPlan {
    dhcp::ServerSettings server;
    service::NetbootOff netboot_off = service::NetbootOff::local;
};

// Nullopt when DHCP is off; the reason, as one sentence, when the options do
// not make sense together.
std::variant<std::optional<DhcpPlan>, std::string> plan_dhcp(const DhcpArgs& args, const std::string& server_address);

// `xcp-pxe dhcp config --format isc|dnsmasq|kea`.
void add_dhcp_command(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
