#include "server/dhcp/lease_table.hpp"

namespace xcp::dhcp {

std::string_view to_string(LeaseState state)
{
    switch (state) {
    case LeaseState::offered: return "offered";
    case LeaseState::bound: return "bound";
    case LeaseState::declined: return "declined";
    }
    return "?";
}

std::optional<LeaseState> lease_state_from(std::string_view text)
{
    for (const auto s : {LeaseState::offered, LeaseState::bound, LeaseState::declined}) {
        if (text == to_string(s)) {
            return s;
        }
    }
    return std::nullopt;
}

LeaseTable::LeaseTable(const std::vector<Lease>& leases, const std::map<std::string, Ipv4>& reservations)
{
    for (const auto& l : leases) {
        by_ip_[l.ip] = l;
        by_mac_[l.mac].insert(l.ip);
    }
    for (const auto& [mac, ip] : reservations) {
        reserve(mac, ip);
    }
}

void LeaseTable::put(const Lease& lease)
{
    if (lease.state != LeaseState::declined && !by_ip_.contains(lease.ip)) {
        next_search_ = lease.ip + 1;
    }
    erase(lease.ip);
    if (lease.state != LeaseState::declined) {
        if (const auto it = by_mac_.find(lease.mac); it != by_mac_.end()) {
            for (const auto ip : std::set<Ipv4>(it->second)) {
                if (by_ip_.at(ip).state != LeaseState::declined) {
                    erase(ip);
                }
            }
        }
    }
    by_ip_[lease.ip] = lease;
    by_mac_[lease.mac].insert(lease.ip);
}

void LeaseTable::erase(Ipv4 ip)
{
    const auto it = by_ip_.find(ip);
    if (it == by_ip_.end()) {
        return;
    }
    if (const auto m = by_mac_.find(it->second.mac); m != by_mac_.end()) {
        m->second.erase(ip);
        if (m->second.empty()) {
            by_mac_.erase(m);
        }
    }
    by_ip_.erase(it);
}

void LeaseTable::reserve(const std::string& mac, std::optional<Ipv4> ip)
{
    if (const auto old = reservations_.find(mac); old != reservations_.end()) {
        const auto [first, last] = reserved_.equal_range(old->second);
        for (auto it = first; it != last; ++it) {
            if (it->second == mac) {
                reserved_.erase(it);
                break;
            }
        }
        reservations_.erase(old);
    }
    if (ip) {
        reservations_[mac] = *ip;
        reserved_.emplace(*ip, mac);
    }
}

const Lease* LeaseTable::at(Ipv4 ip) const
{
    const auto it = by_ip_.find(ip);
    return it == by_ip_.end() ? nullptr : &it->second;
}

std::vector<const Lease*> LeaseTable::of(const std::string& mac) const
{
    std::vector<const Lease*> out;
    if (const auto it = by_mac_.find(mac); it != by_mac_.end()) {
        for (const auto ip : it->second) {
            out.push_back(&by_ip_.at(ip));
        }
    }
    return out;
}

std::optional<Ipv4> LeaseTable::reservation(const std::string& mac) const
{
    const auto it = reservations_.find(mac);
    return it == reservations_.end() ? std::nullopt : std::optional(it->second);
}

bool LeaseTable::reserved_for_other(const std::string& mac, Ipv4 ip) const
{
    const auto [first, last] = reserved_.equal_range(ip);
    for (auto it = first; it != last; ++it) {
        if (it->second != mac) {
            return true;
        }
    }
    return false;
}

}  // namespace xcp::dhcp
