#include "installer-agent/configure/bootloader.hpp"

#include <algorithm>

namespace xcp::installer {
namespace {

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

std::string_view to_string(BootLoader loader)
{
    return loader == BootLoader::extlinux ? "extlinux" : "grub2";
}

BootSettings boot_settings(answerfile::BootloaderKind asked, bool legacy_layout, bool uefi,
                           const std::string& table, const std::string& root_label, int dom0_mem_mib)
{
    BootSettings s;
    s.loader = !uefi && (asked == answerfile::BootloaderKind::extlinux ||
                         (asked == answerfile::BootloaderKind::unspecified && legacy_layout))
                   ? BootLoader::extlinux
                   : BootLoader::grub2;
    s.uefi = uefi;
    s.root_label = root_label;
    s.dom0_mem_mib = dom0_mem_mib;
    if (s.loader == BootLoader::extlinux) {
        s.path = "boot/extlinux.conf";
        s.boot_code = table == "gpt" ? "gptmbr.bin" : "mbr.bin";
    } else {
        s.path = "boot/grub/grub.cfg";
    }
    return s;
}

std::string bootloader_config(const BootSettings& s, const BootFiles& f)
{
    const auto mem = std::to_string(s.dom0_mem_mib) + "M";
    const auto xen_args = "dom0_mem=" + mem + ",max:" + mem + " com1=115200,8n1 console=com1,vga";
    const auto kernel_args = "root=LABEL=" + s.root_label + " ro xencons=hvc console=hvc0 console=tty0";
    if (s.loader == BootLoader::extlinux) {
        return "# Written by xcp-installer.\n"
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
    }
    return "# Written by xcp-installer.\n"
           "serial --unit=0 --speed=115200\n"
           "terminal_input serial console\n"
           "terminal_output serial console\n"
           "set default=0\n"
           "set timeout=5\n\n"
           "menuentry 'XCP-ng' {\n"
           "  search --label --set root " + s.root_label + "\n"
           "  multiboot2 /boot/" + f.xen + " " + xen_args + "\n"
           "  module2 /boot/" + f.kernel + " " + kernel_args + "\n" +
           (f.initrd.empty() ? "" : "  module2 /boot/" + f.initrd + "\n") + "}\n";
}

std::string config_booting_backup(const std::string& config, const std::string& uuid)
{
    std::string out;
    constexpr std::string_view key = "root=LABEL=";
    std::size_t from = 0;
    for (auto at = config.find(key); at != std::string::npos; at = config.find(key, from)) {
        out += config.substr(from, at - from) + "root=UUID=" + uuid;
        from = config.find_first_of(" \t\n", at);
        if (from == std::string::npos) {
            from = config.size();
        }
    }
    return out + config.substr(from);
}

}  // namespace xcp::installer
