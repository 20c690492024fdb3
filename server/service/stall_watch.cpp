#include "server/service/stall_watch.hpp"

#include "server/service/stalls.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

namespace xcp::service {

StallWatch::StallWatch(boost::asio::io_context& io, boost::asio::any_io_executor inventory_executor,
                       inventory::Inventory& inventory, std::chrono::milliseconds stall_after)
    : timer_(io), inventory_executor_(std::move(inventory_executor)), inventory_(inventory),
      stall_after_(stall_after),
      // A quarter of the limit, between one second and one minute: a stall is
      // seen at most a quarter late.
      interval_(std::clamp<std::chrono::milliseconds>(stall_after / 4, std::chrono::seconds(1), std::chrono::minutes(1)))
{
}

void StallWatch::start()
{
    if (stall_after_.count() > 0) {
        schedule();
    }
}

void StallWatch::stop()
{
    timer_.cancel();
}

void StallWatch::schedule()
{
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        // Not `this`: the check may still be queued when the watch is gone.
        boost::asio::post(inventory_executor_, [&inventory = inventory_, after = stall_after_] {
            try {
                mark_stalls(inventory, after);
            } catch (const std::exception& e) {
                spdlog::error("stall check failed: {}", e.what());
            }
        });
        schedule();
    });
}

std::size_t mark_stalls(inventory::Inventory& inventory, std::chrono::milliseconds stall_after)
{
    const auto stalls = find_stalls(inventory.activity(), std::chrono::system_clock::now(), stall_after);
    std::size_t marked = 0;
    for (const auto& s : stalls) {
        if (inventory.mark_stalled(s.mac, s.event)) {
            ++marked;
            spdlog::warn("host {}: stalled: {}", s.mac, s.event.message);
        }
    }
    return marked;
}

}  // namespace xcp::service
