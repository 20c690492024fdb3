// A tree on the local filesystem (an old root copied out, a backup read
// back) as a manifest: what is compared and what carry-over chooses from.
#pragma once

#include "installer-agent/upgrade/backup_manifest.hpp"

#include <filesystem>
#include <map>
#include <string>

namespace xcp::installer {

// Every entry below `root` but the backup's bookkeeping, without following
// symlinks; with `digests`, each regular file's SHA-256. Throws
// std::runtime_error naming the entry that cannot be read.
Manifest scan_tree(const std::filesystem::path& root, bool digests);

// Path -> type, for select_carry_over.
std::map<std::string, char> tree_types(const Manifest& manifest);

}  // namespace xcp::installer
