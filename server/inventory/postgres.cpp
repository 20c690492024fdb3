#include "server/inventory/postgres.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <vector>

namespace xcp::inventory {

namespace {

// Any constant will do, as long as every xcp-pxe uses the same one ("xcpp").
constexpr long long writer_lock = 0x78637070;

std::string one_line(std::string text)
{
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    std::string out;
    for (const char c : text) {
        const bool space = c == '\n' || c == '\t';
        if (!(space && !out.empty() && out.back() == ' ')) {
            out += space ? ' ' : c;
        }
    }
    return out;
}

}  // namespace

struct PostgresDatabase::Connection {
    explicit Connection(const std::string& conninfo) : link(conninfo) {}
    pqxx::connection link;
    std::optional<pqxx::work> work;  // while a write transaction is open
    std::map<std::string, std::string, std::less<>> prepared;  // SQL -> statement name

    template <typename Run>
    pqxx::result run(Run&& run)
    {
        if (work) {
            return run(static_cast<pqxx::transaction_base&>(*work));
        }
        pqxx::nontransaction once(link);
        return run(static_cast<pqxx::transaction_base&>(once));
    }
};

std::string postgres_placeholders(std::string_view sql)
{
    std::string out;
    out.reserve(sql.size() + 8);
    char quote = 0;
    for (const char c : sql) {
        if (quote != 0) {
            quote = c == quote ? 0 : quote;
        } else if (c == '\'' || c == '"') {
            quote = c;
        } else if (c == '?') {
            out += '$';
            continue;
        }
        out += c;
    }
    return out;
}

PostgresDatabase::PostgresDatabase(std::string conninfo, std::string shown, bool reach_later)
    : conninfo_(std::move(conninfo)), name_("inventory " + std::move(shown))
{
    try {
        connection();
    } catch (const InventoryUnavailable& e) {
        if (!reach_later) {
            throw;
        }
        spdlog::error("{}", e.what());
    }
}

PostgresDatabase::~PostgresDatabase() = default;

PostgresDatabase::Connection& PostgresDatabase::connection()
{
    if (connection_ && !connection_->link.is_open()) {
        connection_.reset();
        went_down();
    }
    if (!connection_) {
        const auto now = std::chrono::steady_clock::now();
        if (down_ && now < retry_at_) {
            throw InventoryUnavailable(name_ + " cannot be reached; the next try is in " +
                                       std::to_string(std::chrono::ceil<std::chrono::seconds>(retry_at_ - now).count()) +
                                       " s");
        }
        try {
            connection_ = std::make_unique<Connection>(conninfo_);
        } catch (const std::exception& e) {
            went_down();
            throw InventoryUnavailable(name_ + " cannot be reached: " + one_line(e.what()));
        }
        if (down_) {
            spdlog::info("{} answers again", name_);
            down_ = false;
            backoff_ = {};
        }
    }
    return *connection_;
}

void PostgresDatabase::went_down()
{
    if (!down_) {
        down_ = true;
        ++outages_;
        backoff_ = std::chrono::milliseconds(500);
        spdlog::error("{} cannot be reached: requests that need it get 503 until it answers again", name_);
    } else {
        backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, std::chrono::seconds(10));
    }
    retry_at_ = std::chrono::steady_clock::now() + backoff_;
}

void PostgresDatabase::fail(const std::exception& e, std::string_view doing)
{
    const bool broken = dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr;
    const bool in_doubt = dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr;
    if (broken || in_doubt || (connection_ && !connection_->link.is_open())) {
        connection_.reset();
        went_down();
        throw InventoryUnavailable(in_doubt ? name_ + " was lost during a commit, which may or may not have been made"
                                            : name_ + " was lost while it was asked to " + std::string(doing) + ": " +
                                                  one_line(e.what()));
    }
    throw InventoryError(name_ + ": cannot " + std::string(doing) + ": " + one_line(e.what()));
}

void PostgresDatabase::execute(std::string_view sql)
{
    auto& c = connection();
    try {
        c.run([&](pqxx::transaction_base& t) { return t.exec(std::string(sql)); });
    } catch (const std::exception& e) {
        fail(e, "run a statement");
    }
}

void PostgresDatabase::begin()
{
    auto& c = connection();
    try {
        c.work.emplace(c.link);
        c.work->exec("SELECT pg_advisory_xact_lock(" + std::to_string(writer_lock) + ")");
    } catch (const std::exception& e) {
        if (connection_) {
            connection_->work.reset();
        }
        fail(e, "begin a transaction");
    }
}

