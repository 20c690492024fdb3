// What a host fetched while it booted, as an event of that host: DHCP
// answers, TFTP transfers and HTTP fetches of its loader, config, kernel and
// image. Pure.
#pragma once

#include "server/inventory/host.hpp"

#include <boost/asio/ip/address.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::service {

struct Fetch {
    boost::asio::ip::address client;
    std::string mac;       // when the protocol named it (DHCP); else found by address
    std::string protocol;  // dhcp, tftp, http
    std::string step;      // dhcp, loader, config, kernel
    std::string what;      // the file, or the DHCP answer
    std::optional<std::int64_t> bytes;
    std::optional<std::int64_t> duration_ms;
    std::int64_t retransmits = 0;
    bool completed = true;
    std::string at;  // ISO 8601 UTC, when it ended
};

// The boot step a fetched path belongs to, or nullopt when it is none (an
// install repository's packages, static pages): those are not recorded, so
// that an install's hundreds of fetches do not push its boot out of the
// host's bounded events.
std::optional<std::string_view> fetch_step(std::string_view path);

// The event recorded. Its message leaves out what changes from one repeat
// to the next (time, bytes), so that a host fetching the same file again
// and again is one event with a count.
inventory::Event fetch_event(const Fetch& fetch);

}  // namespace xcp::service
