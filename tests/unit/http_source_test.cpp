// The installer's HTTP source against a loopback server that cuts its
// transfers short: resumed with Range, bounded, and never past what arrived.
#include "libxcp/checksum/digest.hpp"
#include "libxcp/repository/ftp_source.hpp"
#include "libxcp/repository/http_source.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace xcp::repository {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Serves `body` for any path but /missing; the first `cuts` answers stop
// halfway; Range is honoured unless `ignore_range`. At most 10 connections.
class FlakyServer {
public:
    FlakyServer(std::string body, int cuts, bool ignore_range = false)
        : body_(std::move(body)), cuts_(cuts), ignore_range_(ignore_range),
          acceptor_(io_, {asio::ip::address_v4::loopback(), 0}), thread_([this] { serve(); })
    {
    }
    ~FlakyServer()
    {
        stop_ = true;
        boost::system::error_code ec;
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ec);  // wakes accept()
        thread_.join();
    }
    [[nodiscard]] std::string url() const
    {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/repo";
    }
    [[nodiscard]] int requests() const { return requests_; }

private:
    void serve()
    {
        for (int i = 0; i < 10 && !stop_; ++i) {
            tcp::socket s(io_);
            boost::system::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stop_) {
                return;
            }
            asio::streambuf request;
            asio::read_until(s, request, "\r\n\r\n", ec);
            const std::string head(asio::buffers_begin(request.data()), asio::buffers_end(request.data()));
            ++requests_;
            if (head.find("GET /repo/missing") == 0) {
                asio::write(s, asio::buffer(std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")), ec);
                continue;
            }
            std::size_t from = 0;
            if (const auto r = head.find("Range: bytes="); r != std::string::npos && !ignore_range_) {
                from = std::stoul(head.substr(r + 13));
            }
            const auto rest = body_.substr(from);
            std::string reply = from > 0 ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(from) +
                                               "-" + std::to_string(body_.size() - 1) + "/" +
                                               std::to_string(body_.size()) + "\r\n"
                                         : std::string("HTTP/1.1 200 OK\r\n");
            reply += "Content-Length: " + std::to_string(rest.size()) + "\r\nConnection: close\r\n\r\n";
            const bool cut = cuts_-- > 0;
            reply += cut ? rest.substr(0, rest.size() / 2) : rest;
            asio::write(s, asio::buffer(reply), ec);
        }
    }

    std::string body_;
    int cuts_;
    bool ignore_range_;
    std::atomic<bool> stop_{false};
    std::atomic<int> requests_{0};
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
};

std::string body()
{
    std::string b;
    for (int i = 0; i < 300000; ++i) {
        b += static_cast<char>('a' + (i * 7) % 26);
    }
    return b;
}

HttpSource::Settings quick()
{
    HttpSource::Settings s;
    s.attempts = 3;
    s.first_pause = std::chrono::milliseconds(1);
    s.io_timeout = std::chrono::seconds(5);
    return s;
}

TEST(HttpSource, ACutTransferIsResumedWithRange)
{
    FlakyServer server(body(), 2);
    HttpSource source(server.url(), quick());
    checksum::Digest md5(checksum::Algorithm::md5);
    std::size_t size = 0;
    source.stream("packages/x.tar.bz2", [&](std::span<const std::byte> b) {
        md5.update(b);
        size += b.size();
    });
    EXPECT_EQ(size, body().size());
    EXPECT_EQ(md5.hex(), checksum::hex_of(checksum::Algorithm::md5, body())) << "each byte hashed once";
    EXPECT_EQ(source.resumes(), 2);
}

TEST(HttpSource, RetriesAreBoundedAndSaySo)
{
    FlakyServer server(body(), 100);
    HttpSource source(server.url(), quick());
    try {
        source.stream("x", [](std::span<const std::byte>) {});
        FAIL() << "a server that always cuts was taken as complete";
    } catch (const SourceError& e) {
        EXPECT_NE(std::string(e.what()).find("gave up after 3 attempts"), std::string::npos) << e.what();
    }
    EXPECT_EQ(server.requests(), 3);
}

