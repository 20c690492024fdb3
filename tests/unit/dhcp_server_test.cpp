// The DHCP helper's server on loopback, with a decider of our own: what its
// threads do, which no client can show. Real clients (udhcpc in network
// namespaces) are in tests/integration/dhcp_test.cpp.
#include "server/dhcp/server.hpp"
#include "tests/support/process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <gtest/gtest.h>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace xcp::dhcp {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;

// Holds each call until `together` calls are inside at once, or 10 s pass:
// calls made one after another each wait the 10 s, and `most` stays 1.
class GatedDecider final : public BootDecider {
public:
    explicit GatedDecider(int together) : together_(together) {}
    std::optional<BootOffer> decide(const Mac& /*mac*/, const PxeClient& /*client*/) override
    {
        std::unique_lock lock(mutex_);
        ++inside_;
        most_ = std::max(most_, inside_);
        if (inside_ >= together_) {
            open_ = true;
            changed_.notify_all();
        }
        changed_.wait_for(lock, 10s, [this] { return open_; });
        --inside_;
        return BootOffer{"pxelinux.0", 0x7f000001};
    }
    int most()
    {
        const std::lock_guard lock(mutex_);
        return most_;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    int together_;
    int inside_ = 0;
    int most_ = 0;
    bool open_ = false;
};

Packet pxe_request(std::uint8_t last)
{
    Packet p;
    p.xid = 0x1000U + last;
    p.chaddr = {0x52, 0x54, 0x00, 0x00, 0x00, last};
    p.options[option::message_type] = {static_cast<std::uint8_t>(MessageType::request)};
    p.set(option::vendor_class, "PXEClient:Arch:00000:UNDI:002001");
    p.options[option::client_arch] = {0, 0};
    return p;
}

std::optional<Packet> receive_within(udp::socket& socket, std::chrono::milliseconds limit)
{
    pollfd pfd{socket.native_handle(), POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(limit.count())) != 1) {
        return std::nullopt;
    }
    std::array<std::uint8_t, 1500> buf{};
    boost::system::error_code ec;
    const auto n = socket.receive(asio::buffer(buf), 0, ec);
    if (ec) {
        return std::nullopt;
    }
    auto parsed = parse(std::span(buf.data(), n));
    if (auto* p = std::get_if<Packet>(&parsed)) {
        return *p;
    }
    return std::nullopt;
}

// Proxy mode: PXE requests are decided on every thread at once, so one
// client whose inventory read is slow holds up nobody else.
TEST(DhcpServerThreads, ProxyRequestsAreDecidedOnSeveralThreadsAtOnce)
{
    if (::geteuid() != 0) {
        GTEST_SKIP() << "binding to an interface (SO_BINDTODEVICE) needs root; CI runs this as root";
    }
    constexpr int threads = 3;
    asio::io_context io(threads);
    ServerSettings settings;
    settings.mode = Mode::proxy;
    settings.interface = "lo";
    settings.server = 0x7f000001;
    settings.port = test::free_udp_port();
    settings.proxy_port = test::free_udp_port();
    GatedDecider decider(threads);
    Server server(io, settings, decider, nullptr);
    std::atomic<int> told{0};
    server.observe([&told](const Answered&) { ++told; });
    server.start();
    std::vector<std::thread> running;
    for (int i = 0; i < threads; ++i) {
        running.emplace_back([&io] { io.run(); });
    }

    asio::io_context client_io;
    std::vector<udp::socket> clients;
    for (int i = 0; i < threads; ++i) {
        auto& c = clients.emplace_back(client_io, udp::endpoint(asio::ip::address_v4::loopback(), 0));
        const auto bytes = build(pxe_request(static_cast<std::uint8_t>(i + 1)));
        c.send_to(asio::buffer(bytes), udp::endpoint(asio::ip::address_v4::loopback(), settings.proxy_port));
    }
    for (int i = 0; i < threads; ++i) {
        const auto reply = receive_within(clients[static_cast<std::size_t>(i)], 20s);
        ASSERT_TRUE(reply.has_value()) << "client " << i << " got no answer";
        EXPECT_EQ(reply->message_type(), MessageType::ack);
        EXPECT_EQ(reply->xid, 0x1000U + static_cast<unsigned>(i + 1)) << "each its own answer";
        EXPECT_EQ(reply->file, "pxelinux.0");
    }
    EXPECT_EQ(decider.most(), threads) << "the requests were decided one after another";

    // A malformed packet among them changes nothing for the others.
    clients[0].send_to(asio::buffer(std::string("not dhcp")),
                       udp::endpoint(asio::ip::address_v4::loopback(), settings.proxy_port));
    const auto bytes = build(pxe_request(9));
    clients[1].send_to(asio::buffer(bytes), udp::endpoint(asio::ip::address_v4::loopback(), settings.proxy_port));
    ASSERT_TRUE(receive_within(clients[1], 20s).has_value());

    io.stop();
    for (auto& t : running) {
        t.join();
    }
    server.stop();
    EXPECT_EQ(server.counters().malformed.load(), 1U);
    EXPECT_EQ(server.counters().acks.load(), static_cast<std::uint64_t>(threads + 1));
    EXPECT_EQ(told.load(), threads + 1);
}

}  // namespace
}  // namespace xcp::dhcp
