#include "installer-agent/upgrade/backup_boot.hpp"

#include "installer-agent/configure/bootloader.hpp"
#include "installer-agent/disk/ext_files.hpp"
#include "installer-agent/disk/extlinux.hpp"
#include "installer-agent/disk/partition_table.hpp"

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

}  // namespace xcp::installer
