// What a backup of a root holds, entry by entry: type, mode, owner, size,
// and a regular file's SHA-256 or a symlink's target. Recorded in the
// backup (.xen-backup-manifest) when it is made, checked against the copy
// before the old root is touched, and against the backup again before a
// restore. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::installer {

inline constexpr std::string_view backup_marker_name = ".xen-backup-partition";
inline constexpr std::string_view backup_manifest_name = ".xen-backup-manifest";
inline constexpr std::string_view backup_table_name = ".xen-gpt.bin";  // the reference's name, MBR too

struct ManifestEntry {
    char type = 'f';  // f d l c b p s
    std::uint32_t mode = 0;  // permission bits (07777)
    std::uint32_t uid = 0, gid = 0;
    std::uint64_t size = 0;  // regular files
    std::string digest;  // SHA-256 of a regular file, a symlink's target, else empty
    std::string path;    // relative: "etc/hosts"
    bool operator==(const ManifestEntry&) const = default;
};

struct Manifest {
    std::vector<ManifestEntry> entries;  // sorted by path
};

// One line per entry, tab-separated, paths and targets %-escaped.
std::string manifest_text(const Manifest& manifest);
// The manifest, or "line N: ..." when the text is not one.
std::variant<Manifest, std::string> parse_manifest(std::string_view text);

// What differs, as short phrases ("etc/hosts: SHA-256 differs"), at most
// `limit` of them; empty when `actual` matches `expected` exactly.
std::vector<std::string> manifest_differences(const Manifest& expected, const Manifest& actual,
                                              std::size_t limit = 8);

// A backup's own files (marker, manifest, saved table) and lost+found: not
// part of what is compared or restored.
bool backup_bookkeeping(std::string_view path);

}  // namespace xcp::installer