// A server that takes the connection and never answers: each attempt ends
// at its deadline, and the attempts are bounded.
TEST(HttpSource, AServerThatStallsTimesOut)
{
    asio::io_context io;
    tcp::acceptor silent(io, {asio::ip::address_v4::loopback(), 0});  // listens, never accepts
    HttpSource::Settings s;
    s.attempts = 2;
    s.first_pause = std::chrono::milliseconds(1);
    s.io_timeout = std::chrono::seconds(1);
    HttpSource source("http://127.0.0.1:" + std::to_string(silent.local_endpoint().port()) + "/", s);
    try {
        source.stream("x.tbz2", [](std::span<const std::byte>) {});
        ADD_FAILURE() << "a silent server cannot deliver";
    } catch (const SourceError& e) {
        EXPECT_NE(std::string(e.what()).find("no answer within 1 s"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("gave up after 2 attempts"), std::string::npos) << e.what();
    }
}

TEST(HttpSource, NotFoundAndIgnoredRangeAreFinal)
{
    FlakyServer server(body(), 1, true);
    HttpSource source(server.url(), quick());
    EXPECT_FALSE(source.read_small("missing"));
    try {
        source.stream("x", [](std::span<const std::byte>) {});
        FAIL();
    } catch (const SourceError& e) {
        EXPECT_NE(std::string(e.what()).find("ignored the Range request"), std::string::npos) << e.what();
    }
    EXPECT_THROW(HttpSource("ftp://x/"), SourceError);
    EXPECT_NO_THROW(HttpSource("https://x/")) << "https is read too";
    EXPECT_THROW(HttpSource("https:///nohost"), SourceError);
}

TEST(FtpReplies, WholeRepliesOnly)
{
    auto r = parse_ftp_reply("220 ready\r\n230 next");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, 220);
    EXPECT_EQ(r->text, "ready");
    EXPECT_EQ(r->used, 11U);
    EXPECT_FALSE(parse_ftp_reply("220 rea")) << "incomplete";
    EXPECT_FALSE(parse_ftp_reply("211-Features:\r\n EPSV\r\n REST STREAM\r\n")) << "multi-line, unfinished";
    r = parse_ftp_reply("211-Features:\r\n EPSV\r\n211-not the end\r\n211 End\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->code, 211);
    EXPECT_EQ(r->text, "End");
    r = parse_ftp_reply("226 done\n");
    ASSERT_TRUE(r) << "a bare LF ends a line too";
    EXPECT_EQ(r->used, 9U);
    EXPECT_EQ(parse_ftp_reply("HTTP/1.1 400 Bad\r\n")->code, 0) << "not FTP";
    EXPECT_EQ(parse_ftp_reply("200\r\n")->code, 200);
}

TEST(FtpReplies, PassivePorts)
{
    EXPECT_EQ(parse_epsv("Entering Extended Passive Mode (|||6446|)"), 6446);
    EXPECT_EQ(parse_epsv("(!!!6446!)"), 6446) << "any delimiter";
    EXPECT_FALSE(parse_epsv("(|||0|)"));
    EXPECT_FALSE(parse_epsv("(|||70000|)"));
    EXPECT_FALSE(parse_epsv("(||6446|)"));
    EXPECT_FALSE(parse_epsv("no port"));
    EXPECT_EQ(parse_pasv("Entering Passive Mode (192,0,2,7,25,46)."), 25 * 256 + 46);
    EXPECT_FALSE(parse_pasv("(192,0,2,7,256,1)"));
    EXPECT_FALSE(parse_pasv("(192,0,2,7,25)"));
    EXPECT_FALSE(parse_pasv(")("));
    EXPECT_THROW(FtpSource("ftp:///nohost"), SourceError);
    EXPECT_EQ(FtpSource("ftp://user:pw@192.0.2.1/pub/xcp").describe(), "ftp://user@192.0.2.1/pub/xcp/")
        << "the password is not shown";
}

}  // namespace
}  // namespace xcp::repository
