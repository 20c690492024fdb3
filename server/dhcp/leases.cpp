#include "server/dhcp/leases.hpp"

#include "libxcp/util/text.hpp"

#include <algorithm>

namespace xcp::dhcp {
namespace {

// Free for `mac`, given the lease on `ip` (nullptr: none): in the range,
// reserved for nobody else, and not held by another client's live lease or a
// live decline.
bool free_with(const LeaseView& v, const std::string& mac, Ipv4 ip, const Lease* l)
{
    if (!v.range.contains(ip) || v.table.reserved_for_other(mac, ip)) {
        return false;
    }
    if (l == nullptr || l->expires <= v.now) {
        return true;
    }
    return l->state != LeaseState::declined && l->mac == mac;
}

bool free_for(const LeaseView& v, const std::string& mac, Ipv4 ip)
{
    return free_with(v, mac, ip, v.table.at(ip));
}

// A reservation counts only on the range's network: a host's `ip` for
// another network is its installed address there, not a DHCP lease here.
std::optional<Ipv4> reservation_of(const LeaseView& v, const std::string& mac)
{
    const auto ip = v.table.reservation(mac);
    if (!ip || (*ip & v.range.netmask) != (v.range.first & v.range.netmask)) {
        return std::nullopt;
    }
    return ip;
}

}  // namespace

std::variant<AddressRange, std::string> parse_range(std::string_view text)
{
    const auto parts = util::split(text, ',');
    if (parts.size() < 2 || parts.size() > 3) {
        return std::string("--dhcp-range must be FIRST,LAST[,NETMASK], not '") + std::string(text) + "'";
    }
    AddressRange r;
    const auto first = parse_ipv4(util::trim(parts[0]));
    const auto last = parse_ipv4(util::trim(parts[1]));
    if (!first || !last) {
        return std::string("--dhcp-range: '") + std::string(text) + "' does not hold two IPv4 addresses";
    }
    if (*first > *last) {
        return std::string("--dhcp-range: ") + to_string(*first) + " comes after " + to_string(*last);
    }
    if (*last - *first > 65535) {
        return std::string("--dhcp-range: more than 65536 addresses");
    }
    r.first = *first;
    r.last = *last;
    if (parts.size() == 3) {
        const auto mask = parse_ipv4(util::trim(parts[2]));
        if (!mask || (~*mask & (~*mask + 1)) != 0) {
            return std::string("--dhcp-range: '") + std::string(parts[2]) + "' is not a netmask";
        }
        r.netmask = *mask;
    } else {
        Ipv4 mask = 0xffffffffU;
        while (mask != 0 && (r.first & mask) != (r.last & mask)) {
            mask <<= 1;
        }
        r.netmask = std::min<Ipv4>(mask, 0xffffff00U);
    }
    if ((r.first & r.netmask) != (r.last & r.netmask)) {
        return std::string("--dhcp-range: the range spans more than its netmask");
    }
    return r;
}

std::variant<AddressRange, std::string> auto_range(Ipv4 own, Ipv4 netmask)
{
    if ((~netmask & (~netmask + 1)) != 0) {
        return to_string(netmask) + " is not a netmask";
    }
    const Ipv4 network = own & netmask;
    const Ipv4 broadcast = network | ~netmask;
    if (broadcast - network < 3) {
        return "the network " + to_string(network) + "/" + to_string(netmask) + " of " + to_string(own) +
               " has no room for a range beside this server";
    }
    // Below own: network+1 .. own-1; above: own+1 .. broadcast-1.
    const Ipv4 below = own > network + 1 ? own - network - 1 : 0;
    const Ipv4 above = broadcast - 1 > own ? broadcast - 1 - own : 0;
    constexpr Ipv4 most = 65536;
    AddressRange r;
    r.netmask = netmask;
    if (above >= below) {
        r.first = own + 1;
        r.last = own + std::min(above, most);
    } else {
        r.last = own - 1;
        r.first = own - std::min(below, most);
    }
    return r;
}

std::optional<Ipv4> choose_address(const LeaseView& v, const std::string& mac, std::optional<Ipv4> requested)
{
    if (const auto reserved = reservation_of(v, mac)) {
        return reserved;
    }
    for (const auto* l : v.table.of(mac)) {
        if (l->state != LeaseState::declined && l->expires > v.now && free_with(v, mac, l->ip, l)) {
            return l->ip;
        }
    }
    if (requested && free_for(v, mac, *requested)) {
        return requested;
    }
    // The next free address: the range and the leases in it walked side by
    // side, from where the search stands to the end, then from the start.
    const auto from = v.table.next_search();
    const std::uint64_t start = from > v.range.first && from <= v.range.last ? from : v.range.first;
    const auto first_free = [&](std::uint64_t first, std::uint64_t last) -> std::optional<Ipv4> {
        auto lease = v.table.from(static_cast<Ipv4>(first));
        for (std::uint64_t a = first; a <= last; ++a) {
            const auto ip = static_cast<Ipv4>(a);
            while (lease != v.table.end() && lease->first < ip) {
                ++lease;
            }
            // Skip the network and broadcast addresses of the subnet.
            if ((ip & ~v.range.netmask) == 0 || (ip | v.range.netmask) == 0xffffffffU) {
                continue;
            }
            if (free_with(v, mac, ip, lease != v.table.end() && lease->first == ip ? &lease->second : nullptr)) {
                return ip;
            }
        }
        return std::nullopt;
    };
    if (const auto ip = first_free(start, v.range.last)) {
        return ip;
    }
    if (start > v.range.first) {
        return first_free(v.range.first, start - 1);
    }
    return std::nullopt;
}

bool may_bind(const LeaseView& v, const std::string& mac, Ipv4 ip)
{
    if (const auto reserved = reservation_of(v, mac)) {
        return *reserved == ip;
    }
    return free_for(v, mac, ip);
}

FullOutcome full_reply(const Packet& request, const FullSettings& s, const LeaseView& view,
                       const std::optional<std::pair<PxeClient, BootOffer>>& boot)
{
    FullOutcome out;
    const auto type = request.message_type();
    const auto mac = to_string(request.mac());
    const auto add_options = [&](Packet& r) {
        r.set_address(option::subnet_mask, s.range.netmask);
        if (s.router) {
            r.set_address(option::router, *s.router);
        }
        if (!s.dns.empty()) {
            auto& v = r.options[option::dns];
            for (const auto d : s.dns) {
                for (int shift = 24; shift >= 0; shift -= 8) {
                    v.push_back(static_cast<std::uint8_t>(d >> shift));
                }
            }
        }
        if (!s.domain.empty()) {
            r.set(option::domain, s.domain);
        }
        if (boot) {
            add_boot_fields(r, request, boot->first, boot->second);
        }
    };
    const auto server_id = request.address(option::server_id);
    switch (type.value_or(MessageType::ack)) {
    case MessageType::discover: {
        const auto ip = choose_address(view, mac, request.address(option::requested_ip));
        if (!ip) {
            out.note = "no free address in the range for " + mac;
            return out;
        }
        auto r = reply_to(request, MessageType::offer, s.server);
        r.yiaddr = *ip;
        r.set_u32(option::lease_time, s.lease_seconds);
        add_options(r);
        out.reply = std::move(r);
        out.store = Lease{*ip, mac, view.now + s.offer_seconds, LeaseState::offered};
        out.note = "offer " + to_string(*ip) + " to " + mac;
        return out;
    }
    case MessageType::request: {
        if (server_id && *server_id != s.server) {
            out.note = "REQUEST from " + mac + " for server " + to_string(*server_id) + ", not us";
            // It chose another server's offer: free ours at once.
            for (const auto* l : view.table.of(mac)) {
                if (l->state == LeaseState::offered) {
                    out.forget = l->ip;
                }
            }
            return out;
        }
        const Ipv4 ip = request.address(option::requested_ip).value_or(request.ciaddr);
        if (ip == 0 || !may_bind(view, mac, ip)) {
            auto r = reply_to(request, MessageType::nak, s.server);
            r.set(option::message, "address not available");
            r.flags |= 0x8000U;  // a NAK is broadcast (RFC 2131 4.3.2)
            out.reply = std::move(r);
            out.note = "NAK " + mac + " asking for " + to_string(ip);
            return out;
        }
        auto r = reply_to(request, MessageType::ack, s.server);
        r.yiaddr = ip;
        r.ciaddr = request.ciaddr;
        r.set_u32(option::lease_time, s.lease_seconds);
        add_options(r);
        out.reply = std::move(r);
        out.store = Lease{ip, mac, view.now + s.lease_seconds, LeaseState::bound};
        out.note = "ACK " + to_string(ip) + " to " + mac;
        return out;
    }
    case MessageType::release: {
        const auto* l = view.table.at(request.ciaddr);
        if (l != nullptr && l->mac == mac) {
            out.forget = request.ciaddr;
            out.note = "release of " + to_string(request.ciaddr) + " by " + mac;
        }
        return out;
    }
    case MessageType::decline: {
        if (const auto ip = request.address(option::requested_ip); ip && view.range.contains(*ip)) {
            out.store = Lease{*ip, mac, view.now + s.decline_seconds, LeaseState::declined};
            out.note = "decline of " + to_string(*ip) + " by " + mac + ": set aside";
        }
        return out;
    }
    case MessageType::inform: {
        auto r = reply_to(request, MessageType::ack, s.server);
        r.ciaddr = request.ciaddr;
        add_options(r);
        out.reply = std::move(r);
        out.note = "INFORM from " + mac;
        return out;
    }
    default:
        out.note = "ignored message from " + mac;
        return out;
    }
}

void apply(LeaseTable& table, const FullOutcome& outcome)
{
    if (outcome.forget) {
        table.erase(*outcome.forget);
    }
    if (outcome.store) {
        table.put(*outcome.store);
    }
}

}  // namespace xcp::dhcp
