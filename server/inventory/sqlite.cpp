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

Database::Database(const std::filesystem::path& file) : file_(file)
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

void Database::fail(std::string_view doing) const
{
    const char* message = db_ ? sqlite3_errmsg(db_.get()) : "out of memory";
    throw InventoryError("inventory " + file_.string() + ": cannot " + std::string(doing) + ": " + message);
}

void Database::execute(std::string_view sql)
{
    char* error = nullptr;
    if (sqlite3_exec(db_.get(), std::string(sql).c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw InventoryError("inventory " + file_.string() + ": " + message);
    }
}

Database::Prepared& Database::prepared(std::string_view sql)
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

Statement::Statement(Database& db, std::string_view sql) : db_(db)
{
    auto& cached = db.prepared(sql);
    if (!cached.in_use) {
        cached.in_use = true;
        cached_ = &cached;
        stmt_ = cached.stmt.get();
        return;
    }
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
        db.fail("prepare a statement");
    }
    own_.reset(raw);
    stmt_ = raw;
}

Statement::~Statement()
{
    if (cached_ != nullptr) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        cached_->in_use = false;
    }
}

Statement& Statement::bind(int index, std::string_view text)
{
    if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK) {
        db_.fail("bind a value");
    }
    return *this;
}

Statement& Statement::bind(int index, std::int64_t value)
{
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
        db_.fail("bind a value");
    }
    return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& text)
{
    return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Statement& Statement::bind_optional(int index, const std::optional<std::int64_t>& value)
{
    return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_null(int index)
{
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) {
        db_.fail("bind a value");
    }
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    db_.fail("read or write");
}

std::string Statement::text(int column) const
{
    const auto* p = sqlite3_column_text(stmt_, column);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
             : std::string();
}

std::optional<std::string> Statement::optional_text(int column) const
{
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return text(column);
}

std::int64_t Statement::integer(int column) const
{
    return sqlite3_column_int64(stmt_, column);
}

std::optional<std::int64_t> Statement::optional_integer(int column) const
{
    if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) {
        return std::nullopt;
    }
    return integer(column);
}

Transaction::Transaction(Database& db) : db_(db)
{
    db_.execute("BEGIN IMMEDIATE");
}

Transaction::~Transaction()
{
    if (!done_) {
        try {
            db_.execute("ROLLBACK");
        } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to undo
        }
    }
}

void Transaction::commit()
{
    db_.execute("COMMIT");
    done_ = true;
}

}  // namespace xcp::inventory
