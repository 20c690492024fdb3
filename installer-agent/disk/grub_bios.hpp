// GRUB's BIOS boot on a GPT disk, switched in one sector. The MBR's code
// (GRUB's boot.img) loads a core image from the LBA it holds at 0x5c; the
// BIOS boot partition holds two slots for core images. A core that boots the
// root (its prefix is the root's /boot/grub, as the vendor's own) or one
// that boots the verified backup is written into the slot the MBR does not
// point at, read back, and only then is the MBR's sector rewritten to point
// at it: one 512-byte write flips what the disk starts, and a power cut
// before it leaves the old core, whole, in charge. Pure: bytes in, bytes out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::installer {

// The core image that boots a verified backup, kept (as grub-mkimage made
// it) in the backup beside its grub.cfg: a probe that finds the MBR loading
// these bytes knows the disk boots the backup.
inline constexpr std::string_view grub_backup_core_path = ".xcp-backup-boot/grub-core.img";
inline constexpr std::uint64_t grub_slot_bytes = 1024 * 1024;  // each core's room in the BIOS boot partition

// The LBA of the core image a boot sector loads, when the sector is GRUB's
// boot.img ("GRUB " in its messages); nullopt for any other code.
std::optional<std::uint64_t> grub_core_sector(std::string_view sector);

// The core's length in sectors, from its first sector (diskboot.img's
// blocklist: the sectors after the first); nullopt when it holds none.
std::optional<std::uint64_t> grub_core_sectors(std::string_view first_sector);

// `core` as grub-mkimage made it, padded to whole sectors, with its
// blocklist pointing at the sectors that follow `lba` (what grub-bios-setup
// writes when it embeds a core in one piece). Throws std::invalid_argument
// when the core does not fit in a slot or is no i386-pc core image.
std::string placed_grub_core(std::string core, std::uint64_t lba);

// The MBR's new sector: boot.img's code, the current sector's BPB, disk
// signature and partition table kept, the core's LBA written in, and the
// drive-number check turned off as grub-bios-setup does for a hard disk.
// Throws std::invalid_argument when either is not 512 bytes.
std::string grub_boot_sector(std::string_view current, std::string_view boot_img, std::uint64_t core_lba);

// Where a new core goes in a BIOS boot partition of `partition_sectors`
// sectors starting at `partition_lba`: the first of its two slots that does
// not overlap the core the MBR now loads ([current_lba, +current_sectors)),
// or nullopt when the partition has no room for two.
std::optional<std::uint64_t> free_grub_slot(std::uint64_t partition_lba, std::uint64_t partition_sectors,
                                            std::optional<std::uint64_t> current_lba,
                                            std::uint64_t current_sectors);

// grub-mkimage's prefix for a core that boots the root on `partition` of a
// GPT disk ("(,gpt1)/boot/grub"), and the embedded config of one that boots
// the backup's own grub.cfg in `backup_boot_dir` of that partition.
std::string grub_core_prefix(int partition);
std::string grub_backup_core_config(std::string_view backup_boot_dir);

}  // namespace xcp::installer
