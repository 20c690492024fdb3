// Pure HTTP pieces: byte ranges, the per-client rate limit.
#include "server/http/range.hpp"
#include "server/http/rate_limiter.hpp"

#include <gtest/gtest.h>

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
