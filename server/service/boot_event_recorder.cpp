#include "server/service/boot_event_recorder.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace xcp::service {

BootEventRecorder::BootEventRecorder(inventory::Inventory& inventory, std::size_t max_queued)
    : inventory_(inventory), max_queued_(max_queued)
{
}

void BootEventRecorder::record(Fetch fetch)
{
    if (fetch.at.empty()) {
        fetch.at = inventory::now_utc();
    }
    if (!fetch.mac.empty()) {
        addresses_.tie(fetch.client, fetch.mac);
    }
    bool schedule = false;
    {
        const std::lock_guard lock(mutex_);
        if (queue_.size() >= max_queued_) {
            if (++dropped_ % 10000 == 1) {
                spdlog::warn("boot events: {} fetches waiting to be written; dropping ({} so far)", queue_.size(),
                             dropped_.load());
            }
            return;
        }
        queue_.push_back(std::move(fetch));
        schedule = !scheduled_ && executor_.has_value();
        scheduled_ = scheduled_ || schedule;
    }
    if (schedule) {
        boost::asio::post(*executor_, [this] { flush(); });
    }
}

std::optional<std::string> BootEventRecorder::owner(const Fetch& fetch)
{
    if (!fetch.mac.empty()) {
        return fetch.mac;
    }
    if (auto mac = addresses_.mac_of(fetch.client)) {
        return mac;
    }
    if (fetch.client.is_v4()) {
        if (auto mac = inventory_.mac_of_lease(fetch.client.to_v4().to_uint())) {
            addresses_.tie(fetch.client, *mac);
            return mac;
        }
    }
    return std::nullopt;
}

void BootEventRecorder::flush()
{
    std::vector<Fetch> batch;
    {
        const std::lock_guard lock(mutex_);
        batch.swap(queue_);
        scheduled_ = false;
    }
    if (batch.empty()) {
        return;
    }
    std::vector<std::pair<std::string, inventory::Event>> events;
    events.reserve(batch.size());
    try {
        for (const auto& f : batch) {
            if (auto mac = owner(f)) {
                events.emplace_back(std::move(*mac), fetch_event(f));
            }
        }
        recorded_ += inventory_.add_events(events);
    } catch (const std::exception& e) {
        dropped_ += batch.size();
        spdlog::error("boot events: {} not recorded: {}", batch.size(), e.what());
    }
}

}  // namespace xcp::service
