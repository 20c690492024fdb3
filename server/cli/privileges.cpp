#include "server/cli/privileges.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace xcp::cli {
namespace {

[[noreturn]] void fail(const std::string& what)
{
    throw std::runtime_error("--user: " + what + ": " + std::strerror(errno));
}

}  // namespace

void drop_privileges(const std::string& user, const std::filesystem::path& state_dir)
{
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buffer(16384);
    const int rc = ::getpwnam_r(user.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (rc != 0 || found == nullptr) {
        errno = rc != 0 ? rc : ENOENT;
        fail("no user " + user);
    }
    const auto uid = entry.pw_uid;
    const auto gid = entry.pw_gid;
    if (::geteuid() != 0) {
        if (::geteuid() == uid) {
            return;  // already that user
        }
        errno = EPERM;
        fail("only root can become " + user);
    }
    std::error_code ec;
    std::vector<std::filesystem::path> owned{state_dir};
    for (const auto& item : std::filesystem::directory_iterator(state_dir, ec)) {
        owned.push_back(item.path());
    }
    for (const auto& path : owned) {
        if (::lchown(path.c_str(), uid, gid) != 0) {
            fail("cannot give " + path.string() + " to " + user);
        }
    }
    if (::initgroups(user.c_str(), gid) != 0) {
        fail("cannot take the groups of " + user);
    }
    if (::setgid(gid) != 0) {
        fail("cannot take the group id of " + user);
    }
    if (::setuid(uid) != 0) {
        fail("cannot become " + user);
    }
    // No way back, and no new privileges from anything exec'd.
    if (uid != 0 && ::setuid(0) == 0) {
        errno = EPERM;
        fail("root could be regained after becoming " + user);
    }
    (void)::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

}  // namespace xcp::cli
