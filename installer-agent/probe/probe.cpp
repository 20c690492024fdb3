#include "installer-agent/probe/probe.hpp"

#include "installer-agent/journal/disk_journal.hpp"

#include "installer-agent/configure/boot_switch.hpp"
#include "installer-agent/disk/ext_files.hpp"
#include "installer-agent/disk/grub_bios.hpp"
#include "installer-agent/disk/grub_bios_install.hpp"
#include "installer-agent/disk/in_place_write.hpp"
#include "installer-agent/disk/vfat_files.hpp"
#include "libxcp/answerfile/values.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>

namespace xcp::installer {
namespace {

using ProbePtr = std::unique_ptr<blkid_struct_probe, decltype(&blkid_free_probe)>;

struct Superblock {
    std::string label, type;
};

// The filesystem label and type of a region of the disk, if any.
Superblock superblock_at(int fd, std::uint64_t offset, std::uint64_t size)
{
    ProbePtr p(blkid_new_probe(), &blkid_free_probe);
    if (!p || blkid_probe_set_device(p.get(), fd, static_cast<blkid_loff_t>(offset), static_cast<blkid_loff_t>(size)) != 0) {
        return {};
    }
    blkid_probe_enable_superblocks(p.get(), 1);
    blkid_probe_set_superblocks_flags(p.get(), BLKID_SUBLKS_LABEL | BLKID_SUBLKS_TYPE);
    if (blkid_do_safeprobe(p.get()) != 0) {
        return {};
    }
    Superblock out;
    const char* value = nullptr;
    if (blkid_probe_lookup_value(p.get(), "LABEL", &value, nullptr) == 0 && value != nullptr) {
        out.label = value;
    }
    if (blkid_probe_lookup_value(p.get(), "TYPE", &value, nullptr) == 0 && value != nullptr) {
        out.type = value;
    }
    return out;
}

RootFacts read_root(const ExtLocation& where, const std::filesystem::path& scratch)
{
    RootFacts f;
    try {
        f.inventory = read_ext_file(where, "/etc/xensource-inventory", scratch);
        if (const auto data = list_ext_dir(where, "/etc/firstboot.d/data")) {
            f.firstboot_in_progress = std::any_of(data->begin(), data->end(), [](const ExtDirEntry& e) {
                return e.name == "firstboot_in_progress";
            });
        }
        if (const auto scripts = list_ext_dir(where, "/etc/firstboot.d")) {
            for (const auto& e : *scripts) {
                const bool regular = (e.mode & S_IFMT) == S_IFREG;
                if (regular && (e.mode & S_IXUSR) != 0 && !e.name.empty() && std::isdigit(static_cast<unsigned char>(e.name[0]))) {
                    f.firstboot_scripts.push_back(e.name);
                }
            }
        }
        if (const auto states = list_ext_dir(where, "/etc/firstboot.d/state")) {
            for (const auto& e : *states) {
                f.firstboot_states.push_back(e.name);
            }
        }
    } catch (const DiskError& e) {
        f.error = e.what();
    }
    return f;
}

bool has_backup_marker(const ExtLocation& where)
{
    try {
        const auto top = list_ext_dir(where, "/");
        return top && std::any_of(top->begin(), top->end(),
                                  [](const ExtDirEntry& e) { return e.name == ".xen-backup-partition"; });
    } catch (const DiskError&) {
        return false;
    }
}

// The device the root filesystem lives on, to refuse wiping it.
dev_t running_root_device()
{
    struct stat st {};
    return ::stat("/", &st) == 0 ? st.st_dev : 0;
}

std::string sysfs_of(dev_t dev)
{
    std::error_code ec;
    const auto path = std::filesystem::canonical(
        "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev)), ec);
    return ec ? std::string() : path.string();
}

// Whether the running root filesystem is on `disk` or one of its partitions
// (sysfs puts partitions below their disk). A root on LVM or RAID above the
// disk is not seen here.
bool holds(dev_t disk, dev_t root)
{
    if (root == 0) {
        return false;
    }
    const auto d = sysfs_of(disk);
    const auto r = sysfs_of(root);
    return !d.empty() && (r == d || r.starts_with(d + "/"));
}

}  // namespace

const PartitionInfo* DiskInfo::installation_root() const
{
    for (const auto& p : partitions) {
        if (p.label.starts_with("root-")) {
            return &p;
        }
    }
    return nullptr;
}

const PartitionInfo* DiskInfo::partition(int number) const
{
    for (const auto& p : partitions) {
        if (p.number == number) {
            return &p;
        }
    }
    return nullptr;
}

std::vector<std::string> DiskInfo::journal_slots() const
{
    std::vector<std::string> slots;
    for (const auto& p : partitions) {
        slots.insert(slots.end(), p.journal_slots.begin(), p.journal_slots.end());
    }
    return slots;
}

const DiskInfo* Probe::disk(const std::string& name) const
{
    const auto canonical = answerfile::canonical_disk(name);
    for (const auto& d : disks) {
        if (answerfile::canonical_disk(d.name) == canonical) {
            return &d;
        }
    }
    return nullptr;
}

std::string changed_since_probe(const DiskInfo& d)
{
    UniqueFd fd(::open(d.path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd.valid() || ::fstat(fd.get(), &st) != 0) {
        return "disk " + d.name + " (" + d.path.string() + ") has gone since it was probed";
    }
    const bool block = S_ISBLK(st.st_mode);
    std::uint64_t size = static_cast<std::uint64_t>(st.st_size);
    if (block) {
        ::ioctl(fd.get(), BLKGETSIZE64, &size);
    }
    if (block != d.block_device || (block ? st.st_rdev : st.st_dev) != d.device ||
        (block ? 0 : st.st_ino) != d.inode) {
        return "disk " + d.name + " (" + d.path.string() + ") is no longer the device that was probed";
    }
    if (size != d.size) {
        return "disk " + d.name + " changed size since it was probed (" + std::to_string(d.size) + " bytes, now " +
               std::to_string(size) + ")";
    }
    return {};
}

std::vector<std::string> list_disks(const std::filesystem::path& dev_dir)
{
    std::vector<std::string> names;
    std::error_code ec;
    if (dev_dir == "/dev") {
        for (const auto& e : std::filesystem::directory_iterator("/sys/block", ec)) {
            const auto name = e.path().filename().string();
            if (!name.starts_with("loop") && !name.starts_with("ram") && !name.starts_with("zram") &&
                !name.starts_with("sr") && !name.starts_with("dm-")) {
                names.push_back(name);
            }
        }
    } else {
        for (const auto& e : std::filesystem::directory_iterator(dev_dir, ec)) {
            if (e.is_regular_file(ec)) {
                names.push_back(e.path().filename().string());
            }
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

// DiskInfo::grub_core_boots.
std::string grub_core_boots(const DiskInfo& d, const std::filesystem::path& scratch_dir)
{
    try {
        const auto loaded = loaded_grub_core(d.path);
        if (!loaded) {
            return "";
        }
        for (const auto& p : d.partitions) {
            if (!p.backup_marker) {
                continue;
            }
            const auto saved = read_ext_file({d.path, p.start}, "/" + std::string(grub_backup_core_path), scratch_dir);
            if (saved && placed_grub_core(*saved, loaded->lba) == loaded->bytes) {
                return "backup";
            }
        }
        return "other";
    } catch (const std::exception&) {
        return "";  // no MBR to read, or a saved core that is none: nothing this installer switched
    }
}

}  // namespace

Probe probe_disks(const std::filesystem::path& dev_dir, const std::vector<std::string>& names,
                  const std::filesystem::path& scratch_dir)
{
    Probe out;
    out.uefi = std::filesystem::exists("/sys/firmware/efi");
    const auto root_dev = running_root_device();
    for (const auto& name : names) {
        if (out.disk(name) != nullptr) {
            continue;
        }
        DiskInfo d;
        d.name = name;
        d.path = dev_dir / answerfile::canonical_disk(name);
        UniqueFd fd(::open(d.path.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat st {};
        if (fd.valid() && ::fstat(fd.get(), &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
            d.present = true;
            d.block_device = S_ISBLK(st.st_mode);
            d.device = d.block_device ? st.st_rdev : st.st_dev;
            d.inode = d.block_device ? 0 : st.st_ino;
            if (S_ISBLK(st.st_mode)) {
                std::uint64_t bytes = 0;
                int sector = 512;
                ::ioctl(fd.get(), BLKGETSIZE64, &bytes);
                ::ioctl(fd.get(), BLKSSZGET, &sector);
                d.size = bytes;
                d.sector_size = static_cast<std::uint32_t>(sector);
                d.holds_running_system = holds(st.st_rdev, root_dev);
                const auto sysfs = sysfs_of(st.st_rdev);
                std::ifstream model(sysfs + "/device/model");
                std::getline(model, d.model);
                while (!d.model.empty() && d.model.back() == ' ') {
                    d.model.pop_back();
                }
                std::ifstream removable(sysfs + "/removable");
                d.removable = removable.get() == '1';
            } else {
                d.size = static_cast<std::uint64_t>(st.st_size);
            }
            ProbePtr p(blkid_new_probe(), &blkid_free_probe);
            if (p && blkid_probe_set_device(p.get(), fd.get(), 0, 0) == 0) {
                blkid_probe_enable_partitions(p.get(), 1);
                blkid_probe_set_partitions_flags(p.get(), BLKID_PARTS_ENTRY_DETAILS);
                blkid_probe_enable_superblocks(p.get(), 0);
                if (blkid_do_fullprobe(p.get()) == 0) {
                    if (auto* list = blkid_probe_get_partitions(p.get())) {
                        if (auto* table = blkid_partlist_get_table(list)) {
                            d.table = blkid_parttable_get_type(table);
                        }
                        const int n = blkid_partlist_numof_partitions(list);
                        for (int i = 0; i < n; ++i) {
                            auto* part = blkid_partlist_get_partition(list, i);
                            PartitionInfo info;
                            info.number = blkid_partition_get_partno(part);
                            info.start = static_cast<std::uint64_t>(blkid_partition_get_start(part)) * 512;
                            // DOS: the boot indicator (0x80); GPT: the attributes (bit 2).
                            const auto flags = blkid_partition_get_flags(part);
                            info.bootable = d.table == "gpt" ? (flags & 4ULL) != 0 : (flags & 0x80ULL) != 0;
                            info.size = static_cast<std::uint64_t>(blkid_partition_get_size(part)) * 512;
                            if (const char* pname = blkid_partition_get_name(part)) {
                                info.name = pname;
                            }
                            if (const char* type = blkid_partition_get_type_string(part)) {
                                info.type = type;
                                std::transform(info.type.begin(), info.type.end(), info.type.begin(),
                                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                            } else {
                                char hex[8];
                                std::snprintf(hex, sizeof hex, "0x%x", blkid_partition_get_type(part));
                                info.type = hex;
                            }
                            const auto sb = superblock_at(fd.get(), info.start, info.size);
                            info.label = sb.label;
                            info.filesystem = sb.type;
                            const ExtLocation where{d.path, info.start};
                            if (info.filesystem == "vfat") {
                                try {
                                    const auto env = read_vfat_file({d.path, info.start}, std::string(esp_env_path),
                                                                    scratch_dir);
                                    if (const auto target = env ? read_grub_env_block(*env) : std::nullopt) {
                                        info.esp_switch = std::string(to_string(*target));
                                    }
                                } catch (const DiskError&) {
                                }
                            } else if (info.filesystem.starts_with("ext") && info.label.starts_with("root-")) {
                                info.root_facts = read_root(where, scratch_dir);
                            } else if (info.filesystem.starts_with("ext")) {
                                try {
                                    info.journal_slots = read_journal_slots(where, scratch_dir);
                                } catch (const DiskError&) {
                                }
                                info.backup_marker = has_backup_marker(where);
                                if (info.backup_marker) {
                                    try {
                                        info.backup_inventory =
                                            read_ext_file(where, "/etc/xensource-inventory", scratch_dir);
                                    } catch (const DiskError&) {
                                    }
                                }
                            }
                            d.partitions.push_back(std::move(info));
                        }
                    }
                }
            }
        }
        if (d.present) {
            d.grub_core_boots = grub_core_boots(d, scratch_dir);
        }
        out.disks.push_back(std::move(d));
    }
    return out;
}

}  // namespace xcp::installer
