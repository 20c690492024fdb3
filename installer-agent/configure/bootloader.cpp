#include "installer-agent/configure/bootloader.hpp"

#include <algorithm>

namespace xcp::installer {
namespace {

namespace af = answerfile;

std::string newest(std::vector<std::string>& names, std::string_view prefix, std::string_view suffix = {})
{
    std::string best;
    for (const auto& n : names) {
        if (n.starts_with(prefix) && n.ends_with(suffix) && n > best) {
            best = n;
        }
    }
    return best;
}

}  // namespace

std::optional<BootFiles> find_boot_files(std::vector<std::string> names)
{
    std::sort(names.begin(), names.end());
    BootFiles f;
    f.xen = newest(names, "xen", ".gz");
    f.kernel = newest(names, "vmlinuz");
    f.initrd = newest(names, "initrd");
    if (f.xen.empty() || f.kernel.empty()) {
        return std::nullopt;
    }
    return f;
}

bool uses_extlinux(const af::Answerfile& a, LayoutEra era, bool uefi)
{
    const auto kind = a.bootloader ? a.bootloader->kind : af::BootloaderKind::unspecified;
    return !uefi && (kind == af::BootloaderKind::extlinux ||
                     (kind == af::BootloaderKind::unspecified && era == LayoutEra::legacy));
}

BootloaderConfig bootloader_config(const af::Answerfile& a, LayoutEra era, const std::string& table,
                                   const BootFiles& f, const std::string& root_label, int dom0_mem_mib,
                                   bool uefi)
{
    const bool extlinux = uses_extlinux(a, era, uefi);
    const auto mem = std::to_string(dom0_mem_mib) + "M";
    const auto xen_args = "dom0_mem=" + mem + ",max:" + mem + " com1=115200,8n1 console=com1,vga";
    const auto kernel_args = "root=LABEL=" + root_label + " ro xencons=hvc console=hvc0 console=tty0";
    BootloaderConfig c;
    if (extlinux) {
        c.kind = "extlinux";
        c.path = "boot/extlinux.conf";
        c.boot_code = table == "gpt" ? "gptmbr.bin" : "mbr.bin";
        c.text = "# Written by xcp-installer.\n"
                 "serial 0 115200\n"
                 "default xe\n"
                 "prompt 1\n"
                 "timeout 50\n\n"
                 "label xe\n"
                 "  # Xen with the control domain\n"
                 "  kernel mboot.c32\n"
                 "  append /boot/" + f.xen + " " + xen_args + " --- /boot/" + f.kernel + " " + kernel_args +
                 (f.initrd.empty() ? "" : " --- /boot/" + f.initrd) + "\n\n"
                 "label fallback\n"
                 "  # the control domain without Xen, for rescue\n"
                 "  kernel /boot/" + f.kernel + "\n"
                 "  append " + kernel_args + (f.initrd.empty() ? "" : " initrd=/boot/" + f.initrd) + "\n";
        return c;
    }
    c.kind = "grub2";
    c.path = uefi ? "EFI/xenserver/grub.cfg" : "boot/grub/grub.cfg";
    c.on_esp = uefi;
    c.text = "# Written by xcp-installer.\n"
             "serial --unit=0 --speed=115200\n"
             "terminal_input serial console\n"
             "terminal_output serial console\n"
             "set default=0\n"
             "set timeout=5\n\n"
             "menuentry 'XCP-ng' {\n"
             "  search --label --set root " + root_label + "\n"
             "  multiboot2 /boot/" + f.xen + " " + xen_args + "\n"
             "  module2 /boot/" + f.kernel + " " + kernel_args + "\n" +
             (f.initrd.empty() ? "" : "  module2 /boot/" + f.initrd + "\n") + "}\n";
    return c;
}

}  // namespace xcp::installer
