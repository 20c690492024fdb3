// The boot loader configuration of the new root, with the Xen entry: pure
// functions of the files the packages put under /boot and the answerfile.
#pragma once

#include "installer-agent/plan/layout.hpp"
#include "libxcp/answerfile/model.hpp"

#include <optional>
#include <string>
#include <vector>

namespace xcp::installer {

struct BootFiles {
    std::string xen, kernel, initrd;  // names under /boot; initrd may be empty
};

// Picks xen*.gz, vmlinuz* and initrd* (the newest-looking name when there
// are several); nullopt when Xen or the kernel is missing.
std::optional<BootFiles> find_boot_files(std::vector<std::string> names);

struct BootloaderConfig {
    std::string kind;       // extlinux or grub2
    std::string path;       // below the new root, or below the ESP when on_esp
    bool on_esp = false;    // UEFI: the vendor's grubx64.efi reads EFI/xenserver/grub.cfg on the ESP
    std::string text;
    std::string boot_code;  // syslinux MBR code to write, when extlinux: mbr.bin or gptmbr.bin
};

// extlinux boots BIOS machines only; UEFI always gets grub. Without a
// <bootloader> element, the 2009 layout gets extlinux and the modern grub2.
bool uses_extlinux(const answerfile::Answerfile& a, LayoutEra era, bool uefi);

BootloaderConfig bootloader_config(const answerfile::Answerfile& a, LayoutEra era, const std::string& table,
                                   const BootFiles& files, const std::string& root_label, int dom0_mem_mib,
                                   bool uefi);

}  // namespace xcp::installer
