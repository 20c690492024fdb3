#pragma once

#include "server/inventory/database.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace xcp::inventory {

// One libpqxx connection to a PostgreSQL database shared by several xcp-pxe
// servers. Writers take turns through a transaction-scoped advisory lock, as
// SQLite's BEGIN IMMEDIATE makes them: the inventory's read-change-write of
// a host is then never interleaved with another server's. A lost connection
// is opened again at the next use; until then every call throws
// InventoryUnavailable.
class PostgresDatabase final : public Database {
public:
    // `conninfo`: a libpq connection string or URI; `shown`: the same with
    // any password taken out, for errors and logs. Throws
    // InventoryUnavailable when the database cannot be reached, unless
    // `reach_later`: then the first use that finds it answering connects.
    PostgresDatabase(std::string conninfo, std::string shown, bool reach_later = false);
    ~PostgresDatabase() override;
    PostgresDatabase(const PostgresDatabase&) = delete;
    PostgresDatabase& operator=(const PostgresDatabase&) = delete;

    [[nodiscard]] Dialect dialect() const override { return Dialect::postgresql; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    void execute(std::string_view sql) override;
    std::unique_ptr<Cursor> cursor(std::string_view sql) override;
    void begin() override;
    void commit() override;
    void rollback() noexcept override;
    int schema_version() override;
    void set_schema_version(int version) override;
    bool has_column(std::string_view table, std::string_view column) override;
    [[nodiscard]] DatabaseHealth health() const override { return {!down_, outages_}; }

    struct Connection;  // the libpqxx connection, its transaction and prepared statements
    Connection& connection();
    // Turns a libpqxx exception into the inventory's, dropping a broken
    // connection so that the next call opens a new one.
    [[noreturn]] void fail(const std::exception& e, std::string_view doing);

private:
    void went_down();

    std::string conninfo_;
    std::string name_;
    std::unique_ptr<Connection> connection_;
    bool down_ = false;
    std::uint64_t outages_ = 0;
    std::chrono::milliseconds backoff_{0};
    std::chrono::steady_clock::time_point retry_at_{};
};

// `SELECT ... WHERE a=?1 AND b=?2` as PostgreSQL writes it ($1, $2),
// leaving quoted text alone.
std::string postgres_placeholders(std::string_view sql);

}  // namespace xcp::inventory
