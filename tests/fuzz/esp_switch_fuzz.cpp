// What the probe reads from an ESP it did not write (a user's disk): the
// FAT boot sector that locates grubenv, and grubenv itself. A block that
// reads as this installer's must be exactly one it writes; a cluster's offset lies
// past the boot sector. The backup's grub.cfg is made from the disk's own
// grub.cfg, so that text goes through too: no search by label may be left.
// The first switch on another installer's ESP reads a directory's entries
// and mshowfat's cluster chain: an entry found lies inside the bytes read,
// and an exchange done twice is no change.
// BIOS with GRUB: the MBR and the core image it loads (a user's disk, and
// what a vendor's grub-install left): a core found is one the sector names,
// a core placed keeps its length and says where it lies, and the MBR's
// table and signature survive a switch.
#include "installer-agent/configure/boot_switch.hpp"
#include "installer-agent/disk/fat_directory.hpp"
#include "installer-agent/disk/grub_bios.hpp"
#include "installer-agent/disk/vfat_files.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    namespace x = xcp::installer;
    const std::string raw(reinterpret_cast<const char*>(data), size);

    if (size >= 516) {
        const auto cluster = static_cast<std::uint32_t>(data[512] | (data[513] << 8) | (data[514] << 16)) |
                             (static_cast<std::uint32_t>(data[515]) << 24);
        if (const auto at = x::fat_cluster_offset(std::span(data, 512), cluster); at && *at < 512) {
            std::abort();  // the data area starts after the reserved sectors
        }
    }

    std::string block = "# GRUB Environment Block\n" + raw;
    block.resize(x::grub_env_size, '#');
    for (const auto& b : {raw, block}) {
        if (const auto target = x::read_grub_env_block(b)) {
            const auto uuid = b.substr(b.find("xcp_backup=") == std::string::npos ? 0 : b.find("xcp_backup=") + 11);
            const auto again = *target == x::BootTarget::root
                                   ? x::grub_env_block(x::BootTarget::root)
                                   : x::grub_env_block(x::BootTarget::backup, uuid.substr(0, uuid.find('\n')));
            if (x::read_grub_env_block(again) != target || again != b) {
                std::abort();
            }
        }
    }
    if (const auto chain = x::parse_cluster_chain(raw)) {
        if (chain->empty() || std::any_of(chain->begin(), chain->end(), [](auto c) { return c < 2; })) {
            std::abort();
        }
    }
    const std::span directory(data, size);
    const auto a = x::find_short_entry(directory, "grub.cfg");
    const auto b = x::find_short_entry(directory, "XCPSWTCH.CFG");
    if ((a && (*a + 1) * x::fat_entry_size > size) || (b && (*b + 1) * x::fat_entry_size > size)) {
        std::abort();
    }
    if (a && b) {
        std::vector<unsigned char> bytes(data, data + size);
        x::exchange_entry_contents(std::span(bytes.data(), bytes.size()), *a, *b);
        x::exchange_entry_contents(std::span(bytes.data(), bytes.size()), *a, *b);
        if (!std::equal(bytes.begin(), bytes.end(), data)) {
            std::abort();
        }
    }
    if (size >= 512) {
        const auto sector = raw.substr(0, 512);
        const auto lba = x::grub_core_sector(sector);
        const auto switched = x::grub_boot_sector(sector, sector, 0x12345678);
        // A sector read as GRUB's names the LBA written in (its "GRUB " may
        // lie where the LBA goes, and be overwritten: then it is none).
        const auto named = x::grub_core_sector(switched);
        if (switched.substr(0x1b8) != sector.substr(0x1b8) || (named && *named != 0x12345678)) {
            std::abort();
        }
        if (const auto sectors = x::grub_core_sectors(sector); sectors && *sectors < 2) {
            std::abort();
        }
        try {
            const auto placed = x::placed_grub_core(raw, 4096);
            if (placed.size() % 512 != 0 || placed.size() < raw.size() || x::grub_core_sectors(placed) != placed.size() / 512 ||
                x::placed_grub_core(placed, 4096) != placed) {
                std::abort();
            }
        } catch (const std::invalid_argument&) {
        }
        (void)x::free_grub_slot(data[0], static_cast<std::uint64_t>(data[1]) << 12, lba, data[2]);
    }
    const auto config = x::grub_config_booting_backup(raw, "0b9f7d8e-5c4a-4e21-9a53-6f3c2d1e0a77");
    // No search command by label is left: each became one by UUID.
    for (std::size_t from = 0; from < config.size();) {
        auto end = config.find('\n', from);
        end = end == std::string::npos ? config.size() : end;
        const auto line = config.substr(from, end - from);
        const auto indent = std::min(line.find_first_not_of(" \t"), line.size());
        if (line.compare(indent, 7, "search ") == 0 && line.find("--label", indent) != std::string::npos) {
            std::abort();
        }
        from = end + 1;
    }
    return 0;
}
