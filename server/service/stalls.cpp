#include "server/service/stalls.hpp"

#include "server/service/timeline.hpp"

namespace xcp::service {

std::vector<Stall> find_stalls(const std::vector<inventory::Inventory::Activity>& hosts, inventory::TimePoint now,
                               std::chrono::milliseconds stall_after)
{
    std::vector<Stall> out;
    for (const auto& h : hosts) {
        if (!h.stalled_since.empty() ||
            (h.state != inventory::HostState::booting && h.state != inventory::HostState::installing)) {
            continue;
        }
        const auto last = inventory::parse_utc(h.last_event);
        if (!last || now - *last < stall_after) {
            continue;
        }
        const auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - *last).count();
        Stall s;
        s.mac = h.mac;
        s.event.source = "server";
        s.event.step = "stalled";
        s.event.message = "no news from this " + std::string(to_string(h.state)) + " host for " +
                          format_duration(silent) + " (the limit is " + format_duration(stall_after.count()) +
                          "); its next event clears this";
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace xcp::service
