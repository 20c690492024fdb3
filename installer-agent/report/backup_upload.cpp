#include "installer-agent/report/backup_upload.hpp"

#include "installer-agent/report/progress.hpp"
#include "libxcp/checksum/digest.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace xcp::installer {

KeptBackup send_backup(const std::string& url, const std::string& archive, std::chrono::seconds timeout)
{
    const auto sha256 = checksum::hex_of(checksum::Algorithm::sha256, archive);
    const auto posted =
        post_event(url, archive, timeout, "application/zstd", {{"X-Checksum-SHA256", sha256}});
    if (!posted.problem.empty()) {
        std::string why = posted.problem;
        if (posted.status != 0) {
            // The server's sentence, not its JSON.
            const auto body = nlohmann::json::parse(posted.body, nullptr, false);
            if (body.is_object() && body.contains("error") && body["error"].is_string()) {
                why = "the server answered " + std::to_string(posted.status) + ": " + body["error"].get<std::string>();
            }
        }
        throw std::runtime_error("the backup was not kept by the server (" + why + ")");
    }
    const auto body = nlohmann::json::parse(posted.body, nullptr, false);
    if (!body.is_object() || !body.contains("sha256") || !body["sha256"].is_string() || !body.contains("id") ||
        !body["id"].is_string()) {
        throw std::runtime_error("the server's answer to the backup names no SHA-256: it may not have kept it");
    }
    const auto kept = body["sha256"].get<std::string>();
    if (kept != sha256) {
        throw std::runtime_error("the server kept a backup with SHA-256 " + kept.substr(0, 64) + ", not the " + sha256 +
                                 " that was sent");
    }
    return {body["id"].get<std::string>(), kept};
}

}  // namespace xcp::installer
