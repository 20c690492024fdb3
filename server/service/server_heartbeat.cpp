#include "server/service/server_heartbeat.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace xcp::service {

ServerHeartbeat::ServerHeartbeat(boost::asio::io_context& io, boost::asio::any_io_executor inventory_executor,
                                 inventory::Inventory& inventory, std::chrono::milliseconds interval)
    : timer_(io), inventory_executor_(std::move(inventory_executor)), inventory_(inventory), interval_(interval)
{
}

void ServerHeartbeat::start()
{
    schedule();
}

void ServerHeartbeat::stop()
{
    timer_.cancel();
}

void ServerHeartbeat::schedule()
{
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        // Not `this`: the beat may still be queued when the heartbeat is gone.
        boost::asio::post(inventory_executor_, [&inventory = inventory_] {
            try {
                inventory.heartbeat();
            } catch (const std::exception& e) {
                spdlog::error("heartbeat not recorded: {}", e.what());
            }
        });
        schedule();
    });
}

}  // namespace xcp::service
