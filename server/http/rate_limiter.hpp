#pragma once

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>

namespace xcp::http {

// A token bucket per key (a client address, a host): `rate` requests a
// second on average, bursts of up to `burst`. Rate 0 turns it off. Pure: the
// caller passes the time.
template <typename Key>
class BasicRateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    BasicRateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

    // True if the request may go on.
    bool allow(const Key& key, Clock::time_point now)
    {
        if (rate_ <= 0) {
            return true;
        }
        // Full buckets carry no information: drop them so that many keys
        // cannot grow the map without bound.
        if (buckets_.size() > 4096) {
            std::erase_if(buckets_, [&](const auto& item) {
                const auto& b = item.second;
                return b.tokens + std::chrono::duration<double>(now - b.last).count() * rate_ >= burst_;
            });
        }
        auto [it, fresh] = buckets_.try_emplace(key, Bucket{burst_, now});
        auto& b = it->second;
        if (!fresh) {
            b.tokens = std::min(burst_, b.tokens + std::chrono::duration<double>(now - b.last).count() * rate_);
            b.last = now;
        }
        if (b.tokens < 1) {
            return false;
        }
        b.tokens -= 1;
        return true;
    }
    [[nodiscard]] std::size_t tracked() const { return buckets_.size(); }

private:
    struct Bucket {
        double tokens;
        Clock::time_point last;
    };
    double rate_;
    double burst_;
    std::map<Key, Bucket, std::less<>> buckets_;
};

using RateLimiter = BasicRateLimiter<boost::asio::ip::address>;
using KeyedRateLimiter = BasicRateLimiter<std::string>;

}  // namespace xcp::http
