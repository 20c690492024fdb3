#pragma once

#include "server/inventory/inventory.hpp"

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace xcp::service {

// Connections to one inventory for callers on several threads (an
// Inventory is one connection, used by one thread at a time): each caller
// borrows one for a call, and waits while every one is in use.
class InventoryPool {
public:
    using Open = std::function<std::unique_ptr<inventory::Inventory>()>;
    // Opens `size` connections (at least one) now.
    InventoryPool(std::size_t size, const Open& open);

    class Borrowed {
    public:
        Borrowed(InventoryPool& pool, std::unique_ptr<inventory::Inventory> inventory)
            : pool_(&pool), inventory_(std::move(inventory))
        {
        }
        Borrowed(Borrowed&&) noexcept = default;
        Borrowed& operator=(Borrowed&&) = delete;
        Borrowed(const Borrowed&) = delete;
        Borrowed& operator=(const Borrowed&) = delete;
        ~Borrowed();
        inventory::Inventory* operator->() const { return inventory_.get(); }
        inventory::Inventory& operator*() const { return *inventory_; }

    private:
        InventoryPool* pool_;
        std::unique_ptr<inventory::Inventory> inventory_;
    };
    [[nodiscard]] Borrowed borrow();

private:
    void give_back(std::unique_ptr<inventory::Inventory> inventory);

    std::mutex mutex_;
    std::condition_variable returned_;
    std::vector<std::unique_ptr<inventory::Inventory>> idle_;
};

}  // namespace xcp::service
