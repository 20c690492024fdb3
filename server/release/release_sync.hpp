// A release recorded in the shared inventory but imported on another
// server: its files fetched from that server over HTTP (the boot files from
// /boot/releases/NAME/, the repository from /releases/NAME/), each checked
// against the record's SHA-256 as it streams, then both folders renamed into
// place as an import places them. Nothing is placed unless every file
// matched.
#pragma once

#include "server/inventory/release.hpp"
#include "server/release/release_store.hpp"
#include "libxcp/repository/verify.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace xcp::release {

struct SyncFile {
    std::string url_path;  // on the other server: boot/releases/NAME/X or releases/NAME/X
    bool boot = false;     // under the TFTP root (else the HTTP root)
    std::string relative;  // X, under releases/NAME/ of that root
    std::string sha256;
};

// What to fetch, from the record alone. Throws ReleaseError for a recorded
// path that would leave the release's folders, or a release without files.
std::vector<SyncFile> plan_sync(const inventory::Release& release);

struct SyncResult {
    std::size_t files = 0;
    std::uint64_t bytes = 0;
};

// `from`: the other server's HTTP root (http://OTHER:PORT/). `say`: one line
// per file fetched. Throws ReleaseError (a checksum that does not match, a
// file the other server lacks) or repository::SourceError.
SyncResult sync_release(const inventory::Release& release, const ReleaseRoots& roots, repository::Source& from,
                        const std::function<void(const std::string&)>& say);

}  // namespace xcp::release
