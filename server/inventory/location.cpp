#include "server/inventory/location.hpp"

#include "server/inventory/postgres.hpp"
#include "server/inventory/sqlite.hpp"

#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/url.hpp>

#include <sys/stat.h>
#include <unistd.h>

namespace xcp::inventory {

namespace {

bool starts_with(std::string_view text, std::string_view prefix)
{
    return text.substr(0, prefix.size()) == prefix;
}

Location postgresql(std::string_view text)
{
    const auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        throw InventoryError("--inventory " + std::string(text.substr(0, text.find(':'))) +
                             "://...: not a URL (" + parsed.error().message() + ")");
    }
    boost::urls::url url(*parsed);
    Location l;
    l.backend = Location::Backend::postgresql;
    l.conninfo = std::string(text);
    url.remove_fragment();
    l.has_password = url.has_password();
    url.remove_password();
    // The query's parameters one by one, as libpq reads them (keys
    // percent-decoded); not through url.params(), whose iterator Boost 1.81
    // runs past the end of an empty query before a fragment (found by
    // inventory_url_fuzz).
    std::string_view query = url.encoded_query();
    std::string kept;
    while (true) {
        const auto amp = query.find('&');
        const auto segment = query.substr(0, amp);
        const auto key = boost::urls::pct_string_view(segment.substr(0, segment.find('='))).decode();
        if (key == "password") {
            l.has_password = true;
        } else if (!segment.empty()) {
            kept += (kept.empty() ? "" : "&") + std::string(segment);
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    if (url.has_query()) {
        if (kept.empty()) {
            url.remove_query();
        } else {
            url.set_encoded_query(kept);
        }
    }
    l.shown = std::string(url.buffer());
    return l;
}

}  // namespace

Location parse_location(std::string_view url, const std::filesystem::path& state_dir)
{
    if (url.empty()) {
        Location l;
        l.file = state_dir / "inventory.sqlite";
        l.in_state_dir = true;
        l.shown = l.file.string();
        return l;
    }
    if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
        return postgresql(url);
    }
    if (starts_with(url, "sqlite:")) {
        auto path = url.substr(7);
        if (starts_with(path, "//")) {
            path.remove_prefix(2);  // sqlite:///var/lib/x.sqlite
        }
        if (path.empty() || path.front() != '/') {
            throw InventoryError("--inventory " + std::string(url) +
                                 ": an SQLite inventory is named by its absolute path (sqlite:///var/lib/...)");
        }
        Location l;
        l.file = std::filesystem::path(path);
        l.shown = l.file.string();
        return l;
    }
    throw InventoryError("--inventory " + std::string(url.substr(0, 40)) +
                         ": not an inventory URL; use postgresql://... or sqlite:///PATH");
}

void make_state_dir(const std::filesystem::path& state_dir)
{
    std::error_code ec;
    std::filesystem::create_directories(state_dir, ec);
    if (!std::filesystem::is_directory(state_dir)) {
        throw InventoryError("state directory " + state_dir.string() + " cannot be created" +
                             (ec ? ": " + ec.message() : ""));
    }
    // It holds the API token, the inventory and its journal: the owner's
    // only, whoever made it. (Another user's CLI cannot change it, and
    // need not.)
    struct stat st {};
    if (::stat(state_dir.c_str(), &st) == 0 && (st.st_mode & 077) != 0 && st.st_uid == ::geteuid()) {
        ::chmod(state_dir.c_str(), 0700);
    }
}

std::unique_ptr<Database> open_database(const Location& location, Reach reach)
{
    if (location.backend == Location::Backend::postgresql) {
        return std::make_unique<PostgresDatabase>(location.conninfo, location.shown, reach == Reach::later);
    }
    if (location.in_state_dir) {
        make_state_dir(location.file.parent_path());
    }
    return std::make_unique<SqliteDatabase>(location.file);
}

}  // namespace xcp::inventory
