#include "installer-agent/disk/grub_bios.hpp"

#include <stdexcept>

namespace xcp::installer {
namespace {

constexpr std::size_t sector = 512;
// grub's include/grub/i386/pc/boot.h and diskboot.S.
constexpr std::size_t bpb_start = 0x3;
constexpr std::size_t bpb_end = 0x5a;
constexpr std::size_t kernel_sector = 0x5c;
constexpr std::size_t drive_check = 0x66;
constexpr std::size_t windows_nt_magic = 0x1b8;  // disk signature, then the partition table and 0x55aa
constexpr std::size_t blocklist_start = sector - 12;  // start (8), length (2), segment (2)

std::uint64_t read_le(std::string_view bytes, std::size_t at, std::size_t width)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) {
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    }
    return v;
}

void write_le(std::string& bytes, std::size_t at, std::size_t width, std::uint64_t v)
{
    for (std::size_t i = 0; i < width; ++i) {
        bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
    }
}

bool is_grub_boot_sector(std::string_view s)
{
    return s.size() >= sector && static_cast<unsigned char>(s[510]) == 0x55 &&
           static_cast<unsigned char>(s[511]) == 0xaa && s.substr(0, windows_nt_magic).find("GRUB ") != std::string_view::npos;
}

}  // namespace

std::optional<std::uint64_t> grub_core_sector(std::string_view s)
{
    if (!is_grub_boot_sector(s)) {
        return std::nullopt;
    }
    return read_le(s, kernel_sector, 8);
}

std::optional<std::uint64_t> grub_core_sectors(std::string_view first)
{
    if (first.size() < sector) {
        return std::nullopt;
    }
    const auto length = read_le(first, blocklist_start + 8, 2);
    if (length == 0) {
        return std::nullopt;
    }
    return length + 1;
}

std::string placed_grub_core(std::string core, std::uint64_t lba)
{
    if (core.size() < 2 * sector) {
        throw std::invalid_argument("the GRUB core image is " + std::to_string(core.size()) +
                                    " bytes, too short for an i386-pc core");
    }
    core.resize((core.size() + sector - 1) / sector * sector, '\0');
    if (core.size() > grub_slot_bytes) {
        throw std::invalid_argument("the GRUB core image is " + std::to_string(core.size()) +
                                    " bytes, more than its slot's " + std::to_string(grub_slot_bytes));
    }
    // grub-mkimage writes the length (the sectors after this one); the start
    // is where the core is put.
    const auto sectors = core.size() / sector;
    if (read_le(core, blocklist_start + 8, 2) != sectors - 1) {
        throw std::invalid_argument("the GRUB core image's first sector holds no blocklist of its " +
                                    std::to_string(sectors - 1) + " further sectors (not an i386-pc core)");
    }
    write_le(core, blocklist_start, 8, lba + 1);
    return core;
}

std::string grub_boot_sector(std::string_view current, std::string_view boot_img, std::uint64_t core_lba)
{
    if (current.size() != sector || boot_img.size() != sector) {
        throw std::invalid_argument("a boot sector is 512 bytes");
    }
    std::string out(boot_img);
    out.replace(bpb_start, bpb_end - bpb_start, current.substr(bpb_start, bpb_end - bpb_start));
    out.replace(windows_nt_magic, sector - windows_nt_magic, current.substr(windows_nt_magic));
    write_le(out, kernel_sector, 8, core_lba);
    // boot.img jumps over its check of the BIOS's drive number; on a hard
    // disk grub-bios-setup makes the jump two NOPs.
    out[drive_check] = static_cast<char>(0x90);
    out[drive_check + 1] = static_cast<char>(0x90);
    return out;
}

std::optional<std::uint64_t> free_grub_slot(std::uint64_t partition_lba, std::uint64_t partition_sectors,
                                            std::optional<std::uint64_t> current_lba, std::uint64_t current_sectors)
{
    constexpr auto slot = grub_slot_bytes / sector;
    if (partition_sectors < 2 * slot) {
        return std::nullopt;
    }
    for (const auto lba : {partition_lba, partition_lba + slot}) {
        const bool overlaps = current_lba && *current_lba < lba + slot && lba < *current_lba + current_sectors;
        if (!overlaps) {
            return lba;
        }
    }
    return std::nullopt;
}

std::string grub_core_prefix(int partition)
{
    return "(,gpt" + std::to_string(partition) + ")/boot/grub";
}

std::string grub_backup_core_config(std::string_view backup_boot_dir)
{
    return "configfile /" + std::string(backup_boot_dir) + "/grub.cfg\n";
}

}  // namespace xcp::installer
