// The connection the inventory talks SQL through: one interface, two
// backends (SQLite in the state directory, PostgreSQL for several servers).
// The inventory's SQL is written once, with ?N placeholders and what both
// dialects share; each backend keeps its own schema text and its own way of
// recording the schema's version.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace xcp::inventory {

// When the database must answer before anything else happens (the CLI).
// `later`: a server's, which starts and serves plain files while its
// database cannot be reached, and connects when it answers.
enum class Reach { now, later };

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

// The database cannot be reached (a PostgreSQL server down or restarting):
// the request may succeed later, and is answered 503, not 500.
class InventoryUnavailable : public InventoryError {
public:
    using InventoryError::InventoryError;
};

// One statement being run: bind by 1-based index, then step through rows.
class Cursor {
public:
    virtual ~Cursor() = default;
    virtual void bind(int index, std::string_view text) = 0;
    virtual void bind(int index, std::int64_t value) = 0;
    virtual void bind_null(int index) = 0;
    // True while there is a row to read.
    virtual bool step() = 0;
    // Rows the statement inserted, changed or deleted.
    [[nodiscard]] virtual std::int64_t changes() const = 0;
    [[nodiscard]] virtual bool is_null(int column) const = 0;
    [[nodiscard]] virtual std::string text(int column) const = 0;
    [[nodiscard]] virtual std::int64_t integer(int column) const = 0;
};

// Whether the database answers, for /metrics.
struct DatabaseHealth {
    bool up = true;
    std::uint64_t outages = 0;  // times it went from answering to not
};

class Database {
public:
    enum class Dialect { sqlite, postgresql };

    virtual ~Database() = default;
    [[nodiscard]] virtual Dialect dialect() const = 0;
    // "inventory /var/lib/xcp-pxe/inventory.sqlite", "inventory
    // postgresql://db1/xcp": what errors and logs name (never a password).
    [[nodiscard]] virtual const std::string& name() const = 0;

    virtual void execute(std::string_view sql) = 0;
    virtual std::unique_ptr<Cursor> cursor(std::string_view sql) = 0;

    // A write transaction: writers take turns (whichever server or process
    // they are in), so a read-change-write of one host is never interleaved.
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;

    // 0 for a database nothing has been written to.
    virtual int schema_version() = 0;
    virtual void set_schema_version(int version) = 0;
    virtual bool has_column(std::string_view table, std::string_view column) = 0;

    // A file is always there; a server may not be.
    [[nodiscard]] virtual DatabaseHealth health() const { return {}; }
};

// A statement on a database: the inventory's one way to run SQL.
class Statement {
public:
    Statement(Database& db, std::string_view sql) : cursor_(db.cursor(sql)) {}

    Statement& bind(int index, std::string_view text)
    {
        cursor_->bind(index, text);
        return *this;
    }
    Statement& bind(int index, std::int64_t value)
    {
        cursor_->bind(index, value);
        return *this;
    }
    Statement& bind_optional(int index, const std::optional<std::string>& text)
    {
        return text ? bind(index, std::string_view(*text)) : bind_null(index);
    }
    Statement& bind_optional(int index, const std::optional<std::int64_t>& value)
    {
        return value ? bind(index, *value) : bind_null(index);
    }
    Statement& bind_null(int index)
    {
        cursor_->bind_null(index);
        return *this;
    }

    bool step() { return cursor_->step(); }
    // Runs it to the end; returns the rows it changed.
    std::int64_t run()
    {
        while (cursor_->step()) {
        }
        return cursor_->changes();
    }

    [[nodiscard]] std::string text(int column) const { return cursor_->text(column); }
    [[nodiscard]] std::optional<std::string> optional_text(int column) const
    {
        return cursor_->is_null(column) ? std::nullopt : std::optional<std::string>(cursor_->text(column));
    }
    [[nodiscard]] std::int64_t integer(int column) const { return cursor_->integer(column); }
    [[nodiscard]] std::optional<std::int64_t> optional_integer(int column) const
    {
        return cursor_->is_null(column) ? std::nullopt : std::optional<std::int64_t>(cursor_->integer(column));
    }

private:
    std::unique_ptr<Cursor> cursor_;
};

// Rolls back unless committed.
class Transaction {
public:
    explicit Transaction(Database& db) : db_(db) { db_.begin(); }
    ~Transaction()
    {
        if (!done_) {
            db_.rollback();
        }
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit()
    {
        db_.commit();
        done_ = true;
    }

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace xcp::inventory
