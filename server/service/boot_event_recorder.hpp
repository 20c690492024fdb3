// Records what hosts fetch as they boot (boot_fetch.hpp) in the inventory.
// The protocols call record() from their own threads and never wait: the
// fetches queue here and are written in batches, one transaction each, on
// the thread that owns the inventory.
#pragma once

#include "server/inventory/inventory.hpp"
#include "server/service/address_book.hpp"
#include "server/service/boot_fetch.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace xcp::service {

class BootEventRecorder {
public:
    // At most `max_queued` fetches wait for a write; more are counted and
    // dropped (a storm must not grow memory either).
    explicit BootEventRecorder(inventory::Inventory& inventory, std::size_t max_queued = 20000);

    // Where flushes run; without one, only flush() writes (tests).
    void run_on(boost::asio::any_io_executor executor) { executor_ = std::move(executor); }

    // Any thread.
    void record(Fetch fetch);
    // This address is this MAC's (its per-MAC config was asked for from it).
    void tie(const boost::asio::ip::address& address, const std::string& mac) { addresses_.tie(address, mac); }
    // Writes what is queued; on the inventory's thread.
    void flush();

    [[nodiscard]] std::uint64_t recorded() const { return recorded_; }
    [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

private:
    std::optional<std::string> owner(const Fetch& fetch);

    inventory::Inventory& inventory_;
    AddressBook addresses_;
    std::size_t max_queued_;
    std::optional<boost::asio::any_io_executor> executor_;
    std::mutex mutex_;
    std::vector<Fetch> queue_;
    bool scheduled_ = false;
    std::atomic<std::uint64_t> recorded_ = 0;
    std::atomic<std::uint64_t> dropped_ = 0;
};

}  // namespace xcp::service
