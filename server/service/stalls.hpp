// Which hosts have stalled: booting or installing, and silent for longer than
// the operator allows. Pure; serve runs it on a timer and applies the result.
#pragma once

#include "server/inventory/inventory.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace xcp::service {

struct Stall {
    std::string mac;
    inventory::Event event;  // what the host's events say
};

std::vector<Stall> find_stalls(const std::vector<inventory::Inventory::Activity>& hosts, inventory::TimePoint now,
                               std::chrono::milliseconds stall_after);

}  // namespace xcp::service
