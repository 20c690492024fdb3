#include "installer-agent/upgrade/backup_boot.hpp"

#include "installer-agent/configure/boot_switch.hpp"
#include "installer-agent/configure/bootloader.hpp"
#include "installer-agent/disk/ext_files.hpp"
#include "installer-agent/disk/extlinux.hpp"
#include "installer-agent/disk/grub_bios.hpp"
#include "installer-agent/disk/grub_bios_install.hpp"
#include "installer-agent/disk/in_place_write.hpp"
#include "installer-agent/disk/partition_table.hpp"
#include "installer-agent/disk/vfat_files.hpp"

#include <fstream>
#include <stdexcept>

namespace xcp::installer {

namespace fs = std::filesystem;

void boot_from_backup(const fs::path& disk, const Layout& layout, const PlannedPartition& backup,
                      const fs::path& mount_point, const fs::path& modules_dir)
{
    if (const auto why = extlinux_unavailable(); !why.empty()) {
        throw std::runtime_error("the backup cannot be made bootable while the root is rewritten (" + why +
                                 "), so the root is not rewritten");
    }
    const auto uuid = ext_uuid({disk, backup.start});
    install_extlinux_in(disk, backup, mount_point, std::string(backup_boot_dir), [&](const fs::path& mounted) {
        std::ifstream in(mounted / "boot/extlinux.conf", std::ios::binary);
        if (!in) {
            throw std::runtime_error("the backup has no /boot/extlinux.conf to boot from");
        }
        const std::string config{std::istreambuf_iterator<char>(in), {}};
        const auto dir = mounted / backup_boot_dir;
        std::error_code ec;
        fs::create_directories(dir, ec);
        for (const auto* module : {"mboot.c32", "libcom32.c32"}) {
            fs::remove(dir / module, ec);
            if (fs::exists(mounted / "boot" / module)) {
                fs::copy_file(mounted / "boot" / module, dir / module, ec);
            }
        }
        if (const auto missing = add_syslinux_modules(modules_dir, dir); !missing.empty()) {
            throw std::runtime_error("no " + missing.front() + " in the backup's /boot or in " + modules_dir.string());
        }
        std::ofstream out(dir / "extlinux.conf", std::ios::binary | std::ios::trunc);
        out << config_booting_backup(config, uuid);
        out.close();
        if (!out) {
            throw std::runtime_error("cannot write /" + std::string(backup_boot_dir) + "/extlinux.conf");
        }
    });
    mark_bootable(disk, layout, backup.number);
}

namespace {

// Deterministic files: a run that goes on finds them written and leaves
// them, so what a booting backup reads is never rewritten under it.
void write_if_changed(const ExtLocation& where, const std::string& name, const std::string& bytes,
                      const fs::path& scratch_dir)
{
    if (read_ext_file(where, "/" + name, scratch_dir) != bytes) {
        write_ext_file(where, name, bytes, scratch_dir);
    }
}

// The backup's own grub.cfg into /.xcp-backup-boot: its /boot/grub/grub.cfg
// (else `fallback`, a whole one another installer left on the ESP) made to
// find the backup by `uuid`.
void write_backup_grub_config(const ExtLocation& on_backup, const std::string& uuid,
                              const std::optional<std::string>& fallback, const fs::path& scratch_dir)
{
    auto config = read_ext_file(on_backup, "/boot/grub/grub.cfg", scratch_dir);
    if (!config) {
        config = fallback;
    }
    if (!config) {
        throw std::runtime_error(std::string("the backup has no /boot/grub/grub.cfg") +
                                 (fallback ? "" : ", and the ESP no whole grub.cfg,") + " to boot from");
    }
    write_if_changed(on_backup, std::string(backup_boot_dir) + "/grub.cfg", grub_config_booting_backup(*config, uuid),
                     scratch_dir);
}

// grubenv rewritten in place: its first sector, which holds every variable.
void switch_esp(const fs::path& disk, const PlannedPartition& esp, const std::string& block)
{
    const VfatLocation where{disk, esp.start};
    write_in_place(disk, vfat_file_offset(where, std::string(esp_env_path)), std::string_view(block).substr(0, 512),
                   "the ESP's grubenv");
}

}  // namespace

void boot_from_backup_by_esp(const fs::path& disk, const PlannedPartition& esp, const PlannedPartition& backup,
                             const std::string& root_label, const fs::path& scratch_dir)
{
    const VfatLocation on_esp{disk, esp.start};
    const ExtLocation on_backup{disk, backup.start};
    const auto uuid = ext_uuid(on_backup);
    const auto env = read_vfat_file(on_esp, std::string(esp_env_path), scratch_dir);
    const auto target = env ? read_grub_env_block(*env) : std::nullopt;
    const auto switch_config = esp_switch_config(root_label);
    const auto esp_config = read_vfat_file(on_esp, std::string(esp_switch_path), scratch_dir);
    const bool has_switch = target && esp_config == switch_config;

    write_backup_grub_config(on_backup, uuid, esp_config && !has_switch ? esp_config : std::nullopt, scratch_dir);
    const auto block = grub_env_block(BootTarget::backup, uuid);
    if (has_switch) {
        switch_esp(disk, esp, block);
        remove_vfat_file(on_esp, std::string(esp_replaced_path));  // left by a run stopped after the exchange
        return;
    }
    // Another installer's ESP: grubenv first (its grub.cfg does not read
    // ours), then the switch's grub.cfg beside the old one, then the two
    // exchanged in one sector. Until that write the old grub.cfg boots the
    // old root, which is still whole; after it, the switch boots the backup.
    write_vfat_file(on_esp, std::string(esp_env_path), block, scratch_dir);
    write_vfat_file(on_esp, std::string(esp_replaced_path), switch_config, scratch_dir);
    const auto slash = esp_switch_path.rfind('/');
    if (!exchange_vfat_files(on_esp, std::string(esp_switch_path.substr(0, slash)),
                             std::string(esp_switch_path.substr(slash + 1)),
                             std::string(esp_replaced_path.substr(slash + 1)))) {
        // Their entries lie in two sectors (a crowded directory): replaced
        // whole instead, which a power cut in the middle could leave torn.
        write_vfat_file(on_esp, std::string(esp_switch_path), switch_config, scratch_dir);
    }
    remove_vfat_file(on_esp, std::string(esp_replaced_path));
}

void boot_from_root_by_esp(const fs::path& disk, const PlannedPartition& esp, const fs::path& scratch_dir)
{
    const auto env = read_vfat_file({disk, esp.start}, std::string(esp_env_path), scratch_dir);
    if (!env || !read_grub_env_block(*env)) {
        throw std::runtime_error("the ESP holds no grubenv of this installer's switch to boot the root with");
    }
    switch_esp(disk, esp, grub_env_block(BootTarget::root));
}

std::string boot_from_backup_by_grub_core(const fs::path& disk, const PlannedPartition& bios_boot,
                                          const PlannedPartition& backup, const fs::path& modules_dir,
                                          const fs::path& scratch_dir)
{
    if (const auto why = grub_bios_unavailable(modules_dir); !why.empty()) {
        throw std::runtime_error("GRUB's core image for the backup cannot be made: " + why);
    }
    const ExtLocation on_backup{disk, backup.start};
    write_backup_grub_config(on_backup, ext_uuid(on_backup), std::nullopt, scratch_dir);
    // Its prefix is the backup's /boot/grub (modules of the old root's own
    // GRUB, when insmod asks for one not built in); its embedded config
    // reads the backup's grub.cfg.
    const auto core = make_grub_core(modules_dir, grub_core_prefix(backup.number),
                                     grub_backup_core_config(backup_boot_dir), scratch_dir / "grub-core");
    write_if_changed(on_backup, std::string(grub_backup_core_path), core, scratch_dir);
    return boot_grub_core(disk, bios_boot, core, modules_dir);
}

}  // namespace xcp::installer
