// A server sharing the inventory says it is alive: its heartbeat, written on
// the inventory's thread every interval.
#pragma once

#include "server/inventory/inventory.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

namespace xcp::service {

class ServerHeartbeat {
public:
    static constexpr std::chrono::seconds default_interval{30};
    ServerHeartbeat(boost::asio::io_context& io, boost::asio::any_io_executor inventory_executor,
                    inventory::Inventory& inventory, std::chrono::milliseconds interval = default_interval);

    void start();
    void stop();

private:
    void schedule();

    boost::asio::steady_timer timer_;
    boost::asio::any_io_executor inventory_executor_;
    inventory::Inventory& inventory_;
    std::chrono::milliseconds interval_;
};

}  // namespace xcp::service
