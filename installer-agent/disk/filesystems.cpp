#include "installer-agent/disk/filesystems.hpp"

#include "installer-agent/system/command.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

namespace xcp::installer {
namespace {

void write_at(int fd, const void* data, std::size_t size, std::uint64_t offset, const std::filesystem::path& disk)
{
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
        const auto n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw DiskError("disk " + disk.string() + ": cannot write at byte " + std::to_string(offset) + ": " +
                            std::strerror(errno));
        }
        p += n;
        size -= static_cast<std::size_t>(n);
        offset += static_cast<std::uint64_t>(n);
    }
}

UniqueFd open_for_writing(const std::filesystem::path& disk)
{
    UniqueFd fd(::open(disk.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) {
        throw DiskError("disk " + disk.string() + ": cannot open for writing: " + std::strerror(errno));
    }
    return fd;
}

void sync(int fd, const std::filesystem::path& disk)
{
    if (::fsync(fd) != 0) {
        throw DiskError("disk " + disk.string() + ": cannot flush: " + std::strerror(errno));
    }
}

}  // namespace

std::string swap_header(std::uint64_t size, const std::string& label, const std::array<unsigned char, 16>& uuid)
{
    constexpr std::size_t page = 4096;
    std::string header(page, '\0');
    const auto put32 = [&](std::size_t at, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) {
            header[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
        }
    };
    put32(1024, 1);                                          // version
    put32(1028, static_cast<std::uint32_t>(size / page - 1));  // last page
    std::memcpy(header.data() + 1036, uuid.data(), uuid.size());
    std::memcpy(header.data() + 1052, label.data(), std::min<std::size_t>(label.size(), 15));
    std::memcpy(header.data() + page - 10, "SWAPSPACE2", 10);
    return header;
}

std::string random_label_suffix(std::size_t length)
{
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device random;
    std::string out;
    for (std::size_t i = 0; i < length; ++i) {
        out += alphabet[random() % (sizeof alphabet - 1)];
    }
    return out;
}

void make_filesystem(const std::filesystem::path& disk, const PlannedPartition& p, const Filesystem& fs)
{
    const auto where =
        "disk " + disk.string() + " partition " + std::to_string(p.number) + " (" + std::string(to_string(p.role)) + ")";
    if (fs.type == "swap") {
        std::array<unsigned char, 16> uuid{};
        std::random_device random;
        for (auto& b : uuid) {
            b = static_cast<unsigned char>(random());
        }
        uuid[6] = static_cast<unsigned char>((uuid[6] & 0x0f) | 0x40);
        uuid[8] = static_cast<unsigned char>((uuid[8] & 0x3f) | 0x80);
        const auto header = swap_header(p.size, fs.label, uuid);
        const auto fd = open_for_writing(disk);
        write_at(fd.get(), header.data(), header.size(), p.start, disk);
        sync(fd.get(), disk);
        return;
    }
    std::vector<std::string> argv;
    if (fs.type == "vfat") {
        // The cluster size is given: mkfs.fat would pick it from the whole
        // disk, too large for FAT32 on a 512 MiB partition.
        argv = {"mkfs.fat", "-F", "32", "-s", "8", "-n", fs.label, "--offset", std::to_string(p.start / 512),
                disk.string(), std::to_string(p.size / 1024)};
    } else if (fs.type == "ext3" || fs.type == "ext4") {
        argv = {"mke2fs", "-F", "-q", "-t", fs.type, "-L", fs.label, "-E", "offset=" + std::to_string(p.start)};
        if (fs.contents) {
            argv.insert(argv.end(), {"-d", fs.contents->string()});
        }
        argv.insert(argv.end(), {disk.string(), std::to_string(p.size / 1024) + "k"});
    } else {
        throw DiskError(where + ": no way to make a " + fs.type + " filesystem");
    }
    const auto r = run_command(argv);
    if (!r.ok()) {
        throw DiskError(where + ": " + r.failure(argv.front()));
    }
}

void populate_vfat(const std::filesystem::path& disk, const PlannedPartition& p, const std::filesystem::path& dir)
{
    const auto image = disk.string() + "@@" + std::to_string(p.start);
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const auto r = run_command({"mcopy", "-s", "-Q", "-o", "-i", image, e.path().string(), "::/"},
                                   {"MTOOLS_SKIP_CHECK=1"});
        if (!r.ok()) {
            throw DiskError("disk " + disk.string() + " partition " + std::to_string(p.number) + " (" +
                            std::string(to_string(p.role)) +
                            "): " + r.failure("mcopy"));
        }
    }
}

void wipe_signatures(const std::filesystem::path& disk, std::uint64_t size)
{
    const std::vector<char> zeros(MiB, '\0');
    const auto fd = open_for_writing(disk);
    write_at(fd.get(), zeros.data(), std::min<std::uint64_t>(size, MiB), 0, disk);
    if (size > MiB) {
        write_at(fd.get(), zeros.data(), MiB, std::max<std::uint64_t>(size - MiB, MiB), disk);
    }
    sync(fd.get(), disk);
}

void write_boot_code(const std::filesystem::path& disk, const std::filesystem::path& code)
{
    UniqueFd in(::open(code.c_str(), O_RDONLY | O_CLOEXEC));
    char bytes[440] = {};
    const auto n = in.valid() ? ::read(in.get(), bytes, sizeof bytes) : -1;
    if (n <= 0) {
        throw DiskError("boot code " + code.string() + " cannot be read");
    }
    const auto fd = open_for_writing(disk);
    write_at(fd.get(), bytes, static_cast<std::size_t>(n), 0, disk);
    sync(fd.get(), disk);
}

}  // namespace xcp::installer
