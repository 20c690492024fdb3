#include "server/service/inventory_timer.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace xcp::service {

InventoryTimer::InventoryTimer(boost::asio::io_context& io, boost::asio::any_io_executor inventory_executor,
                               std::chrono::milliseconds interval, std::string what, std::function<void()> work)
    : timer_(io), inventory_executor_(std::move(inventory_executor)), interval_(interval),
      work_(std::make_shared<const std::function<void()>>(
          [what = std::move(what), work = std::move(work)] {
              try {
                  work();
              } catch (const std::exception& e) {
                  spdlog::error("{} failed: {}", what, e.what());
              }
          }))
{
}

void InventoryTimer::start()
{
    schedule();
}

void InventoryTimer::stop()
{
    timer_.cancel();
}

void InventoryTimer::schedule()
{
    timer_.expires_after(interval_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        boost::asio::post(inventory_executor_, [work = work_] { (*work)(); });
        schedule();
    });
}

}  // namespace xcp::service
