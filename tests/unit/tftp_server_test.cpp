// The TFTP server on loopback, driven packet by packet: the cases a real client
// does not produce on purpose (traversal as sent, malformed packets, duplicate
// ACKs, a vanished client, caps). Real clients are in tests/integration.
#include "server/tftp/file_cache.hpp"
#include "server/tftp/root_resolver.hpp"
#include "server/tftp/server.hpp"
#include "tests/support/process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <gtest/gtest.h>

#include <array>
#include <spdlog/spdlog.h>

#include <sys/stat.h>
#include <poll.h>

#include <fstream>
#include <thread>

namespace xcp::tftp {
namespace {

namespace asio = boost::asio;
using udp = asio::ip::udp;
using namespace std::chrono_literals;
using namespace std::string_view_literals;

// A packet-level client with a receive timeout, so every wait is bounded.
class RawClient {
public:
    RawClient() : socket_(io_, udp::endpoint(asio::ip::address_v4::loopback(), 0)) {}
    void send(std::string_view packet, const udp::endpoint& to)
    {
        socket_.send_to(asio::buffer(packet.data(), packet.size()), to);
    }
    // Next datagram, or nullopt after `limit`. poll() bounds the wait: asio's
    // blocking receive would wait on its own after a socket timeout.
    std::optional<std::string> receive_within(std::chrono::milliseconds limit, udp::endpoint* from = nullptr)
    {
        pollfd pfd{socket_.native_handle(), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(limit.count())) != 1) {
            return std::nullopt;
        }
        std::array<char, 70000> buf{};
        udp::endpoint sender;
        boost::system::error_code ec;
        const auto n = socket_.receive_from(asio::buffer(buf), sender, 0, ec);
        if (ec) {
            return std::nullopt;
        }
        if (from != nullptr) {
            *from = sender;
        }
        return std::string(buf.data(), n);
    }
private:
    asio::io_context io_;
    udp::socket socket_;
};

std::string rrq(std::string_view name, std::string_view options = "")
{
    std::string p("\0\1"sv);
    p += name;
    p += '\0';
    p += "octet";
    p += '\0';
    p += options;
    return p;
}

std::string ack(std::uint16_t block)
{
    return std::string("\0\4"sv) + static_cast<char>(block >> 8) + static_cast<char>(block & 0xFF);
}

std::uint16_t opcode(const std::string& p)
{
    return p.size() < 2 ? 0 : static_cast<std::uint16_t>((static_cast<unsigned char>(p[0]) << 8) | static_cast<unsigned char>(p[1]));
}

std::uint16_t block_of(const std::string& p)
{
    return static_cast<std::uint16_t>((static_cast<unsigned char>(p[2]) << 8) | static_cast<unsigned char>(p[3]));
}

class TftpServerTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        spdlog::set_level(getenv("XCP_TEST_LOG") ? spdlog::level::debug : spdlog::level::off);
        root_ = dir_.path() / "root";
        std::filesystem::create_directories(root_ / "pxelinux.cfg");
        std::ofstream(root_ / "hello.txt") << "hello\n";
        test::write_random_file(root_ / "blob", 5000, 1);
        std::ofstream(dir_.path() / "secret") << "outside";
        std::filesystem::create_symlink(dir_.path() / "secret", root_ / "link-out");
        std::filesystem::create_symlink("hello.txt", root_ / "link-in");
        ::mkfifo((root_ / "fifo").c_str(), 0644);
        for (const auto& f : {"hello.txt", "blob", "secret"}) {
            std::error_code ignored;
            std::filesystem::permissions(std::filesystem::exists(root_ / f) ? root_ / f : dir_.path() / f,
                                         std::filesystem::perms::others_read, std::filesystem::perm_options::add,
                                         ignored);
        }
    }

    void start(ServerSettings settings = {}, std::chrono::milliseconds timeout = 100ms)
    {
        settings.listen = udp::endpoint(asio::ip::address_v4::loopback(), 0);
        settings.transfer.timeout = timeout;
        settings.transfer.max_timeout = 2 * timeout;
        settings.transfer.max_retransmits = 3;
        confined_ = std::make_unique<files::ConfinedRoot>(root_, "TFTP root");
        resolver_ = std::make_unique<RootResolver>(*confined_, cache_);
        overlay_ = std::make_unique<OverlayResolver>(
            [](std::string_view path, const asio::ip::address& client) -> std::optional<std::string> {
                if (path == "pxelinux.cfg/01-52-54-00-12-34-56") {
                    return "default local\n# for " + client.to_string() + "\n";
                }
                return std::nullopt;
            },
            [](std::string_view path) { return path.starts_with("pxelinux.cfg/"); }, *resolver_);
        server_ = std::make_unique<Server>(io_, settings, *overlay_);
        server_->start();
        endpoint_ = server_->local_endpoint();
        // Several threads, as `serve` runs it: transfers on strands of their
        // own (ThreadSanitizer runs these tests).
        for (auto& t : threads_) {
            t = std::thread([this] { io_.run(); });
        }
    }

    void TearDown() override
    {
        io_.stop();
        for (auto& t : threads_) {
            if (t.joinable()) {
                t.join();
            }
        }
        if (server_) {
            server_->stop();
        }
    }

    // Sends a request with options, takes the OACK and acknowledges it; the
    // transfer's port (TID).
    udp::endpoint open_negotiated(RawClient& c, std::string_view name, std::string_view options)
    {
        c.send(rrq(name, options), endpoint_);
        udp::endpoint tid;
        const auto oack = c.receive_within(2s, &tid);
        EXPECT_TRUE(oack && opcode(*oack) == 6);
        c.send(ack(0), tid);
        return tid;
    }

    // Fetches a whole file in lock-step; the content, or nullopt on an error packet.
    std::optional<std::string> fetch(RawClient& c, std::string_view name, std::string_view options = "")
    {
        c.send(rrq(name, options), endpoint_);
        std::string out;
        udp::endpoint tid;
        std::uint16_t expected = 1;
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        for (int i = 0; i < 10000 && std::chrono::steady_clock::now() < deadline; ++i) {
            const auto p = c.receive_within(2s, &tid);
            if (!p || opcode(*p) == 5) {
                return std::nullopt;
            }
            if (opcode(*p) == 6) {
                c.send(ack(0), tid);
                continue;
            }
            if (opcode(*p) != 3 || block_of(*p) != expected) {
                continue;
            }
            out += p->substr(4);
            c.send(ack(expected), tid);
            if (p->size() - 4 < 512) {
                return out;
            }
            ++expected;
        }
        return std::nullopt;
    }

    test::TempDir dir_;
    std::filesystem::path root_;
    FileCache cache_{64 << 20, 16 << 20};
    std::unique_ptr<files::ConfinedRoot> confined_;
    std::unique_ptr<RootResolver> resolver_;
    std::unique_ptr<OverlayResolver> overlay_;
    asio::io_context io_;
    std::unique_ptr<Server> server_;
    udp::endpoint endpoint_;
    std::array<std::thread, 3> threads_;
};

