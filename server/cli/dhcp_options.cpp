#include "server/cli/dhcp_options.hpp"

#include "libxcp/util/text.hpp"
#include "server/cli/exit_codes.hpp"

#include <iostream>
#include <memory>

namespace xcp::cli {

void add_dhcp_options(CLI::App& cmd, DhcpArgs& a)
{
    cmd.add_option("--dhcp", a.mode,
                   "off, proxy (answer PXE clients beside an existing DHCP server; the default with --interface) "
                   "or full (hand out addresses from --dhcp-range; an isolated lab network only)")
        ->check(CLI::IsMember({"off", "proxy", "full"}));
    cmd.add_option("--interface", a.interface,
                   "Interface the DHCP helper listens and answers on; its IPv4 address is also the default --listen");
    cmd.add_option("--dhcp-range", a.range,
                   "Full mode: FIRST,LAST[,NETMASK] of the addresses to hand out, or auto: the larger side of this "
                   "server's address in --interface's subnet");
    cmd.add_option("--dhcp-probe", a.probe_seconds,
                   "Full mode: before serving, send one DHCPDISCOVER on --interface and wait this many seconds; "
                   "if another DHCP server offers an address, refuse to start (0: no probe)")
        ->capture_default_str()
        ->check(CLI::Range(0, 60));
    cmd.add_option("--dhcp-router", a.router, "Full mode: default gateway given to clients");
    cmd.add_option("--dhcp-dns", a.dns, "Full mode: name servers given to clients, comma-separated");
    cmd.add_option("--dhcp-domain", a.domain, "Full mode: domain name given to clients");
    cmd.add_option("--dhcp-lease-time", a.lease_seconds, "Full mode: lease time in seconds")
        ->capture_default_str()
        ->check(CLI::Range(60, 604800));
    cmd.add_option("--dhcp-bios-loader", a.bios_loader, "Boot file for BIOS PXE clients (TFTP path)")
        ->capture_default_str();
    cmd.add_option("--dhcp-efi-loader", a.efi_loader,
                   "Boot file for x86-64 UEFI clients (TFTP path; HTTP-boot clients get it as a URL)")
        ->capture_default_str();
    cmd.add_option("--dhcp-ipxe", a.ipxe,
                   "What a BIOS iPXE client (a NIC's iPXE ROM, or iPXE chained) gets: script (HTTP-URL/ipxe, the "
                   "host's iPXE script) or loader (pxelinux.0, as any PXE ROM, which reads pxelinux.cfg/ by "
                   "TFTP). iPXE under UEFI always gets the EFI loader: it cannot multiboot Xen there")
        ->capture_default_str()
        ->check(CLI::IsMember({"script", "loader"}));
    cmd.add_option("--dhcp-netboot-off", a.netboot_off,
                   "What a host with netboot off gets: ignore (no PXE answer) or local (the loader, which then "
                   "boots the local disk)")
        ->capture_default_str()
        ->check(CLI::IsMember({"ignore", "local"}));
}

std::variant<std::optional<DhcpPlan>, std::string> plan_dhcp(const DhcpArgs& a, const std::string& server_address,
                                                             std::optional<dhcp::Ipv4> interface_netmask)
{
    const auto mode = a.mode.empty() ? (a.interface.empty() ? "off" : "proxy") : a.mode;
    if (mode == "off") {
        if (!a.range.empty()) {
            return std::string("--dhcp-range is only used with --dhcp full");
        }
        return std::optional<DhcpPlan>();
    }
    if (a.interface.empty()) {
        return std::string("--dhcp ") + mode + " needs --interface IF: DHCP answers on one interface only";
    }
    DhcpPlan plan;
    plan.netboot_off = a.netboot_off == "ignore" ? service::NetbootOff::ignore : service::NetbootOff::local;
    auto& s = plan.server;
    s.mode = mode == "full" ? dhcp::Mode::full : dhcp::Mode::proxy;
    s.interface = a.interface;
    const auto server = dhcp::parse_ipv4(server_address);
    if (!server || *server == 0) {
        return std::string("DHCP needs this server's IPv4 address on ") + a.interface + " (--listen or --advertise)";
    }
    s.server = *server;
    if (s.mode == dhcp::Mode::proxy) {
        if (!a.range.empty()) {
            return std::string("--dhcp-range is only used with --dhcp full; proxy mode hands out no address");
        }
        return std::optional(plan);
    }
    if (a.range.empty()) {
        return std::string("--dhcp full needs --dhcp-range FIRST,LAST[,NETMASK]: xcp-pxe never hands out addresses "
                           "it was not given");
    }
    auto range = a.range != "auto"      ? dhcp::parse_range(a.range)
                 : interface_netmask ? dhcp::auto_range(s.server, *interface_netmask)
                                     : std::variant<dhcp::AddressRange, std::string>("the netmask of " + a.interface +
                                                                                    " is not known");
    if (const auto* why = std::get_if<std::string>(&range)) {
        return a.range == "auto" ? "--dhcp-range auto: " + *why : *why;
    }
    plan.probe = std::chrono::seconds(a.probe_seconds);
    dhcp::FullSettings full;
    full.range = std::get<dhcp::AddressRange>(range);
    full.server = s.server;
    full.lease_seconds = a.lease_seconds;
    full.domain = a.domain;
    if (!a.router.empty()) {
        full.router = dhcp::parse_ipv4(a.router);
        if (!full.router) {
            return "--dhcp-router '" + a.router + "' is not an IPv4 address";
        }
    }
    if (!a.dns.empty()) {
        for (const auto item : util::split(a.dns, ',')) {
            const auto ip = dhcp::parse_ipv4(util::trim(item));
            if (!ip) {
                return "--dhcp-dns: '" + std::string(item) + "' is not an IPv4 address";
            }
            full.dns.push_back(*ip);
        }
    }
    if ((full.server & full.range.netmask) != (full.range.first & full.range.netmask)) {
        return "--dhcp-range " + a.range + " is not on the network of " + server_address + " (" + a.interface + ")";
    }
    if (full.range.contains(full.server)) {
        return "--dhcp-range " + a.range + " holds this server's own address " + server_address;
    }
    s.full = full;
    return std::optional(plan);
}

namespace {

struct ConfigArgs {
    std::string format = "isc";
    std::string server;
    std::uint16_t http_port = 80;
    std::string bios_loader = "pxelinux.0";
    std::string efi_loader = "EFI/xenserver/grubx64.efi";
};

// PXE clients to this server by architecture, iPXE to its script: the seed
// guide's dhcpd.conf class, grown for UEFI.
int print_config(const ConfigArgs& a)
{
    const auto http = "http://" + a.server + (a.http_port == 80 ? "" : ":" + std::to_string(a.http_port));
    if (a.format == "isc") {
        std::cout << "# ISC dhcpd: PXE clients boot from xcp-pxe at " << a.server << "\n"
                  << "option client-arch code 93 = unsigned integer 16;\n"
                  << "allow booting;\nallow bootp;\n"
                  << "class \"pxeclients\" {\n"
                  << "  match if substring(option vendor-class-identifier, 0, 9) = \"PXEClient\";\n"
                  << "  next-server " << a.server << ";\n"
                  << "  if exists user-class and option user-class = \"iPXE\" {\n"
                  << "    filename \"" << http << "/ipxe\";\n"
                  << "  } elsif option client-arch = 00:07 or option client-arch = 00:09 {\n"
                  << "    filename \"" << a.efi_loader << "\";\n"
                  << "  } else {\n"
                  << "    filename \"" << a.bios_loader << "\";\n"
                  << "  }\n"
                  << "}\n";
    } else if (a.format == "dnsmasq") {
        std::cout << "# dnsmasq: PXE clients boot from xcp-pxe at " << a.server << "\n"
                  << "dhcp-match=set:efi64,option:client-arch,7\n"
                  << "dhcp-match=set:efi64,option:client-arch,9\n"
                  << "dhcp-userclass=set:ipxe,iPXE\n"
                  << "dhcp-boot=tag:ipxe," << http << "/ipxe\n"
                  << "dhcp-boot=tag:!ipxe,tag:efi64," << a.efi_loader << ",," << a.server << "\n"
                  << "dhcp-boot=tag:!ipxe,tag:!efi64," << a.bios_loader << ",," << a.server << "\n";
    } else {
        std::cout << "// Kea DHCPv4: add to \"Dhcp4\"; PXE clients boot from xcp-pxe at " << a.server << "\n"
                  << "\"client-classes\": [\n"
                  << "  { \"name\": \"ipxe\", \"test\": \"option[77].hex == 'iPXE'\",\n"
                  << "    \"boot-file-name\": \"" << http << "/ipxe\" },\n"
                  << "  { \"name\": \"efi64\", \"test\": \"not member('ipxe') and (option[93].hex == 0x0007 or "
                     "option[93].hex == 0x0009)\",\n"
                  << "    \"next-server\": \"" << a.server << "\", \"boot-file-name\": \"" << a.efi_loader << "\" },\n"
                  << "  { \"name\": \"bios\", \"test\": \"not member('ipxe') and option[93].hex == 0x0000\",\n"
                  << "    \"next-server\": \"" << a.server << "\", \"boot-file-name\": \"" << a.bios_loader << "\" }\n"
                  << "]\n";
    }
    return exit_ok;
}

}  // namespace

void add_dhcp_command(CLI::App& app, int& exit_code)
{
    auto* dhcp = app.add_subcommand("dhcp", "DHCP helpers");
    dhcp->require_subcommand(1);
    auto args = std::make_shared<ConfigArgs>();
    auto* cmd = dhcp->add_subcommand("config", "Print a snippet for an existing DHCP server that sends PXE clients "
                                               "to this server by architecture");
    cmd->add_option("--format", args->format, "isc, dnsmasq or kea")
        ->capture_default_str()
        ->check(CLI::IsMember({"isc", "dnsmasq", "kea"}));
    cmd->add_option("--server", args->server, "This server's address as hosts reach it")
        ->required()
        ->check(CLI::ValidIPV4);
    cmd->add_option("--http-port", args->http_port, "This server's HTTP port")->capture_default_str();
    cmd->add_option("--bios-loader", args->bios_loader, "Boot file for BIOS clients")->capture_default_str();
    cmd->add_option("--efi-loader", args->efi_loader, "Boot file for x86-64 UEFI clients")->capture_default_str();
    cmd->callback([args, &exit_code] { exit_code = print_config(*args); });
}

}  // namespace xcp::cli
