#include "server/cli/network_interface.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <netinet/in.h>

#include <algorithm>
#include <memory>

namespace xcp::cli {

std::optional<NetworkInterface> find_interface(const std::string& name)
{
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return std::nullopt;
    }
    const std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> owner(list, &::freeifaddrs);
    std::optional<NetworkInterface> found;
    std::optional<dhcp::Mac> mac;
    for (auto* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || name != i->ifa_name) {
            continue;
        }
        if (i->ifa_addr->sa_family == AF_PACKET) {
            const auto* link = reinterpret_cast<const sockaddr_ll*>(i->ifa_addr);
            if (link->sll_halen == 6) {
                dhcp::Mac m{};
                std::copy_n(link->sll_addr, 6, m.begin());
                mac = m;
            }
        } else if (i->ifa_addr->sa_family == AF_INET && !found) {
            char text[INET_ADDRSTRLEN];
            const auto* in = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
            if (::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text) != nullptr) {
                found = NetworkInterface{text, 0, std::nullopt};
                if (i->ifa_netmask != nullptr) {
                    found->netmask = ntohl(reinterpret_cast<const sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr);
                }
            }
        }
    }
    if (found) {
        found->mac = mac;
    }
    return found;
}

}  // namespace xcp::cli
