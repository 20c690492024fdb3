#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
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

// One connection to an SQLite file, set up for several processes writing at
// once (the daemon and the CLI): WAL journal, a busy timeout instead of
// SQLITE_BUSY, and full syncs so that a commit survives kill -9 and power loss.
class Database {
public:
    explicit Database(const std::filesystem::path& file);

    void execute(std::string_view sql);
    [[nodiscard]] sqlite3* handle() const { return db_.get(); }
    [[nodiscard]] const std::filesystem::path& file() const { return file_; }
    [[noreturn]] void fail(std::string_view doing) const;

private:
    struct Close {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    std::filesystem::path file_;
    std::unique_ptr<sqlite3, Close> db_;
};

// A prepared statement; bind by 1-based index, step, read columns.
class Statement {
public:
    Statement(Database& db, std::string_view sql);

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
    struct Finalize {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    Database& db_;
    std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
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
