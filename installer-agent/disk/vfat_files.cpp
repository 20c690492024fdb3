#include "installer-agent/disk/vfat_files.hpp"

#include "installer-agent/disk/fat_directory.hpp"
#include "installer-agent/disk/in_place_write.hpp"
#include "installer-agent/disk/scratch_file.hpp"
#include "installer-agent/system/command.hpp"
#include "libxcp/util/unique_fd.hpp"

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

std::vector<unsigned char> read_bytes(const VfatLocation& where, std::uint64_t offset, std::size_t n)
{
    std::vector<unsigned char> bytes(n);
    const UniqueFd fd(::open(where.disk.c_str(), O_RDONLY | O_CLOEXEC));
    std::size_t done = 0;
    while (fd.valid() && done < n) {
        const auto got = ::pread(fd.get(), bytes.data() + done, n - done, static_cast<off_t>(offset + done));
        if (got <= 0) {
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    if (done != n) {
        throw DiskError(describe(where) + ": cannot read " + std::to_string(n) + " bytes at byte " +
                        std::to_string(offset));
    }
    return bytes;
}

std::vector<std::uint32_t> clusters_of(const VfatLocation& where, const std::string& path)
{
    const auto r = run_command({"mshowfat", "-i", image(where), "::/" + path}, mtools_environment);
    auto chain = r.ok() ? parse_cluster_chain(r.output) : std::nullopt;
    if (!chain) {
        throw DiskError(describe(where) + ": cannot find /" + path + ": " + r.failure("mshowfat"));
    }
    return std::move(*chain);
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

void remove_vfat_file(const VfatLocation& where, const std::string& path)
{
    const auto r = run_command({"mdel", "-i", image(where), "::/" + path}, mtools_environment);
    if (!r.ok() && !not_found(r)) {
        throw DiskError(describe(where) + ": cannot remove /" + path + ": " + r.failure("mdel"));
    }
}

bool exchange_vfat_files(const VfatLocation& where, const std::string& dir, const std::string& name,
                         const std::string& other)
{
    const auto boot = read_bytes(where, where.offset, 512);
    const auto bytes_per_sector = little(boot, 11, 2);
    const std::size_t cluster_bytes = std::size_t{bytes_per_sector} * boot[13];
    const auto chain = clusters_of(where, dir);
    std::vector<unsigned char> directory;
    std::vector<std::uint64_t> starts;  // each cluster's byte on the disk
    for (const auto cluster : chain) {
        const auto at = fat_cluster_offset(boot, cluster);
        if (!at || cluster_bytes == 0 || cluster_bytes > (1U << 20) || directory.size() > (64U << 20)) {
            throw DiskError(describe(where) + ": its boot sector cannot be read as FAT's, so /" + dir +
                            " cannot be read");
        }
        starts.push_back(where.offset + *at);
        const auto bytes = read_bytes(where, starts.back(), cluster_bytes);
        directory.insert(directory.end(), bytes.begin(), bytes.end());
    }
    const auto a = find_short_entry(directory, name);
    const auto b = find_short_entry(directory, other);
    if (!a || !b) {
        throw DiskError(describe(where) + ": /" + dir + " holds no " + (a ? other : name));
    }
    const auto byte_of = [&](std::size_t entry) {
        const auto at = entry * fat_entry_size;
        return starts[at / cluster_bytes] + at % cluster_bytes;
    };
    const auto block = byte_of(*a) / 512;
    if (byte_of(*b) / 512 != block) {
        return false;
    }
    auto sector = read_bytes(where, block * 512, 512);
    const auto first = (byte_of(*a) % 512) / fat_entry_size;
    const auto second = (byte_of(*b) % 512) / fat_entry_size;
    exchange_entry_contents(sector, first, second);
    write_in_place(where.disk, block * 512,
                   std::string_view(reinterpret_cast<const char*>(sector.data()), sector.size()),
                   "the directory entries of /" + dir + "/" + name + " and " + other);
    return true;
}

std::uint64_t vfat_file_offset(const VfatLocation& where, const std::string& path)
{
    const auto first = clusters_of(where, path).front();
    const auto at = fat_cluster_offset(read_bytes(where, where.offset, 512), first);
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
