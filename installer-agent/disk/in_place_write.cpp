#include "installer-agent/disk/in_place_write.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace xcp::installer {

void write_in_place(const std::filesystem::path& disk, std::uint64_t offset, std::string_view bytes,
                    const std::string& what)
{
    const int fd = ::open(disk.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        throw DiskError("cannot open " + disk.string() + " to write " + what + ": " + std::strerror(errno));
    }
    const auto written = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    const int saved = errno;
    const bool synced = written == static_cast<ssize_t>(bytes.size()) && ::fdatasync(fd) == 0;
    const int sync_errno = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(bytes.size())) {
        throw DiskError("cannot write " + what + " on " + disk.string() + ": " +
                        (written < 0 ? std::strerror(saved) : std::string("short write")));
    }
    if (!synced) {
        throw DiskError("cannot sync " + what + " on " + disk.string() + ": " + std::strerror(sync_errno));
    }
}

std::string read_in_place(const std::filesystem::path& disk, std::uint64_t offset, std::size_t n,
                          const std::string& what)
{
    const int fd = ::open(disk.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw DiskError("cannot open " + disk.string() + " to read " + what + ": " + std::strerror(errno));
    }
    std::string bytes(n, '\0');
    std::size_t done = 0;
    while (done < n) {
        const auto got = ::pread(fd, bytes.data() + done, n - done, static_cast<off_t>(offset + done));
        if (got <= 0) {
            const int saved = errno;
            ::close(fd);
            throw DiskError("cannot read " + what + " on " + disk.string() + ": " +
                            (got < 0 ? std::strerror(saved) : std::string("the disk ends before it")));
        }
        done += static_cast<std::size_t>(got);
    }
    ::close(fd);
    return bytes;
}

}  // namespace xcp::installer
