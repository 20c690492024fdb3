#include "server/inventory/schema.hpp"

#include <string>

namespace xcp::inventory {
namespace {

// 1: hosts, events, leases. 2: events.repeats. 3: releases. 4: events.bytes
// and duration_ms, stalls, host_logs. 5: servers, events.server,
// hosts.seen_by.
constexpr int schema_version = 5;

// Columns added to a table since schema 1, each added when it is missing.
struct AddedColumn {
    const char* table;
    const char* column;
    const char* sqlite_type;
    const char* postgres_type;
};
constexpr AddedColumn added_columns[] = {
    {"events", "repeats", "INTEGER NOT NULL DEFAULT 1", "BIGINT NOT NULL DEFAULT 1"},
    {"events", "bytes", "INTEGER", "BIGINT"},
    {"events", "duration_ms", "INTEGER", "BIGINT"},
    {"events", "server", "TEXT", "TEXT"},
    {"hosts", "seen_by", "TEXT NOT NULL DEFAULT ''", "TEXT NOT NULL DEFAULT ''"},
};

constexpr const char* sqlite_schema = R"sql(
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
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  mac     TEXT NOT NULL REFERENCES hosts(mac) ON DELETE CASCADE,
  at      TEXT NOT NULL,
  source  TEXT NOT NULL,
  step    TEXT NOT NULL DEFAULT '',
  percent INTEGER,
  message TEXT NOT NULL DEFAULT '',
  final   TEXT,
  repeats INTEGER NOT NULL DEFAULT 1,
  bytes   INTEGER,
  duration_ms INTEGER,
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
  ip      INTEGER PRIMARY KEY,
  mac     TEXT NOT NULL,
  expires INTEGER NOT NULL,
  state   TEXT NOT NULL
);
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
// The same tables in PostgreSQL's types: 64-bit where SQLite's INTEGER is
// (an IPv4 address, a byte count), and one writer's id sequence per table.
constexpr const char* postgres_schema = R"sql(
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
  id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  mac     TEXT NOT NULL REFERENCES hosts(mac) ON DELETE CASCADE,
  at      TEXT NOT NULL,
  source  TEXT NOT NULL,
  step    TEXT NOT NULL DEFAULT '',
  percent INTEGER,
  message TEXT NOT NULL DEFAULT '',
  final   TEXT,
  repeats BIGINT NOT NULL DEFAULT 1,
  bytes   BIGINT,
  duration_ms BIGINT,
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
  ip      BIGINT PRIMARY KEY,
  mac     TEXT NOT NULL,
  expires BIGINT NOT NULL,
  state   TEXT NOT NULL
);
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
        const bool sqlite = db.dialect() == Database::Dialect::sqlite;
        for (const auto& added : added_columns) {
            if (!db.has_column(added.table, added.column)) {
                db.execute(std::string("ALTER TABLE ") + added.table + " ADD COLUMN " + added.column + " " +
                           (sqlite ? added.sqlite_type : added.postgres_type));
            }
        }
    }
    db.execute(db.dialect() == Database::Dialect::sqlite ? sqlite_schema : postgres_schema);
    if (found != schema_version) {
        db.set_schema_version(schema_version);
    }
    t.commit();
}

}  // namespace xcp::inventory