TEST_F(TftpServerTest, ServesAFileInLockStep)
{
    start();
    RawClient c;
    EXPECT_EQ(fetch(c, "hello.txt"), "hello\n");
    std::ifstream in(root_ / "blob", std::ios::binary);
    const std::string blob((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(fetch(c, "/blob"), blob);
    EXPECT_EQ(fetch(c, "link-in"), "hello\n");  // a symlink inside the root is fine
}

TEST_F(TftpServerTest, GeneratedContentThroughTheSamePath)
{
    start();
    RawClient c;
    EXPECT_EQ(fetch(c, "pxelinux.cfg/01-52-54-00-12-34-56"), "default local\n# for 127.0.0.1\n");
    EXPECT_EQ(fetch(c, "\\pxelinux.cfg\\01-52-54-00-12-34-56"), "default local\n# for 127.0.0.1\n");
}

TEST_F(TftpServerTest, TraversalCorpusIsRefused)
{
    start();
    RawClient c;
    const std::vector<std::string> corpus{
        "../etc/passwd", "..\\..\\x", "/../../x", "a/../../x", (dir_.path() / "secret").string(), "link-out",
        "fifo", "pxelinux.cfg", "", std::string(5000, 'a'), std::string("hello.txt\0../secret", 19),
        "../root/hello.txt"};
    for (const auto& name : corpus) {
        c.send(rrq(name), endpoint_);
        const auto reply = c.receive_within(2s);
        ASSERT_TRUE(reply) << name.substr(0, 40);
        if (name.starts_with(std::string("hello.txt\0", 10))) {
            // The name ends at the NUL; what follows is the mode "../secret": refused as a mode.
            EXPECT_EQ(opcode(*reply), 5) << "NUL in name";
            continue;
        }
        EXPECT_EQ(opcode(*reply), 5) << name.substr(0, 40);
        EXPECT_EQ(reply->find("outside"), std::string::npos);
    }
    EXPECT_GE(server_->counters().refused, corpus.size());
}

TEST_F(TftpServerTest, WriteRequestsAreRefused)
{
    start();
    RawClient c;
    c.send(std::string("\0\2new.txt\0octet\0"sv), endpoint_);
    const auto reply = c.receive_within(2s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(opcode(*reply), 5);
    EXPECT_EQ(block_of(*reply), 2);  // access violation
    EXPECT_FALSE(std::filesystem::exists(root_ / "new.txt"));
}

TEST_F(TftpServerTest, UnknownModeIsRefused)
{
    start();
    RawClient c;
    c.send(std::string("\0\1hello.txt\0mail\0"sv), endpoint_);
    const auto reply = c.receive_within(2s);
    ASSERT_TRUE(reply);
    EXPECT_EQ(opcode(*reply), 5);
    EXPECT_EQ(block_of(*reply), 4);  // illegal operation
}

TEST_F(TftpServerTest, MalformedPacketsGetSilenceAndTheServerGoesOn)
{
    start();
    RawClient c;
    for (const auto bad : {"\x01"sv, "\0\1noterminator"sv, "\0\1file\0"sv, "\0\4\0\1"sv, "\0\5\0\0x\0"sv,
                           "\xff\xff garbage"sv}) {
        c.send(bad, endpoint_);
    }
    EXPECT_FALSE(c.receive_within(300ms));
    EXPECT_EQ(fetch(c, "hello.txt"), "hello\n");
    EXPECT_GE(server_->counters().malformed, 5U);
}

TEST_F(TftpServerTest, OptionsNegotiatedWithOack)
{
    start();
    RawClient c;
    c.send(rrq("blob", std::string("blksize\0001024\0tsize\0000\0windowsize\0004\0bogus\0x\0"sv)), endpoint_);
    udp::endpoint tid;
    const auto oack = c.receive_within(2s, &tid);
    ASSERT_TRUE(oack);
    EXPECT_EQ(*oack, std::string("\0\6blksize\0001024\0tsize\0005000\0windowsize\0004\0"sv));
    c.send(ack(0), tid);
    // A window of four 1024-byte blocks arrives without further ACKs.
    for (std::uint16_t b = 1; b <= 4; ++b) {
        const auto data = c.receive_within(2s);
        ASSERT_TRUE(data);
        EXPECT_EQ(block_of(*data), b);
        EXPECT_EQ(data->size(), b < 4 ? 1028U : 1028U);
    }
    c.send(ack(4), tid);
    const auto last = c.receive_within(2s);
    ASSERT_TRUE(last);
    EXPECT_EQ(block_of(*last), 5);
    EXPECT_EQ(last->size(), 4U + 5000 - 4096);
    c.send(ack(5), tid);
}

TEST_F(TftpServerTest, WindowEndingInTheShortLastBlock)
{
    // The whole file fits one window: five datagrams, the last one short,
    // however the server batches them (UDP GSO) on the way out.
    start();
    RawClient c;
    const auto tid = open_negotiated(c, "blob", std::string("blksize\0001024\0windowsize\0008\0"sv));
    std::ifstream in(root_ / "blob", std::ios::binary);
    const std::string blob((std::istreambuf_iterator<char>(in)), {});
    std::string got;
    for (std::uint16_t b = 1; b <= 5; ++b) {
        const auto data = c.receive_within(2s);
        ASSERT_TRUE(data);
        EXPECT_EQ(block_of(*data), b);
        EXPECT_EQ(data->size(), b < 5 ? 1028U : 4U + 5000 - 4 * 1024);
        got += data->substr(4);
    }
    EXPECT_EQ(got, blob);
    c.send(ack(5), tid);
}

TEST_F(TftpServerTest, WindowResentFromTheLastInOrderAck)
{
    // RFC 7440: an ACK inside the window means the client missed the next
    // block; the window starts again right after it.
    start();
    RawClient c;
    const auto tid = open_negotiated(c, "blob", std::string("blksize\000512\0windowsize\0004\0"sv));
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(c.receive_within(2s));
    }
    c.send(ack(2), tid);  // blocks 3 and 4 "lost"
    for (std::uint16_t b = 3; b <= 6; ++b) {
        const auto data = c.receive_within(2s);
        ASSERT_TRUE(data);
        EXPECT_EQ(block_of(*data), b);
    }
}

TEST_F(TftpServerTest, DuplicateAckSendsNothing)
{
    start({}, 1000ms);  // a wide margin: this test must not depend on scheduling
    RawClient c;
    c.send(rrq("blob"), endpoint_);
    udp::endpoint tid;
    ASSERT_TRUE(c.receive_within(2s, &tid));  // DATA 1
    c.send(ack(1), tid);
    ASSERT_TRUE(c.receive_within(2s));  // DATA 2
    c.send(ack(1), tid);                // duplicate: Sorcerer's Apprentice
    c.send(ack(1), tid);
    // Within the 1 s timeout nothing may come; after it, one retransmission of DATA 2.
    const auto early = c.receive_within(500ms);
    EXPECT_FALSE(early) << "DATA sent for a duplicate ACK";
    const auto retransmit = c.receive_within(3s);
    ASSERT_TRUE(retransmit);
    EXPECT_EQ(block_of(*retransmit), 2);
}

TEST_F(TftpServerTest, VanishedClientIsReaped)
{
    start();
    {
        RawClient c;
        c.send(rrq("blob"), endpoint_);
        ASSERT_TRUE(c.receive_within(2s));
    }  // the client's port closes without an ACK
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline &&
           (server_->counters().failed == 0 || server_->active_transfers() != 0)) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(server_->counters().failed, 1U);
}

TEST_F(TftpServerTest, ErrorFromClientEndsTheTransfer)
{
    start();
    RawClient c;
    c.send(rrq("blob", std::string("tsize\0000\0"sv)), endpoint_);
    udp::endpoint tid;
    ASSERT_TRUE(c.receive_within(2s, &tid));  // OACK
    c.send(std::string("\0\5\0\10option refused\0"sv), tid);
    EXPECT_FALSE(c.receive_within(400ms));  // no retransmission of the OACK
    EXPECT_EQ(server_->counters().failed, 1U);
}

TEST_F(TftpServerTest, PacketsFromAnotherPortDoNotDisturb)
{
    start();
    RawClient c;
    RawClient stranger;
    c.send(rrq("blob"), endpoint_);
    udp::endpoint tid;
    ASSERT_TRUE(c.receive_within(2s, &tid));
    stranger.send(ack(1), tid);  // an ACK for a TID that is not its own
    EXPECT_FALSE(c.receive_within(50ms));
    c.send(ack(1), tid);
    const auto next = c.receive_within(2s);
    ASSERT_TRUE(next);
    EXPECT_EQ(block_of(*next), 2);
}

TEST_F(TftpServerTest, PerClientCap)
{
    ServerSettings s;
    s.max_transfers_per_client = 2;
    start(s);
    // Three ports of one address.
    std::array<RawClient, 3> c;
    for (auto& client : c) {
        client.send(rrq("blob"), endpoint_);
    }
    int data = 0;
    int errors = 0;
    for (auto& client : c) {
        const auto p = client.receive_within(2s);
        ASSERT_TRUE(p);
        (opcode(*p) == 3 ? data : errors)++;
    }
    EXPECT_EQ(data, 2);
    EXPECT_EQ(errors, 1);
}

// pxelinux resends its RRQ when the answer is slow: one transfer, from one
// TID, not two racing to the same port.
TEST_F(TftpServerTest, ARepeatedRequestFromOnePortIsOneTransfer)
{
    start({}, 1000ms);
    RawClient c;
    c.send(rrq("blob"), endpoint_);
    c.send(rrq("blob"), endpoint_);
    udp::endpoint tid;
    const auto first = c.receive_within(2s, &tid);
    ASSERT_TRUE(first);
    EXPECT_EQ(block_of(*first), 1);
    EXPECT_FALSE(c.receive_within(500ms)) << "a second transfer answered the repeated request";
    EXPECT_EQ(server_->active_transfers(), 1U);
    // Once it is over, the same port may ask again.
    c.send(std::string("\0\5\0\0done\0", 9), tid);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (std::chrono::steady_clock::now() < deadline && server_->active_transfers() != 0) {
        std::this_thread::sleep_for(20ms);
    }
    c.send(rrq("blob"), endpoint_);
    const auto again = c.receive_within(2s);
    ASSERT_TRUE(again);
    EXPECT_EQ(block_of(*again), 1);
}

TEST_F(TftpServerTest, BlockNumbersWrapAfter65535)
{
    // 65536 blocks of 8 bytes plus a short last one: the block number wraps to 0.
    test::write_random_file(root_ / "wrap", 65536ULL * 8 + 3, 2);
    std::filesystem::permissions(root_ / "wrap", std::filesystem::perms::others_read,
                                 std::filesystem::perm_options::add);
    start();
    RawClient c;
    const auto tid = open_negotiated(c, "wrap", std::string("blksize\0008\0"sv));
    std::uint64_t received = 0;
    std::uint16_t expected = 1;
    bool done = false;
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    for (int i = 0; i < 200000 && !done && std::chrono::steady_clock::now() < deadline; ++i) {
        const auto p = c.receive_within(2s);
        ASSERT_TRUE(p) << "stalled at block " << expected;
        if (opcode(*p) != 3 || block_of(*p) != expected) {
            continue;
        }
        received += p->size() - 4;
        c.send(ack(expected), tid);
        done = p->size() - 4 < 8;
        ++expected;  // wraps from 65535 to 0
    }
    EXPECT_TRUE(done);
    EXPECT_EQ(received, 65536ULL * 8 + 3);
    EXPECT_EQ(expected, 2);  // the last block was number 1 after the wrap
}

}  // namespace
}  // namespace xcp::tftp
