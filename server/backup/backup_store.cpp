#include "server/backup/backup_store.hpp"

#include "libxcp/util/unique_fd.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <cstdio>
#include <fstream>

namespace xcp::backup {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view suffix = ".tar.zst";
constexpr std::size_t stamp_size = 20;  // 20261203T101500.123Z

[[noreturn]] void fail(const fs::path& file, const std::string& what)
{
    throw BackupError("backup " + file.string() + " " + what + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view bytes, const fs::path& file)
{
    while (!bytes.empty()) {
        const auto n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(file, "cannot be written");
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

// Written to a temporary name, fsynced, renamed over `file`: a reader (or a
// crash) sees the old file or the whole new one.
void write_atomically(const fs::path& file, std::string_view bytes)
{
    const auto temp = fs::path(file.string() + ".partial");
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!fd.valid()) {
        fail(temp, "cannot be created");
    }
    try {
        write_all(fd.get(), bytes, temp);
        if (::fsync(fd.get()) != 0) {
            fail(temp, "cannot be synced");
        }
        fd.reset();
        if (::rename(temp.c_str(), file.c_str()) != 0) {
            fail(file, "cannot be put in place");
        }
    } catch (...) {
        ::unlink(temp.c_str());
        throw;
    }
}

void sync_dir(const fs::path& dir)
{
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.valid()) {
        ::fsync(fd.get());
    }
}

std::string created_of(std::string_view id)
{
    // 20261203T101500.123Z -> 2026-12-03T10:15:00.123Z
    const auto s = id.substr(0, stamp_size);
    return std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" + std::string(s.substr(6, 2)) + "T" +
           std::string(s.substr(9, 2)) + ":" + std::string(s.substr(11, 2)) + ":" + std::string(s.substr(13, 6)) + "Z";
}

std::string first_word(const fs::path& file)
{
    std::ifstream in(file);
    std::string word;
    in >> word;
    return word;
}

}  // namespace

std::string backup_id(std::chrono::system_clock::time_point when, std::string_view sha256)
{
    const std::time_t t = std::chrono::system_clock::to_time_t(when);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03dZ-", static_cast<int>(ms));
    return std::string(stamp) + fraction + std::string(sha256.substr(0, 8));
}

bool is_backup_id(std::string_view text)
{
    if (text.size() != stamp_size + 9 || text[8] != 'T' || text[15] != '.' || text[19] != 'Z' || text[20] != '-') {
        return false;
    }
    const auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    const auto hex = text.substr(21);
    return digits(text.substr(0, 8)) && digits(text.substr(9, 6)) && digits(text.substr(16, 3)) &&
           std::all_of(hex.begin(), hex.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string> ids_past(std::vector<std::string> ids, std::size_t keep)
{
    std::sort(ids.begin(), ids.end(), std::greater<>());
    if (ids.size() <= keep) {
        return {};
    }
    return {ids.begin() + static_cast<std::ptrdiff_t>(keep), ids.end()};
}

BackupStore::BackupStore(fs::path dir, std::size_t keep) : dir_(std::move(dir)), keep_(std::max<std::size_t>(keep, 1)) {}

fs::path BackupStore::host_dir(const std::string& mac) const
{
    std::string name = mac;
    std::replace(name.begin(), name.end(), ':', '-');
    return dir_ / name;
}

StoredBackup BackupStore::store(const std::string& mac, std::string_view bytes, const std::string& sha256,
                                std::chrono::system_clock::time_point now)
{
    const auto dir = host_dir(mac);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        throw BackupError("backup directory " + dir.string() + " cannot be made: " + ec.message());
    }
    ::chmod(dir_.c_str(), 0700);
    StoredBackup b{backup_id(now, sha256), sha256, bytes.size(), {}};
    b.created = created_of(b.id);
    const auto archive = dir / (b.id + std::string(suffix));
    // The archive first, its digest second: a digest file always names a
    // whole archive; list() shows only archives that have one.
    write_atomically(archive, bytes);
    write_atomically(fs::path(archive.string() + ".sha256"), sha256 + "  " + archive.filename().string() + "\n");
    sync_dir(dir);
    std::vector<std::string> ids;
    for (const auto& kept : list(mac)) {
        if (kept.id != b.id) {  // never the one just kept, whatever the clock did
            ids.push_back(kept.id);
        }
    }
    for (const auto& old : ids_past(std::move(ids), keep_ - 1)) {
        const auto file = dir / (old + std::string(suffix));
        fs::remove(fs::path(file.string() + ".sha256"), ec);
        fs::remove(file, ec);
    }
    sync_dir(dir);
    return b;
}

std::vector<StoredBackup> BackupStore::list(const std::string& mac) const
{
    std::vector<StoredBackup> found;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(host_dir(mac), ec)) {
        const auto name = entry.path().filename().string();
        if (!name.ends_with(suffix) || !is_backup_id(std::string_view(name).substr(0, name.size() - suffix.size()))) {
            continue;  // .partial files, digests, anything an operator left
        }
        const auto digest = first_word(fs::path(entry.path().string() + ".sha256"));
        std::error_code size_ec;
        const auto size = fs::file_size(entry.path(), size_ec);
        if (digest.size() != 64 || size_ec) {
            continue;
        }
        StoredBackup b{name.substr(0, name.size() - suffix.size()), digest, size, {}};
        b.created = created_of(b.id);
        found.push_back(std::move(b));
    }
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
    return found;
}

std::optional<fs::path> BackupStore::file(const std::string& mac, const std::string& id) const
{
    if (!is_backup_id(id)) {
        return std::nullopt;
    }
    for (const auto& b : list(mac)) {
        if (b.id == id) {
            return host_dir(mac) / (id + std::string(suffix));
        }
    }
    return std::nullopt;
}

}  // namespace xcp::backup
