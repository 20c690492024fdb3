#include "tests/support/inventory_backends.hpp"

#include "server/inventory/location.hpp"

namespace xcp::test {

std::string backend_name(const testing::TestParamInfo<Backend>& info)
{
    return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

InventoryPlace::InventoryPlace(Backend backend) : backend_(backend)
{
    if (backend == Backend::postgresql) {
        postgres_.emplace();
    }
}

std::string InventoryPlace::url() const
{
    return backend_ == Backend::sqlite ? "sqlite://" + (dir_.path() / "inventory.sqlite").string()
                                       : postgres_->url();
}

std::unique_ptr<inventory::Database> InventoryPlace::database() const
{
    return inventory::open_database(inventory::parse_location(url(), dir_.path()));
}

std::unique_ptr<inventory::Inventory> InventoryPlace::open(std::size_t events_keep) const
{
    return std::make_unique<inventory::Inventory>(database(), events_keep);
}

}  // namespace xcp::test
