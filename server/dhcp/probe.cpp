#include "server/dhcp/probe.hpp"

#include "server/dhcp/interface_socket.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <random>
#include <system_error>

namespace xcp::dhcp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

Packet probe_discover(const Mac& mac, std::uint32_t xid)
{
    Packet p;
    p.op = 1;
    p.xid = xid;
    p.flags = 0x8000U;
    std::copy(mac.begin(), mac.end(), p.chaddr.begin());
    p.options[option::message_type] = {static_cast<std::uint8_t>(MessageType::discover)};
    p.options[option::parameter_list] = {option::subnet_mask, option::router, option::dns, option::server_id};
    return p;
}

std::optional<OtherServer> server_answering(const Packet& reply, std::uint32_t xid, Ipv4 source)
{
    if (reply.op != 2 || reply.xid != xid || reply.yiaddr == 0) {
        return std::nullopt;
    }
    const auto type = reply.message_type();
    if (type != MessageType::offer && type != MessageType::ack) {
        return std::nullopt;
    }
    return OtherServer{source, reply.address(option::server_id), reply.yiaddr};
}

std::string describe(const OtherServer& server)
{
    auto text = to_string(server.source);
    if (server.identifier && *server.identifier != server.source) {
        text += " (server identifier " + to_string(*server.identifier) + ")";
    }
    return text + " offered " + to_string(server.offered);
}

std::variant<std::vector<OtherServer>, std::string> probe_for_servers(const std::string& interface, const Mac& mac,
                                                                      std::chrono::milliseconds wait)
{
    asio::io_context io;
    udp::socket socket(io);
    try {
        open_on_interface(socket, interface, 68, "cannot look for another DHCP server");
    } catch (const std::system_error& e) {
        return std::string(e.what());
    }
    std::random_device random;
    const std::uint32_t xid = random();
    const auto bytes = build(probe_discover(mac, xid));
    boost::system::error_code ec;
    socket.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::address_v4::broadcast(), 67), 0, ec);
    if (ec) {
        return "cannot send a DHCPDISCOVER on " + interface + ": " + ec.message();
    }

    std::vector<OtherServer> found;
    std::array<std::uint8_t, 1500> buffer{};
    udp::endpoint sender;
    asio::steady_timer timer(io, wait);
    std::function<void()> receive = [&] {
        socket.async_receive_from(asio::buffer(buffer), sender, [&](boost::system::error_code error, std::size_t n) {
            if (error) {
                return;  // the timer closed the socket
            }
            const auto packet = parse(std::span(buffer.data(), n));
            if (const auto* p = std::get_if<Packet>(&packet)) {
                // At most 16 servers are named; the rest would say nothing new.
                const auto server = server_answering(*p, xid, sender.address().to_v4().to_uint());
                if (server && found.size() < 16 &&
                    std::none_of(found.begin(), found.end(),
                                 [&](const OtherServer& s) { return s.source == server->source; })) {
                    found.push_back(*server);
                }
            }
            receive();
        });
    };
    receive();
    timer.async_wait([&](boost::system::error_code) { socket.close(); });
    io.run();
    return found;
}

}  // namespace xcp::dhcp
