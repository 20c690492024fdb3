#include "server/service/stall_watch.hpp"

#include "server/service/stalls.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace xcp::service {

StallWatch::StallWatch(boost::asio::io_context& io, boost::asio::any_io_executor inventory_executor,
                       inventory::Inventory& inventory, std::chrono::milliseconds stall_after)
    : on_(stall_after.count() > 0),
      // A quarter of the limit, between one second and one minute: a stall is
      // seen at most a quarter late.
      timer_(io, std::move(inventory_executor),
             std::clamp<std::chrono::milliseconds>(stall_after / 4, std::chrono::seconds(1), std::chrono::minutes(1)),
             "stall check", [&inventory, stall_after] { mark_stalls(inventory, stall_after); })
{
}

void StallWatch::start()
{
    if (on_) {
        timer_.start();
    }
}

void StallWatch::stop()
{
    timer_.stop();
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
