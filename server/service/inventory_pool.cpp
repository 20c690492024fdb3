#include "server/service/inventory_pool.hpp"

#include <algorithm>

namespace xcp::service {

InventoryPool::InventoryPool(std::size_t size, const Open& open)
{
    for (std::size_t i = 0; i < std::max<std::size_t>(size, 1); ++i) {
        idle_.push_back(open());
    }
}

InventoryPool::Borrowed InventoryPool::borrow()
{
    std::unique_lock lock(mutex_);
    returned_.wait(lock, [this] { return !idle_.empty(); });
    auto inventory = std::move(idle_.back());
    idle_.pop_back();
    return {*this, std::move(inventory)};
}

void InventoryPool::give_back(std::unique_ptr<inventory::Inventory> inventory)
{
    {
        const std::lock_guard lock(mutex_);
        idle_.push_back(std::move(inventory));
    }
    returned_.notify_one();
}

InventoryPool::Borrowed::~Borrowed()
{
    if (inventory_) {
        pool_->give_back(std::move(inventory_));
    }
}

}  // namespace xcp::service
