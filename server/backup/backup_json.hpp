// A host's kept backups as the admin API and `host backups --json` show them.
#pragma once

#include "server/backup/backup_store.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace xcp::backup {

nlohmann::json backups_json(const std::string& mac, const std::vector<StoredBackup>& backups, std::size_t keep);

}  // namespace xcp::backup
