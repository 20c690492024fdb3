#include "server/tftp/root_resolver.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

namespace xcp::tftp {

RootResolver::RootResolver(const std::filesystem::path& root, FileCache& cache)
    : root_(root), cache_(cache), running_as_root_(::geteuid() == 0)
{
    root_fd_.reset(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root_fd_.valid()) {
        throw std::system_error(errno, std::generic_category(), "cannot open the TFTP root " + root.string());
    }
}

UniqueFd RootResolver::open_beneath(const std::string& path, int& error) const
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

Resolution RootResolver::resolve(std::string_view path, const boost::asio::ip::address&)
{
    int error = 0;
    auto fd = open_beneath(std::string(path), error);
    if (!fd.valid()) {
        if (error == ENOENT || error == ENOTDIR) {
            return {nullptr, ErrorCode::file_not_found, "no such file"};
        }
        if (error == EXDEV || error == ELOOP) {
            return {nullptr, ErrorCode::access_violation, "a symlink leads outside the root"};
        }
        return {nullptr, ErrorCode::access_violation, std::string("cannot open: ") + std::strerror(error)};
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return {nullptr, ErrorCode::access_violation, std::string("cannot stat: ") + std::strerror(errno)};
    }
    if (!S_ISREG(st.st_mode)) {
        return {nullptr, ErrorCode::access_violation,
                S_ISDIR(st.st_mode) ? "is a directory" : "is not a regular file"};
    }
    // A server running as root serves only what everyone may read, as tftp-hpa
    // and dnsmasq do: a private file dropped into the root stays private.
    if (running_as_root_ && (st.st_mode & S_IROTH) == 0) {
        return {nullptr, ErrorCode::access_violation, "is not world-readable"};
    }
    auto content = cache_.content_for(std::move(fd), st);
    if (!content) {
        return {nullptr, ErrorCode::access_violation, "changed or failed while being read"};
    }
    return {std::move(content), {}, {}};
}

}  // namespace xcp::tftp
