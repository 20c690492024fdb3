#include "server/files/confined_root.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace xcp::files {

ConfinedRoot::ConfinedRoot(const std::filesystem::path& root, std::string_view what)
    : root_(root), running_as_root_(::geteuid() == 0)
{
    root_fd_.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_.valid()) {
        throw std::system_error(errno, std::generic_category(),
                                "cannot open the " + std::string(what) + " " + root.string());
    }
}

UniqueFd ConfinedRoot::open_beneath(const std::string& path, int& error) const
{
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    open_how how{};
    how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    const auto fd = static_cast<int>(::syscall(SYS_openat2, root_fd_.get(), path.c_str(), &how, sizeof how));
    if (fd >= 0 || errno != ENOSYS) {
        error = errno;
        return UniqueFd(fd);
    }
    // No openat2 (kernel before 5.6, or a seccomp filter): walk the path one
    // component at a time refusing every symlink, which is stricter.
    UniqueFd dir(::dup(root_fd_.get()));
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        const auto name = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
        const bool last = slash == std::string::npos;
        const int flags = last ? (O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW)
                               : (O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        UniqueFd next(::openat(dir.get(), name.c_str(), flags));
        if (!next.valid()) {
            error = errno;
            return {};
        }
        if (last) {
            return next;
        }
        dir = std::move(next);
        start = slash + 1;
    }
}

std::variant<OpenedFile, OpenRefused> ConfinedRoot::open(const std::string& path) const
{
    int error = 0;
    OpenedFile file;
    file.fd = open_beneath(path, error);
    if (!file.fd.valid()) {
        if (error == ENOENT || error == ENOTDIR) {
            return OpenRefused{true, "no such file"};
        }
        if (error == EXDEV || error == ELOOP) {
            return OpenRefused{false, "a symlink leads outside the root"};
        }
        return OpenRefused{false, std::string("cannot open: ") + std::strerror(error)};
    }
    if (::fstat(file.fd.get(), &file.st) != 0) {
        return OpenRefused{false, std::string("cannot stat: ") + std::strerror(errno)};
    }
    if (!S_ISREG(file.st.st_mode)) {
        return OpenRefused{false, S_ISDIR(file.st.st_mode) ? "is a directory" : "is not a regular file"};
    }
    // A server running as root serves only what everyone may read, as tftp-hpa
    // and dnsmasq do: a private file dropped into the root stays private.
    if (running_as_root_ && (file.st.st_mode & S_IROTH) == 0) {
        return OpenRefused{false, "is not world-readable"};
    }
    return file;
}

}  // namespace xcp::files
