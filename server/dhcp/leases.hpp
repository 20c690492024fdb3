// Full DHCP: which address a client gets, from a range, its reservation and
// the leases already given. Pure: the store is read before and written after.
#pragma once

#include "server/dhcp/lease_table.hpp"
#include "server/dhcp/packet.hpp"
#include "server/dhcp/pxe.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xcp::dhcp {

struct AddressRange {
    Ipv4 first = 0, last = 0, netmask = 0;
    [[nodiscard]] bool contains(Ipv4 a) const { return a >= first && a <= last; }
};

// "FIRST,LAST[,NETMASK]"; the netmask defaults to the smallest network
// holding both. Returns the reason when it is not one.
std::variant<AddressRange, std::string> parse_range(std::string_view text);

// `--dhcp-range auto`: the larger run of host addresses on either side of
// `own` in its network (never the network, broadcast or own address), at
// most the 65536 that a range may hold. The reason when the network has no
// room (a /31 or /32).
std::variant<AddressRange, std::string> auto_range(Ipv4 own, Ipv4 netmask);

// What is known when a request arrives.
struct LeaseView {
    const AddressRange& range;
    const LeaseTable& table;
    std::int64_t now = 0;
};

// The address for `mac`: its reservation; else its current lease or offer;
// else the address it asks for when free; else the next free one from
// where the table's search stands (LeaseTable::next_search), wrapping round. Never an
// address reserved for another MAC, leased to another and not expired, or
// declined and still set aside.
std::optional<Ipv4> choose_address(const LeaseView& view, const std::string& mac, std::optional<Ipv4> requested);

// Whether `mac` may have `ip` (a REQUEST naming it).
bool may_bind(const LeaseView& view, const std::string& mac, Ipv4 ip);

struct FullSettings {
    AddressRange range;
    Ipv4 server = 0;
    std::optional<Ipv4> router;
    std::vector<Ipv4> dns;
    std::string domain;
    std::uint32_t lease_seconds = 3600;
    std::uint32_t offer_seconds = 60;     // an offer holds its address this long
    std::uint32_t decline_seconds = 3600;  // a declined address is set aside this long
};

// The answer to one request in full mode and what it changes.
struct FullOutcome {
    std::optional<Packet> reply;
    std::optional<Lease> store;      // written as is
    std::optional<Ipv4> forget;      // lease removed (RELEASE)
    std::string note;                // for the log
};

// The table as it is once `outcome` is written.
void apply(LeaseTable& table, const FullOutcome& outcome);

// `boot`: the PXE answer for a PXE client (nullopt for others).
FullOutcome full_reply(const Packet& request, const FullSettings& settings, const LeaseView& view,
                       const std::optional<std::pair<PxeClient, BootOffer>>& boot);

}  // namespace xcp::dhcp
