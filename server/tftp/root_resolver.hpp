#pragma once

#include "server/tftp/file_cache.hpp"
#include "server/tftp/resolver.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <filesystem>

namespace xcp::tftp {

// Serves regular files below a root directory, and nothing else: the path is
// opened relative to the root with the kernel refusing to resolve outside it
// (openat2 RESOLVE_BENEATH; symlinks inside the root are followed, symlinks
// leading out are not), and the opened file is checked with fstat, so there is
// no window between check and open.
class RootResolver final : public Resolver {
public:
    // Throws std::system_error naming the root when it cannot be opened.
    RootResolver(const std::filesystem::path& root, FileCache& cache);

    Resolution resolve(std::string_view path, const boost::asio::ip::address& client) override;

private:
    UniqueFd open_beneath(const std::string& path, int& error) const;

    std::filesystem::path root_;
    UniqueFd root_fd_;
    FileCache& cache_;
    bool running_as_root_;
};

}  // namespace xcp::tftp
