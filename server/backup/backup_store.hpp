// The archives upgrading installers send before they write anything: kept
// per host under the state directory, the newest N, each with its SHA-256
// beside it (`sha256sum -c` reads it). A file appears whole or not at all.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::backup {

struct StoredBackup {
    std::string id;  // "20261203T101500.123Z-1a2b3c4d": its time (UTC), then its SHA-256's start
    std::string sha256;
    std::uint64_t size = 0;
    std::string created;  // ISO 8601, UTC
    bool operator==(const StoredBackup&) const = default;
};

struct BackupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Pure: the id of an archive kept at `when` with digest `sha256`.
std::string backup_id(std::chrono::system_clock::time_point when, std::string_view sha256);
// Pure: whether `text` is the shape backup_id gives (what a URL may name).
bool is_backup_id(std::string_view text);
// Pure: of `ids` (any order), the ones past the newest `keep`.
std::vector<std::string> ids_past(std::vector<std::string> ids, std::size_t keep);

class BackupStore {
public:
    // `dir`: <state-dir>/backups, made on the first store.
    BackupStore(std::filesystem::path dir, std::size_t keep);

    // Writes `bytes` (whose SHA-256 the caller computed) as the host's
    // newest archive: a temporary file, fsynced, then renamed; then removes
    // the host's archives past the newest `keep`. Throws BackupError naming
    // the file.
    StoredBackup store(const std::string& mac, std::string_view bytes, const std::string& sha256,
                       std::chrono::system_clock::time_point now);

    // The host's archives, newest first; none for an unknown MAC.
    [[nodiscard]] std::vector<StoredBackup> list(const std::string& mac) const;
    // The archive's file, when the host has one of that id.
    [[nodiscard]] std::optional<std::filesystem::path> file(const std::string& mac, const std::string& id) const;

    [[nodiscard]] std::size_t keep() const { return keep_; }

private:
    [[nodiscard]] std::filesystem::path host_dir(const std::string& mac) const;

    std::filesystem::path dir_;
    std::size_t keep_;
};

}  // namespace xcp::backup
