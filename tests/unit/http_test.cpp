// Pure HTTP pieces: byte ranges, the per-client rate limit, the request
// reader's body limits, the response head.
#include "server/http/range.hpp"
#include "server/http/rate_limiter.hpp"

#include "server/http/request_reader.hpp"
#include "server/http/response_head.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace xcp::http {
namespace {

struct RangeCase {
    const char* header;
    std::uint64_t size;
    int kind;  // 0 whole, 1 range, 2 unsatisfiable
    std::uint64_t first, last;
};

TEST(HttpRange, EveryFormOfOneRange)
{
    const RangeCase cases[] = {
        {"bytes=0-0", 10, 1, 0, 0},         {"bytes=0-9", 10, 1, 0, 9},        {"bytes=2-", 10, 1, 2, 9},
        {"bytes=-3", 10, 1, 7, 9},          {"bytes=-30", 10, 1, 0, 9},        {"bytes=5-100", 10, 1, 5, 9},
        {"bytes=10-", 10, 2, 0, 0},         {"bytes=10-20", 10, 2, 0, 0},      {"bytes=-0", 10, 2, 0, 0},
        {"bytes=0-", 0, 2, 0, 0},           {"bytes=5-2", 10, 0, 0, 0},        {"bytes=a-b", 10, 0, 0, 0},
        {"bytes=0-1,3-4", 10, 0, 0, 0},     {"items=0-1", 10, 0, 0, 0},        {"bytes=", 10, 0, 0, 0},
        {"bytes=-", 10, 0, 0, 0},           {" bytes= 1 - 2 ", 10, 1, 1, 2},   {"bytes=99999999999999999999-", 10, 0, 0, 0},
    };
    for (const auto& c : cases) {
        const auto r = parse_range(c.header, c.size);
        switch (c.kind) {
        case 0: EXPECT_TRUE(std::holds_alternative<WholeFile>(r)) << c.header; break;
        case 2: EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(r)) << c.header; break;
        default: {
            const auto* b = std::get_if<ByteRange>(&r);
            ASSERT_NE(b, nullptr) << c.header;
            EXPECT_EQ(b->first, c.first) << c.header;
            EXPECT_EQ(b->last, c.last) << c.header;
        }
        }
    }
}

TEST(HttpRateLimit, BurstThenRateThenRecovery)
{
    RateLimiter limiter(10, 20);
    const auto a = boost::asio::ip::make_address("192.0.2.1");
    const auto b = boost::asio::ip::make_address("192.0.2.2");
    const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
    int allowed = 0;
    for (int i = 0; i < 100; ++i) {
        allowed += limiter.allow(a, t0) ? 1 : 0;
    }
    EXPECT_EQ(allowed, 20);
    EXPECT_TRUE(limiter.allow(b, t0)) << "one client's burst does not limit another";
    EXPECT_FALSE(limiter.allow(a, t0 + std::chrono::milliseconds(50)));
    EXPECT_TRUE(limiter.allow(a, t0 + std::chrono::milliseconds(150)));
    EXPECT_TRUE(limiter.allow(a, t0 + std::chrono::seconds(10)));
}

TEST(HttpRateLimit, ZeroRateIsOff)
{
    RateLimiter limiter(0, 0);
    const auto a = boost::asio::ip::make_address("192.0.2.1");
    for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(limiter.allow(a, RateLimiter::Clock::now()));
    }
    EXPECT_EQ(limiter.tracked(), 0U);
}

TEST(HttpRateLimit, ManyAddressesDoNotGrowWithoutBound)
{
    RateLimiter limiter(100, 100);
    auto t = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
    for (std::uint32_t i = 0; i < 20000; ++i) {
        limiter.allow(boost::asio::ip::address_v4(0x0a000000U + i), t);
        t += std::chrono::milliseconds(1);
    }
    EXPECT_LT(limiter.tracked(), 10000U);
}

}  // namespace
}  // namespace xcp::http

