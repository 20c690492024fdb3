// UEFI boot that an upgrade or restore switches in one sector. The ESP holds
// a grub.cfg that never changes with the version: it reads grubenv (grub's
// environment block, 1024 bytes, rewritten in place and never resized) and
// then hands over either to the root's own /boot/grub/grub.cfg (found by the
// root's label) or, while the root is rewritten, to the verified backup's
// /.xcp-backup-boot/grub.cfg (found by its UUID). XCP-ng's own grub.cfg reads
// the same block for its one-shot entries.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xcp::installer {

inline constexpr std::string_view esp_switch_path = "EFI/xenserver/grub.cfg";
inline constexpr std::string_view esp_env_path = "EFI/xenserver/grubenv";
// Where the switch's grub.cfg is written before it is exchanged with
// another installer's, which it then holds until it is removed. 8.3, in the
// same directory.
inline constexpr std::string_view esp_replaced_path = "EFI/xenserver/XCPSWTCH.CFG";
inline constexpr std::size_t grub_env_size = 1024;

// The ESP's grub.cfg for the root labelled `root_label`.
std::string esp_switch_config(const std::string& root_label);

enum class BootTarget { root, backup };
std::string_view to_string(BootTarget target);

// grubenv naming the target (and the backup's filesystem UUID when it is the
// backup): grub's header, the variables, '#' up to 1024 bytes. Everything
// that changes lies in the first 512 bytes, so a switch is one sector.
std::string grub_env_block(BootTarget target, const std::string& backup_uuid = {});

// What a grubenv says, or nullopt when it is no block this installer wrote.
std::optional<BootTarget> read_grub_env_block(std::string_view block);

// A root's grub.cfg made to boot its backup, whose filesystem has `uuid`:
// each command line "search ... --label ..." becomes one that finds the
// backup by UUID, and every root=LABEL=... becomes root=UUID=<uuid>.
std::string grub_config_booting_backup(const std::string& config, const std::string& uuid);

}  // namespace xcp::installer