void PostgresDatabase::commit()
{
    auto& c = connection();
    if (!c.work) {
        throw InventoryError(name_ + ": commit without a transaction");
    }
    try {
        c.work->commit();
        c.work.reset();
    } catch (const std::exception& e) {
        if (connection_) {
            connection_->work.reset();
        }
        fail(e, "commit");
    }
}

void PostgresDatabase::rollback() noexcept
{
    if (connection_) {
        try {
            connection_->work.reset();  // aborts
        } catch (...) {  // NOLINT(bugprone-empty-catch): a lost connection rolls back by itself
        }
    }
}

int PostgresDatabase::schema_version()
{
    Statement exists(*this, "SELECT to_regclass('xcp_schema') IS NOT NULL");
    exists.step();
    if (exists.text(0) != "t") {
        return 0;
    }
    Statement version(*this, "SELECT version FROM xcp_schema");
    return version.step() ? static_cast<int>(version.integer(0)) : 0;
}

void PostgresDatabase::set_schema_version(int version)
{
    execute("CREATE TABLE IF NOT EXISTS xcp_schema (version INTEGER NOT NULL)");
    execute("DELETE FROM xcp_schema");
    execute("INSERT INTO xcp_schema (version) VALUES (" + std::to_string(version) + ")");
}

bool PostgresDatabase::has_column(std::string_view table, std::string_view column)
{
    Statement has(*this, "SELECT 1 FROM information_schema.columns WHERE table_schema=current_schema() AND "
                         "table_name=?1 AND column_name=?2");
    has.bind(1, table).bind(2, column);
    return has.step();
}

namespace {

class PostgresCursor final : public Cursor {
public:
    PostgresCursor(PostgresDatabase& db, std::string_view sql) : db_(db)
    {
        auto& c = db.connection();
        auto it = c.prepared.find(sql);
        if (it == c.prepared.end()) {
            auto statement = "s" + std::to_string(c.prepared.size() + 1);
            try {
                c.link.prepare(statement, postgres_placeholders(sql));
            } catch (const std::exception& e) {
                db.fail(e, "prepare a statement");
            }
            it = c.prepared.emplace(std::string(sql), std::move(statement)).first;
        }
        statement_ = it->second;
    }

    void bind(int index, std::string_view text) override
    {
        if (text.find('\0') != std::string_view::npos) {
            throw InventoryError(db_.name() + ": a text value holds a NUL byte, which PostgreSQL cannot store");
        }
        slot(index) = std::string(text);
    }
    void bind(int index, std::int64_t value) override { slot(index) = std::to_string(value); }
    void bind_null(int index) override { slot(index).reset(); }

    bool step() override
    {
        if (!result_) {
            std::vector<const char*> values;
            values.reserve(params_.size());
            for (const auto& p : params_) {
                values.push_back(p ? p->c_str() : nullptr);
            }
            try {
                result_ = db_.connection().run([&](pqxx::transaction_base& t) {
                    return t.exec_prepared(statement_, pqxx::prepare::make_dynamic_params(values));
                });
            } catch (const InventoryError&) {
                throw;
            } catch (const std::exception& e) {
                db_.fail(e, "read or write");
            }
            row_ = 0;
        } else {
            ++row_;
        }
        return row_ < result_->size();
    }
    [[nodiscard]] std::int64_t changes() const override
    {
        return result_ ? static_cast<std::int64_t>(result_->affected_rows()) : 0;
    }
    [[nodiscard]] bool is_null(int column) const override { return field(column).is_null(); }
    [[nodiscard]] std::string text(int column) const override
    {
        const auto f = field(column);
        return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
    }
    [[nodiscard]] std::int64_t integer(int column) const override
    {
        const auto f = field(column);
        if (f.is_null()) {
            return 0;
        }
        const std::string_view v(f.c_str(), f.size());
        if (v == "t" || v == "f") {  // a boolean expression
            return v == "t" ? 1 : 0;
        }
        return f.as<std::int64_t>();
    }

private:
    std::optional<std::string>& slot(int index)
    {
        const auto i = static_cast<std::size_t>(index - 1);
        if (params_.size() <= i) {
            params_.resize(i + 1);
        }
        return params_[i];
    }
    [[nodiscard]] pqxx::field field(int column) const
    {
        return (*result_)[static_cast<pqxx::result::size_type>(row_)][static_cast<pqxx::row::size_type>(column)];
    }

    PostgresDatabase& db_;
    std::string statement_;
    std::vector<std::optional<std::string>> params_;
    std::optional<pqxx::result> result_;
    std::size_t row_ = 0;
};

}  // namespace

std::unique_ptr<Cursor> PostgresDatabase::cursor(std::string_view sql)
{
    return std::make_unique<PostgresCursor>(*this, sql);
}

}  // namespace xcp::inventory