namespace xcp::http {
namespace {

RequestReader::Outcome read_all(RequestReader& reader, const std::string& bytes)
{
    std::size_t at = 0;
    RequestReader::Outcome outcome = RequestReader::NeedMore{};
    while (at < bytes.size() || !std::holds_alternative<RequestReader::NeedMore>(outcome)) {
        if (!std::holds_alternative<RequestReader::NeedMore>(outcome)) {
            return outcome;
        }
        auto buffer = reader.prepare();
        const auto n = std::min(buffer.size(), bytes.size() - at);
        std::memcpy(buffer.data(), bytes.data() + at, n);
        reader.commit(n);
        at += n;
        outcome = reader.parse();
    }
    return outcome;
}

RequestLimits big_route_limits()
{
    RequestLimits limits;
    limits.max_body_bytes = 1000;
    limits.largest_body_bytes = 100000;
    limits.body_limit = [](const Request& header) -> std::optional<std::size_t> {
        if (header.target() == "/big") {
            return 50000;
        }
        return std::nullopt;
    };
    return limits;
}

TEST(HttpRequestReader, ARouteMayTakeALargerBodyAndNoOtherDoes)
{
    const std::string body(20000, 'x');
    for (const auto* target : {"/big", "/small"}) {
        RequestReader reader(big_route_limits());
        const auto outcome = read_all(reader, std::string("POST ") + target + " HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                                                  std::to_string(body.size()) + "\r\n\r\n" + body);
        if (std::string_view(target) == "/big") {
            ASSERT_TRUE(std::holds_alternative<Request>(outcome));
            EXPECT_EQ(std::get<Request>(outcome).body(), body);
        } else {
            ASSERT_TRUE(std::holds_alternative<RequestReader::Refused>(outcome));
            EXPECT_EQ(std::get<RequestReader::Refused>(outcome).status, beast_http::status::payload_too_large);
        }
    }
    // Over the route's own limit, announced or chunked.
    RequestReader announced(big_route_limits());
    auto outcome = read_all(announced, "POST /big HTTP/1.1\r\nHost: h\r\nContent-Length: 60000\r\n\r\n");
    ASSERT_TRUE(std::holds_alternative<RequestReader::Refused>(outcome));
    EXPECT_EQ(std::get<RequestReader::Refused>(outcome).reason, "the body is over 50000 bytes");
    RequestReader chunked(big_route_limits());
    std::string chunks = "POST /big HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 7; ++i) {
        chunks += "2710\r\n" + std::string(10000, 'y') + "\r\n";
    }
    chunks += "0\r\n\r\n";
    outcome = read_all(chunked, chunks);
    ASSERT_TRUE(std::holds_alternative<RequestReader::Refused>(outcome));
    EXPECT_EQ(std::get<RequestReader::Refused>(outcome).status, beast_http::status::payload_too_large);
}

TEST(HttpResponseHead, StatusLineFieldsLengthAndConnectionAsEachVersionNeedsThem)
{
    beast_http::fields fields;
    fields.set(beast_http::field::content_type, "text/xml");
    fields.set(beast_http::field::server, "not ours");   // the server's to say
    fields.set(beast_http::field::content_length, "7");  // likewise
    fields.set(beast_http::field::connection, "upgrade");
    fields.set("X-Custom", "a b");
    std::string head = "left over from the last response";
    write_response_head(head, beast_http::status::ok, 11, fields, 1024, true);
    EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nX-Custom: a b\r\nServer: xcp-pxe\r\n"
                    "Content-Length: 1024\r\n\r\n");
    write_response_head(head, beast_http::status::not_found, 11, {}, 10, false);
    EXPECT_EQ(head, "HTTP/1.1 404 Not Found\r\nServer: xcp-pxe\r\nContent-Length: 10\r\nConnection: close\r\n\r\n");
    write_response_head(head, beast_http::status::ok, 10, {}, 0, true);
    EXPECT_EQ(head, "HTTP/1.0 200 OK\r\nServer: xcp-pxe\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n");
    write_response_head(head, beast_http::status::not_modified, 10, {}, std::nullopt, false);
    EXPECT_EQ(head, "HTTP/1.0 304 Not Modified\r\nServer: xcp-pxe\r\n\r\n");
}

}  // namespace
}  // namespace xcp::http
