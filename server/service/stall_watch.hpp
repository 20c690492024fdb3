// Looks for stalled hosts (stalls.hpp) now and then, and records what it
// finds: the timer runs on the I/O loop, the inventory work where the
// inventory's other calls run.
#pragma once

#include "server/inventory/inventory.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

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
    void schedule();

    boost::asio::steady_timer timer_;
    boost::asio::any_io_executor inventory_executor_;
    inventory::Inventory& inventory_;
    std::chrono::milliseconds stall_after_;
    std::chrono::milliseconds interval_;
};

}  // namespace xcp::service
