#include "installer-agent/disk/grub_bios_install.hpp"

#include "installer-agent/disk/grub_bios.hpp"
#include "installer-agent/disk/in_place_write.hpp"
#include "installer-agent/system/command.hpp"

#include "libxcp/util/whole_file.hpp"

#include <fstream>
#include <stdexcept>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t sector = 512;

// Everything a control domain's grub.cfg (ours or the vendor's) calls, built
// in: a module the core lacks would be loaded from the root's /boot/grub,
// which may hold another GRUB's.
const std::vector<std::string> core_modules{
    "biosdisk", "part_gpt", "part_msdos", "ext2",   "fat",      "normal",  "configfile",     "search",
    "search_label", "search_fs_uuid", "search_fs_file", "test", "echo", "multiboot2", "multiboot", "linux",
    "gzio",     "xzio",     "loadenv",    "serial", "terminal", "terminfo", "sleep",         "cat",
    "halt",     "reboot",   "boot",       "ls",     "regexp"};

// The core that `mbr`, the disk's first sector as read, loads.
std::optional<LoadedGrubCore> core_loaded_by(const fs::path& disk, const std::string& mbr)
{
    const auto lba = grub_core_sector(mbr);
    if (!lba) {
        return std::nullopt;
    }
    auto first = read_in_place(disk, *lba * sector, sector, "GRUB's core image");
    const auto sectors = grub_core_sectors(first);
    if (!sectors || *sectors * sector > grub_slot_bytes) {
        return LoadedGrubCore{*lba, std::move(first)};
    }
    return LoadedGrubCore{*lba, read_in_place(disk, *lba * sector, *sectors * sector, "GRUB's core image")};
}

}  // namespace

std::string grub_bios_unavailable(const fs::path& modules_dir)
{
    if (find_on_path("grub-mkimage").empty()) {
        return "no grub-mkimage on PATH (Debian package grub-common)";
    }
    if (!fs::is_regular_file(modules_dir / "boot.img") || !fs::is_regular_file(modules_dir / "kernel.img")) {
        return "no GRUB i386-pc modules in " + modules_dir.string() + " (Debian package grub-pc-bin)";
    }
    return "";
}

std::string make_grub_core(const fs::path& modules_dir, const std::string& prefix, const std::string& config,
                           const fs::path& scratch_dir)
{
    std::error_code ec;
    fs::create_directories(scratch_dir, ec);
    const auto out = scratch_dir / "core.img";
    const auto embedded = scratch_dir / "core.cfg";
    fs::remove(out, ec);
    std::vector<std::string> argv{"grub-mkimage", "--format=i386-pc", "--directory=" + modules_dir.string(),
                                  "--prefix=" + prefix, "--output=" + out.string()};
    if (!config.empty()) {
        std::ofstream(embedded, std::ios::binary | std::ios::trunc) << config;
        argv.push_back("--config=" + embedded.string());
    }
    argv.insert(argv.end(), core_modules.begin(), core_modules.end());
    if (const auto r = run_command(argv); !r.ok()) {
        throw DiskError("cannot make GRUB's core image: " + r.failure("grub-mkimage"));
    }
    auto core = util::read_whole_file(out);
    if (!core || core->empty()) {
        throw DiskError("grub-mkimage wrote no core image to " + out.string());
    }
    return *core;
}

std::optional<LoadedGrubCore> loaded_grub_core(const fs::path& disk)
{
    return core_loaded_by(disk, read_in_place(disk, 0, sector, "the MBR"));
}

std::string boot_grub_core(const fs::path& disk, const PlannedPartition& boot_partition, const std::string& core,
                           const fs::path& modules_dir)
{
    const auto mbr = read_in_place(disk, 0, sector, "the MBR");
    const auto loaded = core_loaded_by(disk, mbr);
    const auto current = loaded ? std::optional<std::uint64_t>(loaded->lba) : std::nullopt;
    std::uint64_t current_sectors = 0;
    if (loaded) {
        // A core whose length cannot be read is taken to fill a slot.
        current_sectors = grub_core_sectors(loaded->bytes).value_or(grub_slot_bytes / sector);
        if (placed_grub_core(core, *current) == loaded->bytes) {
            return "the MBR already loads this core image, at sector " + std::to_string(*current);
        }
    }
    const auto slot = free_grub_slot(boot_partition.start / sector, boot_partition.size / sector, current,
                                     current_sectors);
    if (!slot) {
        throw DiskError("the BIOS boot partition (partition " + std::to_string(boot_partition.number) +
                        ") has no room for a second GRUB core image beside the one the MBR loads");
    }
    const auto placed = placed_grub_core(core, *slot);
    const auto what = "GRUB's core image (partition " + std::to_string(boot_partition.number) + ", sector " +
                      std::to_string(*slot) + ")";
    write_in_place(disk, *slot * sector, placed, what);
    if (read_in_place(disk, *slot * sector, placed.size(), what) != placed) {
        throw DiskError(what + " reads back other than it was written on " + disk.string());
    }
    const auto boot_img = util::read_whole_file(modules_dir / "boot.img");
    if (!boot_img) {
        throw DiskError("cannot read " + (modules_dir / "boot.img").string());
    }
    write_in_place(disk, 0, grub_boot_sector(mbr, *boot_img, *slot), "the MBR's boot code");
    return "the MBR loads GRUB's core image at sector " + std::to_string(*slot) +
           (current ? " (it loaded the one at sector " + std::to_string(*current) + ")" : "");
}

}  // namespace xcp::installer
