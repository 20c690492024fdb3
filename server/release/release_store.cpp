#include "server/release/release_store.hpp"

#include "libxcp/checksum/digest.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

namespace xcp::release {
namespace fs = std::filesystem;

ReleaseLock::ReleaseLock(const fs::path& state_dir, const std::string& name)
{
    std::error_code ec;
    fs::create_directories(state_dir, ec);
    const auto file = state_dir / ("release-" + name + ".lock");
    fd_.reset(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!fd_.valid()) {
        throw ReleaseError("cannot open the lock " + file.string() + ": " +
                           std::error_code(errno, std::generic_category()).message());
    }
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
        throw ReleaseError("another import of release " + name +
                           " is running (it holds " + file.string() + "); this one changed nothing");
    }
}

Staging::Staging(const fs::path& final_dir) : final_(final_dir)
{
    std::error_code ec;
    fs::create_directories(final_dir.parent_path(), ec);
    auto pattern = (final_dir.parent_path() / ("." + final_dir.filename().string() + ".import-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw ReleaseError("cannot create a staging folder in " + final_dir.parent_path().string() + ": " +
                           std::error_code(errno, std::generic_category()).message());
    }
    path_ = pattern;
    fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                               fs::perms::others_read | fs::perms::others_exec, ec);
}

Staging::~Staging()
{
    if (!placed_) {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
}

void Staging::place()
{
    {
        UniqueFd dir(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!dir.valid() || ::syncfs(dir.get()) != 0) {
            throw ReleaseError("cannot sync " + path_.string() + ": " +
                               std::error_code(errno, std::generic_category()).message());
        }
    }
    std::error_code ec;
    fs::path old;
    if (fs::exists(final_, ec)) {
        const auto staged = path_.filename().string();
        old = final_.parent_path() / ("." + final_.filename().string() + ".old-" + staged.substr(staged.size() - 6));
        fs::rename(final_, old, ec);
        if (ec) {
            throw ReleaseError("cannot move the old " + final_.string() + " aside: " + ec.message());
        }
    }
    fs::rename(path_, final_, ec);
    if (ec) {
        if (!old.empty()) {
            std::error_code back;
            fs::rename(old, final_, back);
        }
        throw ReleaseError("cannot rename " + path_.string() + " to " + final_.string() + ": " + ec.message());
    }
    placed_ = true;
    if (!old.empty()) {
        fs::remove_all(old, ec);
    }
}

std::string digest_of(const std::map<std::string, std::string>& checksums)
{
    checksum::Digest d(checksum::Algorithm::sha256);
    for (const auto& [path, sum] : checksums) {
        d.update(path);
        d.update(" ");
        d.update(sum);
        d.update("\n");
    }
    return d.hex();
}

void remove_release_files(const ReleaseRoots& roots, const std::string& name)
{
    for (const auto& dir : {roots.tftp_dir(name), roots.http_dir(name)}) {
        std::error_code ec;
        fs::remove_all(dir, ec);
        if (ec) {
            throw ReleaseError("cannot remove " + dir.string() + ": " + ec.message());
        }
    }
}

}  // namespace xcp::release
