// An upgrade's backup archive sent to the xcp-pxe server that keeps it
// (POST .../hosts/<token>/backups), with its SHA-256 in X-Checksum-SHA256;
// the server answers with the SHA-256 of what it kept, compared here.
#pragma once

#include <chrono>
#include <string>

namespace xcp::installer {

struct KeptBackup {
    std::string id, sha256;
};

// Throws std::runtime_error with the sentence the operator reads when the
// server refuses, does not answer, or kept other bytes.
KeptBackup send_backup(const std::string& url, const std::string& archive, std::chrono::seconds timeout);

}  // namespace xcp::installer
