// The inventory's tables, one schema with a version on both backends: made
// when missing, an older one migrated (columns added where missing), a newer
// one refused with one sentence.
#pragma once

#include "server/inventory/database.hpp"

namespace xcp::inventory {

// In one write transaction, so that two servers starting at once take turns.
// Throws InventoryError for a schema newer than this xcp-pxe knows.
void migrate(Database& db);

}  // namespace xcp::inventory
