// Where releases live on disk and how one is put there whole: a staging
// folder beside its final place, synced, then renamed over it; one import of
// a name at a time (a lock file in the state directory).
#pragma once

#include "server/release/medium.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace xcp::release {

struct ReleaseRoots {
    std::filesystem::path state_dir, tftp_root, http_root;
    [[nodiscard]] std::filesystem::path tftp_dir(const std::string& name) const { return tftp_root / "releases" / name; }
    [[nodiscard]] std::filesystem::path http_dir(const std::string& name) const { return http_root / "releases" / name; }
};

// Held while a release of that name is written. Throws ReleaseError at once
// when another process holds it.
class ReleaseLock {
public:
    ReleaseLock(const std::filesystem::path& state_dir, const std::string& name);

private:
    UniqueFd fd_;
};

// A new folder `.NAME.import-XXXXXX` beside `final_dir`, removed with all it
// holds unless `place()` renamed it to `final_dir`.
class Staging {
public:
    explicit Staging(const std::filesystem::path& final_dir);
    ~Staging();
    Staging(const Staging&) = delete;
    Staging& operator=(const Staging&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }
    // Every file synced, then the folder renamed over `final_dir` (what was
    // there before is removed once the new one is in place).
    void place();

private:
    std::filesystem::path final_, path_;
    bool placed_ = false;
};

// SHA-256 over every "path sum" line, in path order: what tells one medium
// from another.
std::string digest_of(const std::map<std::string, std::string>& checksums);

// Removes a release's folders under both roots (ENOENT is fine).
void remove_release_files(const ReleaseRoots& roots, const std::string& name);

}  // namespace xcp::release
