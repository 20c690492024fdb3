// Repository manifests come from the network (an HTTP install source) or a
// user's disk: every parser, and the repodata decompressor, on any bytes.
#include "libxcp/repository/manifest.hpp"
#include "libxcp/repository/verify.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace xcp::repository;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)parse_repository(text, "XS-REPOSITORY");
    if (const auto packages = parse_packages(text, "XS-PACKAGES");
        std::holds_alternative<std::vector<Package>>(packages)) {
        for (const auto& p : std::get<std::vector<Package>>(packages)) {
            if (!safe_relative_path(p.file) || p.md5.size() != 32) {
                std::abort();  // what verify would read must be inside the repository
            }
        }
    }
    if (const auto info = parse_treeinfo(text, ".treeinfo"); std::holds_alternative<TreeInfo>(info)) {
        for (const auto& sum : std::get<TreeInfo>(info).checksums) {
            // Import compares these with files it copied: inside the medium.
            if (!safe_relative_path(sum.path) || (sum.hex.size() != 64 && sum.hex.size() != 32)) {
                std::abort();
            }
        }
    }
    (void)parse_repomd(text, "repomd.xml");
    if (const auto primary = parse_primary(text, "primary.xml"); std::holds_alternative<std::vector<RpmPackage>>(primary)) {
        for (const auto& p : std::get<std::vector<RpmPackage>>(primary)) {
            if (!safe_relative_path(p.href) || p.sha256.size() != 64) {
                std::abort();
            }
        }
    }
    try {
        (void)decompress(text, "fuzz");
    } catch (const SourceError&) {
    }
    return 0;
}
