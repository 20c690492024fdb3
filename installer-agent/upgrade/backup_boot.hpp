// The verified backup made bootable while the root is rewritten, so that a
// power cut at any instant leaves a disk that starts a whole control domain:
// the old one from its backup, until the new root is written and checked.
#pragma once

#include "installer-agent/layout/layout.hpp"

#include <filesystem>
#include <string>
#include <string_view>

namespace xcp::installer {

// Where the backup's own boot files go; bookkeeping, like the marker.
inline constexpr std::string_view backup_boot_dir = ".xcp-backup-boot";

// extlinux.conf (the backup's /boot/extlinux.conf with root=UUID= of the
// backup), mboot.c32 and libcom32.c32 (the backup's, else `modules_dir`'s)
// and ldlinux.sys into /.xcp-backup-boot with the partition's boot sector,
// then the boot flag moved from the root onto the backup. Throws with the
// sentence.
void boot_from_backup(const std::filesystem::path& disk, const Layout& layout, const PlannedPartition& backup,
                      const std::filesystem::path& mount_point, const std::filesystem::path& modules_dir);

// UEFI: the verified backup booted through the ESP's switch
// (configure/boot_switch.hpp). Its own grub.cfg goes into /.xcp-backup-boot
// (the backup's /boot/grub/grub.cfg, or the ESP's when another installer
// wrote a whole one there, made to find the backup by UUID); then grubenv
// names the backup, rewritten in place. An ESP without the switch gets it:
// grubenv naming the backup, then the switch's grub.cfg over the old one.
// Throws with the sentence.
void boot_from_backup_by_esp(const std::filesystem::path& disk, const PlannedPartition& esp,
                             const PlannedPartition& backup, const std::string& root_label,
                             const std::filesystem::path& scratch_dir);

// BIOS with GRUB: the backup's own grub.cfg into /.xcp-backup-boot (as
// for UEFI), a core image reading it made with grub-mkimage from
// `modules_dir` and kept beside it (grub_backup_core_path), then put into
// the BIOS boot partition's free slot and the MBR pointed at it in one
// sector (disk/grub_bios_install.hpp). Returns what was done. Throws with
// the sentence.
std::string boot_from_backup_by_grub_core(const std::filesystem::path& disk, const PlannedPartition& bios_boot,
                                          const PlannedPartition& backup, const std::filesystem::path& modules_dir,
                                          const std::filesystem::path& scratch_dir);

// grubenv rewritten in place to name the root again. Throws with the sentence.
void boot_from_root_by_esp(const std::filesystem::path& disk, const PlannedPartition& esp,
                           const std::filesystem::path& scratch_dir);

}  // namespace xcp::installer
