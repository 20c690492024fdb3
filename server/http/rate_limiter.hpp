#pragma once

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <map>

namespace xcp::http {

// A token bucket per client address: `rate` requests a second on average,
// bursts of up to `burst`. Rate 0 turns it off. Pure: the caller passes the
// time.
class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;

    RateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {}

    // True if the request may go on.
    bool allow(const boost::asio::ip::address& client, Clock::time_point now);
    [[nodiscard]] std::size_t tracked() const { return buckets_.size(); }

private:
    struct Bucket {
        double tokens;
        Clock::time_point last;
    };
    double rate_;
    double burst_;
    std::map<boost::asio::ip::address, Bucket> buckets_;
};

}  // namespace xcp::http
