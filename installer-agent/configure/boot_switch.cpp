#include "installer-agent/configure/boot_switch.hpp"

#include "installer-agent/configure/bootloader.hpp"

#include <algorithm>

namespace xcp::installer {

namespace {

constexpr std::string_view env_header = "# GRUB Environment Block\n";
constexpr std::size_t sector = 512;

}  // namespace

std::string esp_switch_config(const std::string& root_label)
{
    return "# Written by xcp-installer: the root labelled " + root_label +
           " boots through its own /boot/grub/grub.cfg;\n"
           "# while an upgrade or restore rewrites it, grubenv names the verified backup instead.\n"
           "serial --unit=0 --speed=115200\n"
           "terminal_input serial console\n"
           "terminal_output serial console\n"
           "set xcp_boot=root\n"
           "load_env -f /" + std::string(esp_env_path) + "\n"
           "if [ \"$xcp_boot\" = backup ]; then\n"
           "  search --no-floppy --fs-uuid --set=root $xcp_backup\n"
           "  configfile /.xcp-backup-boot/grub.cfg\n"
           "fi\n"
           "search --no-floppy --label --set=root " + root_label + "\n"
           "configfile /boot/grub/grub.cfg\n";
}

std::string_view to_string(BootTarget target)
{
    return target == BootTarget::root ? "root" : "backup";
}

std::string grub_env_block(BootTarget target, const std::string& backup_uuid)
{
    std::string block(env_header);
    block += "xcp_boot=" + std::string(to_string(target)) + "\n";
    if (target == BootTarget::backup) {
        block += "xcp_backup=" + backup_uuid + "\n";
    }
    if (block.size() > sector) {
        block.resize(sector);
    }
    block.resize(grub_env_size, '#');
    return block;
}

std::optional<BootTarget> read_grub_env_block(std::string_view block)
{
    if (block.size() != grub_env_size || !block.starts_with(env_header)) {
        return std::nullopt;
    }
    // Only a block as grub_env_block writes it: grub would read any other
    // line after a comment line too.
    const auto end = block.find('#', env_header.size());
    if (end == std::string_view::npos || end > sector ||
        block.find_first_not_of('#', end) != std::string_view::npos) {
        return std::nullopt;
    }
    const auto vars = block.substr(env_header.size(), end - env_header.size());
    if (vars == "xcp_boot=root\n") {
        return BootTarget::root;
    }
    constexpr std::string_view backup = "xcp_boot=backup\nxcp_backup=";
    if (vars.starts_with(backup) && vars.size() > backup.size() + 1 && vars.back() == '\n' &&
        vars.find('\n', backup.size()) == vars.size() - 1) {
        return BootTarget::backup;
    }
    return std::nullopt;
}

std::string grub_config_booting_backup(const std::string& config, const std::string& uuid)
{
    std::string out;
    std::size_t from = 0;
    for (std::size_t end = 0; from < config.size(); from = end) {
        end = config.find('\n', from);
        end = end == std::string::npos ? config.size() : end + 1;
        const auto line = std::string_view(config).substr(from, end - from);
        const auto indent = std::min(line.find_first_not_of(" \t"), line.size());
        if (line.substr(indent).starts_with("search ") && line.find("--label", indent) != std::string_view::npos) {
            out += std::string(line.substr(0, indent)) + "search --no-floppy --fs-uuid --set=root " + uuid + "\n";
        } else {
            out += line;
        }
    }
    return config_booting_backup(out, uuid);
}

}  // namespace xcp::installer
