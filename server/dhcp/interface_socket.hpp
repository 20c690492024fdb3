// A UDP socket for DHCP bound to one interface's port: broadcasts leave
// through that interface only, and nothing from another network is seen.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include <cstdint>
#include <string>

namespace xcp::dhcp {

// Opens, allows broadcast and address reuse, binds to `interface` and to
// 0.0.0.0:`port`. Throws std::system_error naming `what`, the interface and
// the port.
void open_on_interface(boost::asio::ip::udp::socket& socket, const std::string& interface, std::uint16_t port,
                       const std::string& what);

}  // namespace xcp::dhcp
