// The boot loader configuration of the new root, with the Xen entry: a pure
// function of the boot settings the plan settled and the files the packages
// put under /boot.
#pragma once

#include "libxcp/answerfile/model.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::installer {

struct BootFiles {
    std::string xen, kernel, initrd;  // names under /boot; initrd may be empty
};

// Picks xen*.gz, vmlinuz* and initrd* (the newest-looking name when there
// are several); nullopt when Xen or the kernel is missing.
std::optional<BootFiles> find_boot_files(std::vector<std::string> names);

enum class BootLoader { extlinux, grub2 };
std::string_view to_string(BootLoader loader);

// Everything the plan decides about booting the new root.
struct BootSettings {
    BootLoader loader = BootLoader::grub2;
    bool uefi = false;       // the ESP's switch (boot_switch.hpp), read by the vendor's grubx64.efi, hands over to `path`
    std::string path;        // below the new root
    std::string boot_code;   // extlinux: syslinux's MBR code to write, mbr.bin or gptmbr.bin
    std::string root_label;  // root=LABEL=...
    int dom0_mem_mib = 2048;
};

// extlinux boots BIOS machines only, so UEFI always gets grub2; without a
// <bootloader> element the 2009 layout gets extlinux and the modern grub2.
// `table` is the primary disk's (gpt or dos).
BootSettings boot_settings(answerfile::BootloaderKind asked, bool legacy_layout, bool uefi,
                           const std::string& table, const std::string& root_label, int dom0_mem_mib);

std::string bootloader_config(const BootSettings& settings, const BootFiles& files);

// An installation's extlinux.conf made to boot its backup, whose
// filesystem has `uuid`: every root=LABEL=... becomes root=UUID=<uuid>.
// Paths stay as they are (absolute ones find the backup's /boot).
std::string config_booting_backup(const std::string& config, const std::string& uuid);

}  // namespace xcp::installer
