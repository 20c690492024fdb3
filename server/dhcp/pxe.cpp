#include "server/dhcp/pxe.hpp"

#include <cstdlib>

namespace xcp::dhcp {

ClientArch arch_from_code(std::uint16_t code)
{
    switch (code) {
    case 0: return ClientArch::bios;
    case 6: return ClientArch::efi_ia32;
    case 7:
    case 9: return ClientArch::efi_x64;
    case 16: return ClientArch::efi_x64_http;
    default: return ClientArch::other;
    }
}

std::string_view to_string(ClientArch arch)
{
    switch (arch) {
    case ClientArch::bios: return "BIOS";
    case ClientArch::efi_ia32: return "EFI IA32";
    case ClientArch::efi_x64: return "EFI x86-64";
    case ClientArch::efi_x64_http: return "EFI x86-64 HTTP";
    case ClientArch::other: return "other";
    }
    return "?";
}

std::optional<PxeClient> classify(const Packet& request)
{
    const auto vendor = request.text(option::vendor_class);
    if (!vendor) {
        return std::nullopt;
    }
    PxeClient c;
    if (vendor->starts_with("HTTPClient")) {
        c.http_client = true;
    } else if (!vendor->starts_with("PXEClient")) {
        return std::nullopt;
    }
    if (const auto it = request.options.find(option::client_arch); it != request.options.end() && it->second.size() >= 2) {
        c.arch_code = static_cast<std::uint16_t>((it->second[0] << 8) | it->second[1]);
    } else if (vendor->size() >= 20 && vendor->substr(9, 6) == ":Arch:") {
        // PXEClient:Arch:00007:UNDI:003016, for ROMs that omit option 93.
        c.arch_code = static_cast<std::uint16_t>(std::strtoul(std::string(vendor->substr(15, 5)).c_str(), nullptr, 10));
    }
    c.arch = arch_from_code(c.arch_code);
    if (c.http_client && c.arch == ClientArch::efi_x64) {
        c.arch = ClientArch::efi_x64_http;
    }
    const auto user_class = request.text(option::user_class);
    c.ipxe = request.has(option::ipxe_encap) ||
             (user_class && user_class->find("iPXE") != std::string_view::npos);
    return c;
}

Packet reply_to(const Packet& request, MessageType type, Ipv4 server)
{
    Packet r;
    r.op = 2;
    r.xid = request.xid;
    r.flags = request.flags;
    r.giaddr = request.giaddr;
    r.chaddr = request.chaddr;
    r.options[option::message_type] = {static_cast<std::uint8_t>(type)};
    r.set_address(option::server_id, server);
    return r;
}

void add_boot_fields(Packet& reply, const Packet& request, const PxeClient& client, const BootOffer& offer)
{
    reply.siaddr = offer.next_server;
    reply.file = offer.file;
    reply.set(option::vendor_class, client.http_client ? "HTTPClient" : "PXEClient");
    reply.set(option::bootfile, offer.file);
    if (!offer.file.starts_with("http")) {
        reply.set(option::tftp_server, to_string(offer.next_server));
    }
    if (const auto uuid = request.options.find(option::client_uuid); uuid != request.options.end()) {
        reply.options[option::client_uuid] = uuid->second;
    }
    if (client.arch == ClientArch::bios && !client.ipxe) {
        // PXE_DISCOVERY_CONTROL (6) = 8: boot the file named here, no boot
        // server discovery; then END.
        reply.options[option::vendor_specific] = {6, 1, 8, 255};
    }
}

Packet proxy_reply(const Packet& request, const PxeClient& client, const BootOffer& offer, Ipv4 server,
                   MessageType type)
{
    auto r = reply_to(request, type, server);
    r.ciaddr = request.ciaddr;
    add_boot_fields(r, request, client, offer);
    return r;
}

}  // namespace xcp::dhcp
