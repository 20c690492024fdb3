// An NFS export mounted read-only for as long as a source needs it: the
// reference installer's way (mount, then read files). Needs root and
// mount.nfs; when either is missing, the error says so.
#pragma once

#include "libxcp/repository/verify.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace xcp::installer {

class NfsMount {
public:
    // `spec` is server:/path. Throws SourceError with mount's own complaint.
    explicit NfsMount(const std::string& spec);
    ~NfsMount();
    NfsMount(const NfsMount&) = delete;
    NfsMount& operator=(const NfsMount&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// "nfs://server:/path" or "server:/path" -> "server:/path"; "" when it is
// neither.
std::string nfs_spec(const std::string& location);

// A repository in an NFS export, read through the mount.
std::unique_ptr<repository::Source> open_nfs_repository(const std::string& spec);

}  // namespace xcp::installer
