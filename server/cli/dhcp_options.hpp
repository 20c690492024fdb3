// The DHCP helper's options on `serve`, and `xcp-pxe dhcp config`.
#pragma once

#include "server/dhcp/server.hpp"
#include "server/service/dhcp_boot.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
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
    unsigned probe_seconds = 5;  // dnsmasq and ISC dhcpd ping an address for up to 3 s before offering it
    std::string bios_loader = "pxelinux.0";
    std::string efi_loader = "EFI/xenserver/grubx64.efi";
    std::string netboot_off = "local";
    std::string ipxe = "script";
};

void add_dhcp_options(CLI::App& command, DhcpArgs& args);

struct DhcpPlan {
    dhcp::ServerSettings server;
    service::NetbootOff netboot_off = service::NetbootOff::local;
    std::chrono::seconds probe{0};  // full mode: how long to listen for another DHCP server first
};

// Nullopt when DHCP is off; the reason, as one sentence, when the options do
// not make sense together. `interface_netmask` is what `--dhcp-range auto`
// is taken from.
std::variant<std::optional<DhcpPlan>, std::string> plan_dhcp(const DhcpArgs& args, const std::string& server_address,
                                                             std::optional<dhcp::Ipv4> interface_netmask);

// `xcp-pxe dhcp config --format isc|dnsmasq|kea`.
void add_dhcp_command(CLI::App& app, int& exit_code);

}  // namespace xcp::cli
