#include "server/release/release_sync.hpp"

#include "server/files/path.hpp"
#include "libxcp/checksum/digest.hpp"

#include <fstream>

namespace xcp::release {

std::vector<SyncFile> plan_sync(const inventory::Release& release)
{
    std::vector<SyncFile> out;
    for (const auto& [path, sum] : release.checksums) {
        const bool boot = path.starts_with("tftp/");
        if (!boot && !path.starts_with("http/")) {
            throw ReleaseError("release " + release.name + " records a file outside its folders: " + path);
        }
        const auto normalized = files::normalize_path(std::string_view(path).substr(5));
        const auto* relative = std::get_if<std::string>(&normalized);
        if (relative == nullptr || relative->empty()) {
            throw ReleaseError("release " + release.name + " records a file outside its folders: " + path);
        }
        const auto base = "releases/" + release.name + "/" + *relative;
        out.push_back({boot ? "boot/" + base : base, boot, *relative, sum});
    }
    if (out.empty()) {
        throw ReleaseError("release " + release.name + " records no files to fetch");
    }
    return out;
}

SyncResult sync_release(const inventory::Release& release, const ReleaseRoots& roots, repository::Source& from,
                        const std::function<void(const std::string&)>& say)
{
    const auto plan = plan_sync(release);
    const ReleaseLock lock(roots.state_dir, release.name);
    Staging tftp(roots.tftp_dir(release.name));
    Staging http(roots.http_dir(release.name));
    SyncResult result;
    for (const auto& f : plan) {
        const auto target = (f.boot ? tftp.path() : http.path()) / f.relative;
        std::filesystem::create_directories(target.parent_path());
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw ReleaseError("cannot write " + target.string());
        }
        checksum::Digest digest(checksum::Algorithm::sha256);
        std::uint64_t size = 0;
        from.stream(f.url_path, [&](std::span<const std::byte> bytes) {
            digest.update(bytes);
            out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
            size += bytes.size();
        });
        out.close();
        if (!out) {
            throw ReleaseError("cannot write " + target.string());
        }
        const auto actual = digest.hex();
        if (actual != f.sha256) {
            throw ReleaseError(from.describe() + f.url_path + " has SHA-256 " + actual + ", release " + release.name +
                               " records " + f.sha256 + "; nothing was placed");
        }
        ++result.files;
        result.bytes += size;
        say(f.url_path + " (" + std::to_string(size) + " bytes, SHA-256 checked)");
    }
    tftp.place();
    http.place();
    return result;
}

}  // namespace xcp::release
