// What full DHCP knows of its range: the leases, offers and declines in it and
// the hosts' fixed addresses, indexed by address and by MAC, so that a
// request costs lookups and never a pass over every lease.
#pragma once

#include "server/dhcp/packet.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace xcp::dhcp {

enum class LeaseState { offered, bound, declined };
std::string_view to_string(LeaseState state);
std::optional<LeaseState> lease_state_from(std::string_view text);

struct Lease {
    Ipv4 ip = 0;
    std::string mac;       // aa:bb:cc:dd:ee:ff
    std::int64_t expires = 0;  // seconds since the epoch
    LeaseState state = LeaseState::offered;
    bool operator==(const Lease&) const = default;
};

class LeaseTable {
public:
    LeaseTable() = default;
    LeaseTable(const std::vector<Lease>& leases, const std::map<std::string, Ipv4>& reservations);

    // The lease on `ip`, replacing any; and, as the store does, the MAC's
    // other leases and offers (not its declines) go: one address per MAC.
    void put(const Lease& lease);
    void erase(Ipv4 ip);
    // `mac`'s fixed address from now on (nullopt: none).
    void reserve(const std::string& mac, std::optional<Ipv4> ip);

    [[nodiscard]] const Lease* at(Ipv4 ip) const;
    [[nodiscard]] std::vector<const Lease*> of(const std::string& mac) const;
    [[nodiscard]] std::optional<Ipv4> reservation(const std::string& mac) const;
    // Whether `ip` is another MAC's fixed address.
    [[nodiscard]] bool reserved_for_other(const std::string& mac, Ipv4 ip) const;
    // Leases from `first` on, in address order (the range scan).
    [[nodiscard]] std::map<Ipv4, Lease>::const_iterator from(Ipv4 first) const { return by_ip_.lower_bound(first); }
    [[nodiscard]] std::map<Ipv4, Lease>::const_iterator end() const { return by_ip_.end(); }
    [[nodiscard]] std::size_t size() const { return by_ip_.size(); }
    // Where the search for a free address starts: after the address most
    // recently given to a new lease (0: the range's start). Addresses are
    // then handed out in turn, not the lowest first, so a storm of new
    // clients costs a step each instead of a walk past every lease, and an
    // address set free is not given again at once.
    [[nodiscard]] Ipv4 next_search() const { return next_search_; }
    void search_from(Ipv4 ip) { next_search_ = ip; }

private:
    std::map<Ipv4, Lease> by_ip_;
    std::unordered_map<std::string, std::set<Ipv4>> by_mac_;
    std::unordered_map<std::string, Ipv4> reservations_;
    std::multimap<Ipv4, std::string> reserved_;  // address -> MACs (an operator may give one twice)
    Ipv4 next_search_ = 0;
};

}  // namespace xcp::dhcp
