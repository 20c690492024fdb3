#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace xcp::inventory {

// Something the inventory could not do, as one sentence for the operator.
class InventoryError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A change refused because of what the inventory holds (a host already
// there, a release still in use), not because the inventory failed.
class InventoryConflict : public InventoryError {
public:
    using InventoryError::InventoryError;
};

// One connection to an SQLite file, set up for several processes writing at
// once (the daemon and the CLI): WAL journal, a busy timeout instead of
// SQLITE_BUSY, and full syncs so that a commit survives kill -9 and power loss.
class Database {
public:
    explicit Database(const std::filesystem::path& file);

    void execute(std::string_view sql);
    [[nodiscard]] sqlite3* handle() const { return db_.get(); }

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
    [[nodiscard]] const std::filesystem::path& file() const { return file_; }
    [[noreturn]] void fail(std::string_view doing) const;

private:
    struct Close {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    std::filesystem::path file_;
    std::unique_ptr<sqlite3, Close> db_;  // declared first: destroyed after the statements
    std::map<std::string, Prepared, std::less<>> statements_;
};

// A prepared statement; bind by 1-based index, step, read columns. Reset for
// its next use when destroyed.
class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, std::int64_t value);
    Statement& bind_optional(int index, const std::optional<std::string>& text);
    Statement& bind_optional(int index, const std::optional<std::int64_t>& value);
    Statement& bind_null(int index);

    // True while there is a row to read.
    bool step();
    void run() { while (step()) {} }

    [[nodiscard]] std::string text(int column) const;
    [[nodiscard]] std::optional<std::string> optional_text(int column) const;
    [[nodiscard]] std::int64_t integer(int column) const;
    [[nodiscard]] std::optional<std::int64_t> optional_integer(int column) const;

private:
    Database& db_;
    Database::Prepared* cached_ = nullptr;  // borrowed from the database
    std::unique_ptr<sqlite3_stmt, Database::Finalize> own_;  // when that one is busy (nested use)
    sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE: takes the write lock at once, so two writers wait for each
// other instead of one failing halfway. Rolls back unless committed.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace xcp::inventory
