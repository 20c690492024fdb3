// PXE on top of DHCP: who is a PXE client, of which architecture, whether it
// is already iPXE; and the proxyDHCP answer (PXE spec 2.1). Pure.
#pragma once

#include "server/dhcp/packet.hpp"

#include <optional>
#include <string>

namespace xcp::dhcp {

// Option 93 (RFC 4578, IANA "Processor Architecture Types").
enum class ClientArch { bios, efi_ia32, efi_x64, efi_x64_http, other };
ClientArch arch_from_code(std::uint16_t code);
std::string_view to_string(ClientArch arch);

struct PxeClient {
    ClientArch arch = ClientArch::bios;
    std::uint16_t arch_code = 0;
    bool http_client = false;  // option 60 HTTPClient (UEFI HTTP boot)
    bool ipxe = false;         // option 77 "iPXE" or option 175: give it a script, not iPXE again
};

// Nullopt when option 60 begins with neither PXEClient nor HTTPClient.
std::optional<PxeClient> classify(const Packet& request);

// What a PXE client is to boot; decided by the product.
struct BootOffer {
    std::string file;  // a TFTP path, or an http:// URL (HTTP boot, iPXE)
    Ipv4 next_server = 0;
};

class BootDecider {
public:
    virtual ~BootDecider() = default;
    // Nullopt: this client gets no PXE answer from us.
    virtual std::optional<BootOffer> decide(const Mac& mac, const PxeClient& client) = 0;
};

// Adds the PXE boot fields to a reply: siaddr, file, options 66/67, 60
// (PXEClient, or HTTPClient for HTTP boot), 97 echoed when the client sent
// it, and for BIOS clients option 43 telling them to use the boot file as
// given, without boot server discovery. EFI clients get no option 43: some
// firmware rejects the offer when it is there.
void add_boot_fields(Packet& reply, const Packet& request, const PxeClient& client, const BootOffer& offer);

// The proxyDHCP answer: an OFFER to a DISCOVER on port 67, an ACK to a
// REQUEST on port 4011; no address (yiaddr 0).
Packet proxy_reply(const Packet& request, const PxeClient& client, const BootOffer& offer, Ipv4 server,
                   MessageType type);

// The skeleton of a reply to `request`: op, xid, flags, giaddr, chaddr, type
// and server identifier.
Packet reply_to(const Packet& request, MessageType type, Ipv4 server);

}  // namespace xcp::dhcp
