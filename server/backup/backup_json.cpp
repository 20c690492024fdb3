#include "server/backup/backup_json.hpp"

namespace xcp::backup {

nlohmann::json backups_json(const std::string& mac, const std::vector<StoredBackup>& backups, std::size_t keep)
{
    auto list = nlohmann::json::array();
    for (const auto& b : backups) {
        list.push_back({{"id", b.id}, {"created", b.created}, {"size", b.size}, {"sha256", b.sha256}});
    }
    return {{"mac", mac}, {"keep", keep}, {"backups", std::move(list)}};
}

}  // namespace xcp::backup
