// What `--interface IF` names: its first IPv4 address, that address's
// netmask, and its hardware address.
#pragma once

#include "server/dhcp/packet.hpp"

#include <optional>
#include <string>

namespace xcp::cli {

struct NetworkInterface {
    std::string address;  // dotted quad
    dhcp::Ipv4 netmask = 0;
    std::optional<dhcp::Mac> mac;  // none on a tun device
};

// Nullopt when there is no such interface or it has no IPv4 address.
std::optional<NetworkInterface> find_interface(const std::string& name);

}  // namespace xcp::cli
