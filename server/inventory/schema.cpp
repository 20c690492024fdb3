#include "server/inventory/schema.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace xcp::inventory {
namespace {

// 1: hosts, events, leases. 2: events.repeats. 3: releases. 4: events.bytes
// and duration_ms, stalls, host_logs. 5: servers, events.server,
// hosts.seen_by.
constexpr int schema_version = 5;

// Columns added to a table since schema 1, each added when it is missing
// (types as in schema_text).
struct AddedColumn {
    const char* table;
    const char* column;
    const char* type;
};
constexpr AddedColumn added_columns[] = {
    {"events", "repeats", "$INT64 NOT NULL DEFAULT 1"},
    {"events", "bytes", "$INT64"},
    {"events", "duration_ms", "$INT64"},
    {"events", "server", "TEXT"},
    {"hosts", "seen_by", "TEXT NOT NULL DEFAULT ''"},
};

// Both backends' tables: $ID is the events' own id, $INT64 a 64-bit integer
// (an IPv4 address, a byte count), which PostgreSQL's INTEGER is not.
constexpr std::string_view schema_text = R"sql(
CREATE TABLE IF NOT EXISTS hosts (
  mac       TEXT PRIMARY KEY,
  hostname  TEXT NOT NULL DEFAULT '',
  profile   TEXT NOT NULL,
  vars      TEXT NOT NULL DEFAULT '{}',
  next_mode TEXT NOT NULL,
  netboot   INTEGER NOT NULL,
  state     TEXT NOT NULL,
  percent   INTEGER,
  step      TEXT NOT NULL DEFAULT '',
  reason    TEXT NOT NULL DEFAULT '',
  release   TEXT NOT NULL DEFAULT '',
  token     TEXT UNIQUE,
  created   TEXT NOT NULL,
  updated   TEXT NOT NULL,
  seen_by   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS events (
  id      $ID,
  mac     TEXT NOT NULL REFERENCES hosts(mac) ON DELETE CASCADE,
  at      TEXT NOT NULL,
  source  TEXT NOT NULL,
  step    TEXT NOT NULL DEFAULT '',
  percent INTEGER,
  message TEXT NOT NULL DEFAULT '',
  final   TEXT,
  repeats $INT64 NOT NULL DEFAULT 1,
  bytes   $INT64,
  duration_ms $INT64,
  server  TEXT
);
CREATE INDEX IF NOT EXISTS events_by_mac ON events(mac, id);
CREATE TABLE IF NOT EXISTS stalls (
  mac   TEXT PRIMARY KEY REFERENCES hosts(mac) ON DELETE CASCADE,
  since TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS host_logs (
  mac    TEXT PRIMARY KEY REFERENCES hosts(mac) ON DELETE CASCADE,
  at     TEXT NOT NULL,
  source TEXT NOT NULL,
  text   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
  ip      $INT64 PRIMARY KEY,
  mac     TEXT NOT NULL,
  expires $INT64 NOT NULL,
  state   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS leases_by_mac ON leases(mac);
CREATE TABLE IF NOT EXISTS releases (
  name       TEXT PRIMARY KEY,
  kind       TEXT NOT NULL,
  product    TEXT NOT NULL DEFAULT '',
  version    TEXT NOT NULL DEFAULT '',
  build      TEXT NOT NULL DEFAULT '',
  era        TEXT NOT NULL DEFAULT '',
  xen        TEXT NOT NULL DEFAULT '',
  kernel     TEXT NOT NULL,
  image      TEXT NOT NULL,
  efi        INTEGER NOT NULL DEFAULT 0,
  repository TEXT NOT NULL DEFAULT '',
  identity   TEXT NOT NULL DEFAULT '',
  digest     TEXT NOT NULL,
  checksums  TEXT NOT NULL DEFAULT '{}',
  imported   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS servers (
  name      TEXT PRIMARY KEY,
  segment   TEXT NOT NULL DEFAULT '',
  address   TEXT NOT NULL DEFAULT '',
  started   TEXT NOT NULL,
  heartbeat TEXT NOT NULL
);
)sql";


// `sql` in the database's own types.
std::string in_types_of(const Database& db, std::string_view sql)
{
    const bool sqlite = db.dialect() == Database::Dialect::sqlite;
    std::string out(sql);
    for (const auto& [name, type] :
         {std::pair<std::string_view, std::string_view>{"$ID", sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                                                      : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"},
          {"$INT64", sqlite ? "INTEGER" : "BIGINT"}}) {
        for (auto at = out.find(name); at != std::string::npos; at = out.find(name, at + type.size())) {
            out.replace(at, name.size(), type);
        }
    }
    return out;
}

}  // namespace

void migrate(Database& db)
{
    Transaction t(db);
    const auto found = db.schema_version();
    if (found > schema_version) {
        throw InventoryError(db.name() + " was written by a newer xcp-pxe (schema " + std::to_string(found) +
                             ", this one knows " + std::to_string(schema_version) + "); upgrade this xcp-pxe");
    }
    if (found >= 1) {
        for (const auto& added : added_columns) {
            if (!db.has_column(added.table, added.column)) {
                db.execute(in_types_of(db, std::string("ALTER TABLE ") + added.table + " ADD COLUMN " +
                                               added.column + " " + added.type));
            }
        }
    }
    db.execute(in_types_of(db, schema_text));
    if (found != schema_version) {
        db.set_schema_version(schema_version);
    }
    t.commit();
}

}  // namespace xcp::inventory
