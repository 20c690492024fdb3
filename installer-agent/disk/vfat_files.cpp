#include "installer-agent/disk/vfat_files.hpp"

#include "installer-agent/disk/scratch_file.hpp"
#include "installer-agent/system/command.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <fstream>

namespace xcp::installer {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> mtools_environment{"MTOOLS_SKIP_CHECK=1"};

std::string image(const VfatLocation& where)
{
    return where.disk.string() + "@@" + std::to_string(where.offset);
}

std::string describe(const VfatLocation& where)
{
    return "disk " + where.disk.string() + ", FAT filesystem at byte " + std::to_string(where.offset);
}

bool not_found(const CommandResult& r)
{
    return r.output.find("not found") != std::string::npos;
}

unsigned little(std::span<const unsigned char> b, std::size_t at, std::size_t n)
{
    unsigned v = 0;
    for (std::size_t i = n; i-- > 0;) {
        v = (v << 8) | b[at + i];
    }
    return v;
}

}  // namespace

std::optional<std::string> read_vfat_file(const VfatLocation& where, const std::string& path,
                                          const fs::path& scratch_dir)
{
    std::error_code ec;
    fs::create_directories(scratch_dir, ec);
    const auto local = scratch_dir / "vfat-read";
    fs::remove(local, ec);
    const auto r = run_command({"mcopy", "-n", "-i", image(where), "::/" + path, local.string()}, mtools_environment);
    if (!r.ok()) {
        if (not_found(r)) {
            return std::nullopt;
        }
        throw DiskError(describe(where) + ": cannot read /" + path + ": " + r.failure("mcopy"));
    }
    std::ifstream in(local, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    fs::remove(local, ec);
    return text;
}

void write_vfat_file(const VfatLocation& where, const std::string& path, const std::string& contents,
                     const fs::path& scratch_dir)
{
    const auto local = write_scratch_file(scratch_dir, "vfat-write", contents);
    const auto r =
        run_command({"mcopy", "-o", "-Q", "-i", image(where), local.string(), "::/" + path}, mtools_environment);
    std::error_code ec;
    fs::remove(local, ec);
    if (!r.ok()) {
        throw DiskError(describe(where) + ": cannot write /" + path + ": " + r.failure("mcopy"));
    }
}

std::uint64_t vfat_file_offset(const VfatLocation& where, const std::string& path)
{
    // "::/EFI/xenserver/grubenv <6>" or "<6-7>": the clusters, first first.
    const auto r = run_command({"mshowfat", "-i", image(where), "::/" + path}, mtools_environment);
    const auto open = r.output.find('<');
    if (!r.ok() || open == std::string::npos) {
        throw DiskError(describe(where) + ": cannot find /" + path + ": " + r.failure("mshowfat"));
    }
    const auto cluster = std::strtoul(r.output.c_str() + open + 1, nullptr, 10);
    std::array<unsigned char, 512> boot{};
    const int fd = ::open(where.disk.c_str(), O_RDONLY | O_CLOEXEC);
    const auto n = fd < 0 ? -1 : ::pread(fd, boot.data(), boot.size(), static_cast<off_t>(where.offset));
    if (fd >= 0) {
        ::close(fd);
    }
    const auto at = n == static_cast<ssize_t>(boot.size())
                        ? fat_cluster_offset(boot, static_cast<std::uint32_t>(cluster))
                        : std::nullopt;
    if (!at) {
        throw DiskError(describe(where) + ": its boot sector cannot be read as FAT's, so /" + path +
                        " cannot be located");
    }
    return where.offset + *at;
}

std::optional<std::uint64_t> fat_cluster_offset(std::span<const unsigned char> b, std::uint32_t cluster)
{
    if (b.size() < 512 || b[510] != 0x55 || b[511] != 0xaa || cluster < 2) {
        return std::nullopt;
    }
    const auto bytes_per_sector = little(b, 11, 2);
    const auto sectors_per_cluster = b[13];
    const auto reserved = little(b, 14, 2);
    const auto fats = b[16];
    const auto root_entries = little(b, 17, 2);
    const auto fat_size = little(b, 22, 2) != 0 ? little(b, 22, 2) : little(b, 36, 4);
    const bool power_of_two = bytes_per_sector != 0 && (bytes_per_sector & (bytes_per_sector - 1)) == 0;
    if (!power_of_two || bytes_per_sector < 512 || bytes_per_sector > 4096 || sectors_per_cluster == 0 ||
        reserved == 0 || fats == 0 || fat_size == 0) {
        return std::nullopt;
    }
    const std::uint64_t root_dir_sectors = (root_entries * 32ULL + bytes_per_sector - 1) / bytes_per_sector;
    const std::uint64_t data = reserved + std::uint64_t{fats} * fat_size + root_dir_sectors;
    return (data + std::uint64_t{cluster - 2} * sectors_per_cluster) * bytes_per_sector;
}

}  // namespace xcp::installer
