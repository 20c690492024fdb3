// Looks for stalled hosts (stalls.hpp) now and then, and records what it
// finds: the timer runs on the I/O loop, the inventory work where the
// inventory's other calls run.
#pragma once

#include "server/inventory/inventory.hpp"
#include "server/service/inventory_timer.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>

namespace xcp::service {

// One look, on the calling thread; returns how many hosts it marked stalled.
std::size_t mark_stalls(inventory::Inventory& inventory, std::chrono::milliseconds stall_after);

class StallWatch {
public:
    StallWatch(boost::asio::io_context& io, boost::asio::any_io_executor inventory_executor,
               inventory::Inventory& inventory, std::chrono::milliseconds stall_after);

    void start();
    void stop();

private:
    bool on_;  // a limit of 0 turns stall detection off
    InventoryTimer timer_;
};

}  // namespace xcp::service
