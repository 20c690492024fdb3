// Inventory tests run once on each backend: SQLite in a temporary state
// directory, and PostgreSQL in a database of the test's own.
#pragma once

#include "server/inventory/inventory.hpp"
#include "tests/support/postgres.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <optional>
#include <string>

namespace xcp::test {

enum class Backend { sqlite, postgresql };

inline void PrintTo(Backend b, std::ostream* out)
{
    *out << (b == Backend::sqlite ? "SQLite" : "PostgreSQL");
}

// "SQLite", "PostgreSQL": the parameterised tests' names.
std::string backend_name(const testing::TestParamInfo<Backend>& info);

// Where one test's inventory lives; each open() is a connection of its own
// (another process's or another server's, as far as the inventory knows).
class InventoryPlace {
public:
    explicit InventoryPlace(Backend backend);
    [[nodiscard]] std::unique_ptr<inventory::Inventory> open(
        std::size_t events_keep = inventory::Inventory::default_events_keep) const;
    // A bare connection to it (a test setting up an older or newer schema).
    [[nodiscard]] std::unique_ptr<inventory::Database> database() const;
    // The --inventory URL of it ("sqlite:///..." or "postgresql://...").
    [[nodiscard]] std::string url() const;
    [[nodiscard]] Backend backend() const { return backend_; }
    [[nodiscard]] const std::filesystem::path& state_dir() const { return dir_.path(); }
    [[nodiscard]] const TestDatabase& postgres() const { return *postgres_; }

private:
    Backend backend_;
    TempDir dir_;
    std::optional<TestDatabase> postgres_;
};

// The fixture of a test run on each backend (XCP_ON_BOTH_INVENTORY_BACKENDS).
class OnEachInventoryBackend : public testing::TestWithParam<Backend> {
protected:
    InventoryPlace place_{GetParam()};
};

}  // namespace xcp::test

#define XCP_ON_BOTH_INVENTORY_BACKENDS(Suite)                                                                 \
    INSTANTIATE_TEST_SUITE_P(Backends, Suite,                                                                 \
                             testing::Values(xcp::test::Backend::sqlite, xcp::test::Backend::postgresql),    \
                             xcp::test::backend_name)
