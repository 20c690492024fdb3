// Is another DHCP server on this network? One DHCPDISCOVER, as a client
// sends it (no PXE options, so a proxyDHCP server stays quiet), and the
// offers that answer it. Full mode must not start beside a server that
// hands out addresses: two would give clients conflicting leases.
#pragma once

#include "server/dhcp/packet.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xcp::dhcp {

struct OtherServer {
    Ipv4 source = 0;                 // the offer's sender
    std::optional<Ipv4> identifier;  // its option 54
    Ipv4 offered = 0;
};

// The DISCOVER: broadcast flag set, so the answer comes back broadcast to a
// client that has no address yet.
Packet probe_discover(const Mac& mac, std::uint32_t xid);

// The server behind a reply to that DISCOVER; nullopt for anything else
// (another transaction, a request, an offer without an address).
std::optional<OtherServer> server_answering(const Packet& reply, std::uint32_t xid, Ipv4 source);

// "10.0.0.2 (server identifier 10.0.0.3) offered 10.0.0.57".
std::string describe(const OtherServer& server);

// Sends the DISCOVER on `interface` from port 68 and collects answers for
// `wait`. The reason, as one sentence, when the probe cannot be sent.
std::variant<std::vector<OtherServer>, std::string> probe_for_servers(const std::string& interface, const Mac& mac,
                                                                      std::chrono::milliseconds wait);

}  // namespace xcp::dhcp
