#pragma once

#include "server/files/confined_root.hpp"
#include "server/tftp/file_cache.hpp"
#include "server/tftp/resolver.hpp"

namespace xcp::tftp {

// Serves the regular files of a confined root (see files::ConfinedRoot),
// through the shared file cache.
class RootResolver final : public Resolver {
public:
    RootResolver(const files::ConfinedRoot& root, FileCache& cache) : root_(root), cache_(cache) {}

    Resolution resolve(std::string_view path, const boost::asio::ip::address& client) override;

private:
    const files::ConfinedRoot& root_;
    FileCache& cache_;
};

}  // namespace xcp::tftp
