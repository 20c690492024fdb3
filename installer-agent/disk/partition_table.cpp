#include "installer-agent/disk/partition_table.hpp"

#include <libfdisk/libfdisk.h>

#include <cstring>
#include <memory>

namespace xcp::installer {
namespace {

struct ContextDeleter {
    void operator()(fdisk_context* c) const { fdisk_unref_context(c); }
};
struct PartitionDeleter {
    void operator()(fdisk_partition* p) const { fdisk_unref_partition(p); }
};
struct TypeDeleter {
    void operator()(fdisk_parttype* t) const { fdisk_unref_parttype(t); }
};
using Context = std::unique_ptr<fdisk_context, ContextDeleter>;

std::string why(int rc)
{
    return std::strerror(rc < 0 ? -rc : rc);
}

// libfdisk returns negative errno values.
void check(int rc, const std::filesystem::path& disk, const std::string& step)
{
    if (rc < 0) {
        throw DiskError("disk " + disk.string() + ": " + step + ": " + why(rc));
    }
}

Context open_disk(const std::filesystem::path& disk)
{
    Context c(fdisk_new_context());
    if (!c) {
        throw DiskError("disk " + disk.string() + ": libfdisk cannot start");
    }
    check(fdisk_assign_device(c.get(), disk.c_str(), 0), disk, "cannot open for writing");
    return c;
}

// MBR types by role; GPT uses the GUID the layout carries.
unsigned dos_type(const PlannedPartition& p)
{
    if (p.role == PartitionRole::local_sr) {
        return 0x8e;
    }
    if (p.role == PartitionRole::swap) {
        return 0x82;
    }
    return 0x83;
}

void close_disk(Context& c, const std::filesystem::path& disk)
{
    // Deassigning syncs the device (and asks the kernel to re-read the table
    // of a block device).
    check(fdisk_deassign_device(c.get(), 0), disk, "cannot sync");
}

}  // namespace

void write_partition_table(const std::filesystem::path& disk, const Layout& layout, std::uint32_t sector_size)
{
    auto c = open_disk(disk);
    const bool keep_first =
        !layout.partitions.empty() && layout.partitions.front().role == PartitionRole::utility;
    if (keep_first) {
        if (!fdisk_has_label(c.get())) {
            throw DiskError("disk " + disk.string() + ": partition 1 is to be kept, and the disk has no partition table");
        }
        const auto max = fdisk_get_npartitions(c.get());
        for (std::size_t i = 1; i < max; ++i) {
            if (fdisk_is_partition_used(c.get(), i)) {
                check(fdisk_delete_partition(c.get(), i), disk, "cannot remove partition " + std::to_string(i + 1));
            }
        }
    } else {
        fdisk_enable_wipe(c.get(), 1);
        check(fdisk_create_disklabel(c.get(), layout.table.c_str()), disk, "cannot create a " + layout.table + " table");
    }
    auto* label = fdisk_get_label(c.get(), nullptr);
    const bool gpt = layout.table == "gpt";
    for (const auto& p : layout.partitions) {
        if (p.role == PartitionRole::utility) {
            continue;
        }
        const std::string role(to_string(p.role));
        std::unique_ptr<fdisk_partition, PartitionDeleter> pa(fdisk_new_partition());
        fdisk_partition_set_partno(pa.get(), static_cast<std::size_t>(p.number - 1));
        fdisk_partition_set_start(pa.get(), p.start / sector_size);
        fdisk_partition_set_size(pa.get(), p.size / sector_size);
        std::unique_ptr<fdisk_parttype, TypeDeleter> type(
            gpt ? fdisk_label_get_parttype_from_string(label, p.gpt_type.c_str())
                : fdisk_label_get_parttype_from_code(label, dos_type(p)));
        if (!type) {
            throw DiskError("disk " + disk.string() + ": libfdisk does not know the partition type of " + role);
        }
        fdisk_partition_set_type(pa.get(), type.get());
        if (gpt) {
            fdisk_partition_set_name(pa.get(), role.c_str());
        }
        check(fdisk_add_partition(c.get(), pa.get(), nullptr), disk,
              "cannot add partition " + std::to_string(p.number) + " (" + role + ")");
    }
    check(fdisk_write_disklabel(c.get()), disk, "cannot write the partition table");
    close_disk(c, disk);
}

void mark_bootable(const std::filesystem::path& disk, const Layout& layout, int number)
{
    auto c = open_disk(disk);
    if (!fdisk_has_label(c.get())) {
        throw DiskError("disk " + disk.string() + ": no partition table to mark bootable");
    }
    const unsigned long flag = layout.table == "gpt" ? GPT_FLAG_LEGACYBOOT : DOS_FLAG_ACTIVE;
    // The flag moves: set on `number`, cleared on every other partition
    // (syslinux's mbr.bin refuses a disk with two active partitions), in
    // one write of the table, which on a DOS disk is the MBR's one sector.
    bool changed = false;
    bool found = false;
    const auto count = fdisk_get_npartitions(c.get());
    for (std::size_t partno = 0; partno < count; ++partno) {
        if (!fdisk_is_partition_used(c.get(), partno)) {
            continue;
        }
        fdisk_partition* current = nullptr;
        if (fdisk_get_partition(c.get(), partno, &current) != 0) {
            continue;
        }
        const bool bootable = fdisk_partition_is_bootable(current) != 0;
        fdisk_unref_partition(current);
        const bool wanted = partno + 1 == static_cast<std::size_t>(number);
        found = found || wanted;
        if (bootable != wanted) {
            // The flag toggles: only a partition in the wrong state is toggled.
            check(fdisk_toggle_partition_flag(c.get(), partno, flag), disk,
                  "cannot move the boot flag onto partition " + std::to_string(number));
            changed = true;
        }
    }
    if (!found) {
        throw DiskError("disk " + disk.string() + ": no partition " + std::to_string(number) + " to mark bootable");
    }
    if (changed) {
        check(fdisk_write_disklabel(c.get()), disk, "cannot write the partition table");
    }
    close_disk(c, disk);
}

}  // namespace xcp::installer
