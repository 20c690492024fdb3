#include "server/inventory/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace xcp::inventory {

namespace {

// The inventory holds root-password hashes and live host tokens. SQLite makes
// its -wal and -shm files with the database's own mode, so the database is
// made 0600 before SQLite first touches it (an empty file is an empty
// database), and files an older version left readable are closed.
//
// An existing database is changed by path only, never opened here: closing
// any descriptor of the file drops every POSIX lock this process holds on
// it, including those of a connection already open (the DHCP helper's
// inventory is a second one). Another process then takes itself for the
// last user, checkpoints and deletes the WAL under us, and our writes from
// then on are seen by nobody else (found by the e2e test: the CLI stopped
// seeing the server's events).
void make_private(const std::filesystem::path& file)
{
    struct stat st {};
    if (::lstat(file.c_str(), &st) != 0) {
        const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::close(fd);  // new: nobody holds a lock on it yet
        }
        return;  // otherwise SQLite's open says why, with the file's name
    }
    for (const auto& path : {file.string(), file.string() + "-wal", file.string() + "-shm"}) {
        if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
            st.st_uid == ::geteuid()) {
            (void)::chmod(path.c_str(), 0600);
        }
    }
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::filesystem::path& file) : file_(file), name_("inventory " + file.string())
{
    make_private(file);
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(file.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    db_.reset(raw);
    if (rc != SQLITE_OK) {
        fail("open");
    }
    // A writer holding the lock (the other process) makes us wait, not fail.
    sqlite3_busy_timeout(db_.get(), 10000);
    execute("PRAGMA journal_mode=WAL");
    execute("PRAGMA synchronous=FULL");
    execute("PRAGMA foreign_keys=ON");
}

void SqliteDatabase::fail(std::string_view doing) const
{
    const char* message = db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
    throw InventoryError(name_ + ": cannot " + std::string(doing) + ": " + message);
}

void SqliteDatabase::execute(std::string_view sql)
{
    char* error = nullptr;
    if (sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw InventoryError(name_ + ": " + message);
    }
}

void SqliteDatabase::rollback() noexcept
{
    try {
        execute("ROLLBACK");
    } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to undo
    }
}

int SqliteDatabase::schema_version()
{
    Statement version(*this, "PRAGMA user_version");
    version.step();
    return static_cast<int>(version.integer(0));
}

void SqliteDatabase::set_schema_version(int version)
{
    execute("PRAGMA user_version=" + std::to_string(version));
}

bool SqliteDatabase::has_column(std::string_view table, std::string_view column)
{
    Statement has(*this, "SELECT 1 FROM pragma_table_info(?1) WHERE name=?2");
    has.bind(1, table).bind(2, column);
    return has.step();
}

SqliteDatabase::Prepared& SqliteDatabase::prepared(std::string_view sql)
{
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &raw,
                               nullptr) != SQLITE_OK) {
            fail("prepare a statement");
        }
        it = statements_.emplace(std::string(sql), Prepared{}).first;
        it->second.stmt.reset(raw);
    }
    return it->second;
}

namespace {

class SqliteCursor final : public Cursor {
public:
    SqliteCursor(SqliteDatabase& db, std::string_view sql) : db_(db)
    {
        auto& cached = db.prepared(sql);
        if (!cached.in_use) {
            cached.in_use = true;
            cached_ = &cached;
            stmt_ = cached.stmt.get();
            return;
        }
        sqlite3_stmt* raw = nullptr;  // that one is busy (nested use)
        if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
            db.fail("prepare a statement");
        }
        own_.reset(raw);
        stmt_ = raw;
    }
    ~SqliteCursor() override
    {
        if (cached_ != nullptr) {
            sqlite3_reset(stmt_);
            sqlite3_clear_bindings(stmt_);
            cached_->in_use = false;
        }
    }
    SqliteCursor(const SqliteCursor&) = delete;
    SqliteCursor& operator=(const SqliteCursor&) = delete;

    void bind(int index, std::string_view text) override
    {
        check(sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT));
    }
    void bind(int index, std::int64_t value) override { check(sqlite3_bind_int64(stmt_, index, value)); }
    void bind_null(int index) override { check(sqlite3_bind_null(stmt_, index)); }

    bool step() override
    {
        const int rc = sqlite3_step(stmt_);
        if (rc == SQLITE_ROW) {
            return true;
        }
        if (rc == SQLITE_DONE) {
            changes_ = sqlite3_changes64(db_.handle());
            return false;
        }
        db_.fail("read or write");
    }
    [[nodiscard]] std::int64_t changes() const override { return changes_; }
    [[nodiscard]] bool is_null(int column) const override
    {
        return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
    }
    [[nodiscard]] std::string text(int column) const override
    {
        const auto* p = sqlite3_column_text(stmt_, column);
        return p ? std::string(reinterpret_cast<const char*>(p),
                               static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
                 : std::string();
    }
    [[nodiscard]] std::int64_t integer(int column) const override { return sqlite3_column_int64(stmt_, column); }

private:
    void check(int rc)
    {
        if (rc != SQLITE_OK) {
            db_.fail("bind a value");
        }
    }
    SqliteDatabase& db_;
    SqliteDatabase::Prepared* cached_ = nullptr;  // borrowed from the database
    std::unique_ptr<sqlite3_stmt, SqliteDatabase::Finalize> own_;
    sqlite3_stmt* stmt_ = nullptr;
    std::int64_t changes_ = 0;
};

}  // namespace

std::unique_ptr<Cursor> SqliteDatabase::cursor(std::string_view sql)
{
    return std::make_unique<SqliteCursor>(*this, sql);
}

}  // namespace xcp::inventory
