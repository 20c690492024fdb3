// What an upgrade sends its xcp-pxe server before it writes anything: the
// old root's carry-over entries (as the carry-over table selects them, at
// their old paths) and the files that say who the host is, as a tar archive
// compressed with zstd. Applied later the way carry-over reads an old root.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace xcp::installer {

struct BackupArchive {
    std::string bytes;
    std::size_t entries = 0;
};

// Beyond the table: the accounts the carried owners are remapped by, and
// root's password hash.
inline constexpr const char* backup_archive_extras[] = {"etc/passwd", "etc/group", "etc/shadow"};

// Reads `old_root` (a copy on the local filesystem). Throws
// std::runtime_error naming the entry that cannot be read or archived.
BackupArchive make_backup_archive(const std::filesystem::path& old_root);

// An archive the server sent back, unpacked into `dest` (emptied first) as
// an install unpacks a package (unpack/archive_sink.hpp): modes, owners and
// symlinks kept, entries that would land outside it refused. Returns the
// entries. Throws std::runtime_error naming the entry.
std::size_t unpack_backup_archive(const std::string& bytes, const std::filesystem::path& dest);

}  // namespace xcp::installer
