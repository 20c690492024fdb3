// Where the inventory is: `--inventory URL` read into a location (pure), and
// the database opened there (the edge).
#pragma once

#include "server/inventory/database.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace xcp::inventory {

struct Location {
    enum class Backend { sqlite, postgresql };
    Backend backend = Backend::sqlite;
    std::filesystem::path file;  // SQLite
    bool in_state_dir = false;   // the default file, whose directory is made private
    std::string conninfo;        // PostgreSQL: the URL as given, for libpq
    std::string shown;           // the URL without its password: what logs and errors say
    bool has_password = false;   // a password in the URL itself
};

// "" (SQLite in `state_dir`), "sqlite:PATH", "sqlite:///PATH", or a
// PostgreSQL URL, "postgresql://" or "postgres://" as libpq reads them
// (`postgresql:///xcp?host=/run/postgresql&user=xcp`). Throws InventoryError
// with one sentence for anything else.
Location parse_location(std::string_view url, const std::filesystem::path& state_dir);

std::unique_ptr<Database> open_database(const Location& location, Reach reach = Reach::now);

// Creates the state directory when missing, and makes it the owner's only:
// it holds the API token (and the SQLite inventory when it is there).
void make_state_dir(const std::filesystem::path& state_dir);

}  // namespace xcp::inventory
