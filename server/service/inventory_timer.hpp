// Inventory work now and then (stall checks, a shared inventory's
// heartbeat): the timer runs on the I/O loop, the work is posted to where the
// inventory's other calls run, and what it throws is logged, never fatal.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace xcp::service {

class InventoryTimer {
public:
    // `what`: how the log names the work when it fails ("stall check").
    InventoryTimer(boost::asio::io_context& io, boost::asio::any_io_executor inventory_executor,
                   std::chrono::milliseconds interval, std::string what, std::function<void()> work);

    void start();
    void stop();

private:
    void schedule();

    boost::asio::steady_timer timer_;
    boost::asio::any_io_executor inventory_executor_;
    std::chrono::milliseconds interval_;
    // Shared with the posted jobs: one may still be queued when the timer is gone.
    std::shared_ptr<const std::function<void()>> work_;
};

}  // namespace xcp::service
