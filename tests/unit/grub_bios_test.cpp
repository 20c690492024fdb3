// GRUB's BIOS boot sector and core images (installer-agent/disk/grub_bios):
// the one-sector switch between two core slots, on synthetic bytes laid out
// as GRUB 2.06's boot.img and diskboot.img are.
#include "installer-agent/disk/grub_bios.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace xcp::installer {
namespace {

std::uint64_t le(const std::string& s, std::size_t at, std::size_t width)
{
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) {
        v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s[at + i])) << (8 * i);
    }
    return v;
}

// boot.img: code, "GRUB " among its messages, 0x55aa.
std::string boot_img()
{
    std::string s(512, '\xcc');
    s.replace(0x180, 5, "GRUB ");
    s[0x66] = '\xeb';
    s[0x67] = '\x05';
    s[510] = '\x55';
    s[511] = '\xaa';
    return s;
}

// A protective MBR as sgdisk writes it: a signature, one 0xee entry.
std::string protective_mbr()
{
    std::string s(512, '\0');
    s.replace(3, 8, "MSWIN4.1");  // stands in for a BPB that must be kept
    s.replace(0x1b8, 4, "\x12\x34\x56\x78");
    s[0x1be + 4] = '\xee';
    s[510] = '\x55';
    s[511] = '\xaa';
    return s;
}

// A core of `sectors` sectors whose blocklist holds what grub-mkimage
// writes: start 2, the length of the rest, segment 0x820.
std::string core(std::size_t sectors)
{
    std::string s(sectors * 512 - 100, 'k');  // its last sector is partial, as grub-mkimage's is
    s.replace(500, 12, std::string("\x02\0\0\0\0\0\0\0", 8) + std::string(1, static_cast<char>((sectors - 1) & 0xff)) +
                           std::string(1, static_cast<char>((sectors - 1) >> 8)) + std::string("\x20\x08", 2));
    return s;
}

TEST(GrubBios, TheBootSectorKeepsTheTableAndBpbAndPointsAtTheCore)
{
    const auto mbr = protective_mbr();
    const auto sector = grub_boot_sector(mbr, boot_img(), 1234567);
    ASSERT_EQ(sector.size(), 512U);
    EXPECT_EQ(sector.substr(0x1b8), mbr.substr(0x1b8)) << "signature, partition table and 0x55aa kept";
    EXPECT_EQ(sector.substr(3, 0x5a - 3), mbr.substr(3, 0x5a - 3)) << "the BPB kept";
    EXPECT_EQ(le(sector, 0x5c, 8), 1234567U);
    EXPECT_EQ(sector.substr(0x66, 2), "\x90\x90") << "the drive check jumped over, as grub-bios-setup does";
    EXPECT_EQ(sector[0x180], 'G') << "boot.img's own code and messages";
    EXPECT_EQ(grub_core_sector(sector), 1234567U);
    EXPECT_EQ(grub_core_sector(mbr), std::nullopt) << "a protective MBR with no GRUB code";
    EXPECT_EQ(grub_core_sector(std::string(100, 'x')), std::nullopt);
    EXPECT_THROW((void)grub_boot_sector(mbr.substr(1), boot_img(), 1), std::invalid_argument);
}

TEST(GrubBios, ACoreIsPaddedAndItsBlocklistNamesTheSectorsAfterItsSlot)
{
    const auto placed = placed_grub_core(core(300), 2048);
    ASSERT_EQ(placed.size(), 300U * 512);
    EXPECT_EQ(le(placed, 500, 8), 2049U) << "the sectors after the first";
    EXPECT_EQ(le(placed, 508, 2), 299U) << "grub-mkimage's length kept";
    EXPECT_EQ(le(placed, 510, 2), 0x820U);
    EXPECT_EQ(grub_core_sectors(placed.substr(0, 512)), 300U);
    EXPECT_EQ(placed_grub_core(placed, 2048), placed) << "placing again changes nothing";
    EXPECT_THROW((void)placed_grub_core(core(2049), 0), std::invalid_argument) << "more than a 1 MiB slot";
    EXPECT_THROW((void)placed_grub_core(std::string(4096, 'x'), 0), std::invalid_argument) << "no blocklist";
    EXPECT_THROW((void)placed_grub_core("short", 0), std::invalid_argument);
    EXPECT_EQ(grub_core_sectors(std::string(512, '\0')), std::nullopt);
}

TEST(GrubBios, TheNewCoreGoesWhereTheLoadedOneIsNot)
{
    constexpr std::uint64_t start = 1000000, slot = 2048, size = 1048576;  // a 512 MiB BIOS boot partition
    EXPECT_EQ(free_grub_slot(start, size, std::nullopt, 0), start) << "nothing loaded: the first slot";
    EXPECT_EQ(free_grub_slot(start, size, start, 339), start + slot) << "the vendor's core at the start";
    EXPECT_EQ(free_grub_slot(start, size, start + slot, 339), start);
    EXPECT_EQ(free_grub_slot(start, size, 1, 60), start) << "a core in the gap after the MBR";
    EXPECT_EQ(free_grub_slot(start, size, start + 100, slot + 100), std::nullopt) << "one core across both slots";
    EXPECT_EQ(free_grub_slot(start, 2 * slot - 1, std::nullopt, 0), std::nullopt) << "no room for two";
}

TEST(GrubBios, PrefixAndBackupConfig)
{
    EXPECT_EQ(grub_core_prefix(1), "(,gpt1)/boot/grub");
    EXPECT_EQ(grub_backup_core_config(".xcp-backup-boot"), "configfile /.xcp-backup-boot/grub.cfg\n");
}

}  // namespace
}  // namespace xcp::installer
