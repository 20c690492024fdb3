#include "server/http/rate_limiter.hpp"

#include <algorithm>

namespace xcp::http {

bool RateLimiter::allow(const boost::asio::ip::address& client, Clock::time_point now)
{
    if (rate_ <= 0) {
        return true;
    }
    // Full buckets carry no information: drop them so that many addresses
    // cannot grow the map without bound.
    if (buckets_.size() > 4096) {
        std::erase_if(buckets_, [&](const auto& item) {
            const auto& b = item.second;
            return b.tokens + std::chrono::duration<double>(now - b.last).count() * rate_ >= burst_;
        });
    }
    auto [it, fresh] = buckets_.try_emplace(client, Bucket{burst_, now});
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

}  // namespace xcp::http
