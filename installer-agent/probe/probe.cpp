#include "installer-agent/probe/probe.hpp"

#include "libxcp/answerfile/values.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <blkid/blkid.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>
#include <memory>

namespace xcp::installer {
namespace {

using ProbePtr = std::unique_ptr<blkid_struct_probe, decltype(&blkid_free_probe)>;

// The filesystem label of a region of the disk, if any.
std::string label_at(int fd, std::uint64_t offset, std::uint64_t size)
{
    ProbePtr p(blkid_new_probe(), &blkid_free_probe);
    if (!p || blkid_probe_set_device(p.get(), fd, static_cast<blkid_loff_t>(offset), static_cast<blkid_loff_t>(size)) != 0) {
        return {};
    }
    blkid_probe_enable_superblocks(p.get(), 1);
    blkid_probe_set_superblocks_flags(p.get(), BLKID_SUBLKS_LABEL);
    if (blkid_do_safeprobe(p.get()) != 0) {
        return {};
    }
    const char* label = nullptr;
    if (blkid_probe_lookup_value(p.get(), "LABEL", &label, nullptr) == 0 && label != nullptr) {
        return label;
    }
    return {};
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

Probe probe_disks(const std::filesystem::path& dev_dir, const std::vector<std::string>& names)
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
                            info.size = static_cast<std::uint64_t>(blkid_partition_get_size(part)) * 512;
                            if (const char* pname = blkid_partition_get_name(part)) {
                                info.name = pname;
                            }
                            info.label = label_at(fd.get(), info.start, info.size);
                            d.partitions.push_back(std::move(info));
                        }
                    }
                }
            }
        }
        out.disks.push_back(std::move(d));
    }
    return out;
}

}  // namespace xcp::installer
