#include "server/inventory/token_file.hpp"

#include "libxcp/util/unique_fd.hpp"
#include "server/inventory/secrets.hpp"
#include "server/inventory/sqlite.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xcp::inventory {
namespace {

[[noreturn]] void refuse(const std::filesystem::path& file, const std::string& why)
{
    throw InventoryError("API token file " + file.string() + " " + why);
}

std::string read_first_line(int fd)
{
    std::string text;
    char buffer[512];
    for (;;) {
        const auto n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0 || text.size() > 4096) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(n));
    }
    const auto end = text.find_first_of("\r\n");
    return end == std::string::npos ? text : text.substr(0, end);
}

// The checks of a token file that already holds a token.
std::string problem_of(const std::filesystem::path& file, const struct stat& st, const std::string& token)
{
    const auto prefix = "API token file " + file.string() + " ";
    if ((st.st_mode & 077) != 0) {
        return prefix + "is readable by group or others (mode " + std::to_string((st.st_mode >> 6) & 7) +
               std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
               "); make it readable by its owner only (chmod 600)";
    }
    if (token.size() < min_token_length) {
        return prefix + "holds a token of " + std::to_string(token.size()) + " characters; at least " +
               std::to_string(min_token_length) + " are required";
    }
    return {};
}

}  // namespace

std::string token_file_problem(const std::filesystem::path& file)
{
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) {
        return errno == ENOENT ? std::string() : "API token file " + file.string() + " cannot be opened: " + std::strerror(errno);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return "API token file " + file.string() + " is not a regular file";
    }
    const auto token = read_first_line(fd.get());
    return token.empty() ? std::string() : problem_of(file, st, token);
}

std::string load_token_file(const std::filesystem::path& file, bool& created)
{
    created = false;
    UniqueFd fd(::open(file.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid() && errno == ENOENT) {
        fd = UniqueFd(::open(file.c_str(), O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    }
    if (!fd.valid()) {
        refuse(file, std::string("cannot be opened: ") + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        refuse(file, "is not a regular file");
    }
    auto token = read_first_line(fd.get());
    if (token.empty()) {
        // Nothing secret in it yet: ours to close before the token goes in.
        if (::fchmod(fd.get(), 0600) != 0) {
            refuse(file, std::string("cannot be made readable by its owner only: ") + std::strerror(errno));
        }
        token = new_token();
        const auto line = token + "\n";
        if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), line.data(), line.size(), 0) !=
                                                  static_cast<ssize_t>(line.size()) ||
            ::fsync(fd.get()) != 0) {
            refuse(file, std::string("cannot be written: ") + std::strerror(errno));
        }
        created = true;
        return token;
    }
    if (auto problem = problem_of(file, st, token); !problem.empty()) {
        throw InventoryError(problem);
    }
    return token;
}

}  // namespace xcp::inventory
