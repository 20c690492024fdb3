#include "server/dhcp/interface_socket.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>

namespace xcp::dhcp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

void open_on_interface(udp::socket& socket, const std::string& interface, std::uint16_t port, const std::string& what)
{
    boost::system::error_code ec;
    socket.open(udp::v4(), ec);
    if (!ec) {
        socket.set_option(udp::socket::reuse_address(true), ec);
    }
    if (!ec) {
        socket.set_option(asio::socket_base::broadcast(true), ec);
    }
    if (!ec && ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                            static_cast<socklen_t>(interface.size())) != 0) {
        ec.assign(errno, boost::system::system_category());
    }
    if (!ec) {
        // A rack powered on at once sends its DISCOVERs within a millisecond:
        // the default buffer holds about a hundred, and a dropped one waits
        // seconds for its retransmission. Past net.core.rmem_max when we may
        // (CAP_NET_ADMIN, before privileges go); best effort otherwise.
        constexpr int receive_buffer = 4 << 20;
        if (::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer,
                         sizeof receive_buffer) != 0) {
            ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
        }
        socket.bind({asio::ip::address_v4::any(), port}, ec);
    }
    if (ec) {
        throw std::system_error(ec, what + " on " + interface + " port " + std::to_string(port));
    }
}

}  // namespace xcp::dhcp
