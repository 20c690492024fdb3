#pragma once

#include "server/inventory/database.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace xcp::inventory {

// One connection to an SQLite file, set up for several processes writing at
// once (the daemon and the CLI): WAL journal, a busy timeout instead of
// SQLITE_BUSY, and full syncs so that a commit survives kill -9 and power loss.
class SqliteDatabase final : public Database {
public:
    explicit SqliteDatabase(const std::filesystem::path& file);

    [[nodiscard]] Dialect dialect() const override { return Dialect::sqlite; }
    [[nodiscard]] const std::string& name() const override { return name_; }
    void execute(std::string_view sql) override;
    std::unique_ptr<Cursor> cursor(std::string_view sql) override;
    // BEGIN IMMEDIATE: takes the write lock at once, so two writers wait for
    // each other instead of one failing halfway.
    void begin() override { execute("BEGIN IMMEDIATE"); }
    void commit() override { execute("COMMIT"); }
    void rollback() noexcept override;
    int schema_version() override;  // PRAGMA user_version
    void set_schema_version(int version) override;
    bool has_column(std::string_view table, std::string_view column) override;

    [[nodiscard]] const std::filesystem::path& file() const { return file_; }
    [[nodiscard]] sqlite3* handle() const { return db_.get(); }
    [[noreturn]] void fail(std::string_view doing) const;

    struct Finalize {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    struct Prepared {
        std::unique_ptr<sqlite3_stmt, Finalize> stmt;
        bool in_use = false;
    };
    // Statements are prepared once per connection and reused: preparing
    // costs more than running the small queries a request makes.
    Prepared& prepared(std::string_view sql);

private:
    struct Close {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    std::filesystem::path file_;
    std::string name_;
    std::unique_ptr<sqlite3, Close> db_;  // declared before the statements: destroyed after them
    std::map<std::string, Prepared, std::less<>> statements_;
};

}  // namespace xcp::inventory
