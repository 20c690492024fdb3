#include "installer-agent/layout/layout.hpp"

#include "libxcp/answerfile/values.hpp"

#include <algorithm>
#include <cctype>

namespace xcp::installer {
namespace {

constexpr const char* linux_data = "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7";
constexpr const char* lvm = "E6D6D379-F507-44C2-A23C-238F2A3DF928";
constexpr const char* swap = "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F";
constexpr const char* esp = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
constexpr const char* bios_boot = "21686148-6449-6E6F-744E-656564454649";

// GPT keeps 33 sectors of backup table at the end.
constexpr std::uint64_t gpt_tail = 34 * 512;

}  // namespace

std::string_view to_string(PartitionRole role)
{
    switch (role) {
    case PartitionRole::root: return "root";
    case PartitionRole::backup: return "backup";
    case PartitionRole::local_sr: return "localsr";
    case PartitionRole::esp: return "ESP";
    case PartitionRole::boot: return "boot";
    case PartitionRole::logs: return "logs";
    case PartitionRole::swap: return "swap";
    case PartitionRole::utility: return "utility";
    }
    return "?";
}

const PlannedPartition* by_role(const Layout& layout, PartitionRole role)
{
    for (const auto& p : layout.partitions) {
        if (p.role == role) {
            return &p;
        }
    }
    return nullptr;
}

std::string partition_path(const std::string& disk, int number)
{
    const auto name = answerfile::canonical_disk(disk);
    if (name.starts_with("disk/")) {
        return "/dev/" + name + "-part" + std::to_string(number);
    }
    const bool digit_end = !name.empty() && std::isdigit(static_cast<unsigned char>(name.back()));
    return "/dev/" + name + (digit_end ? "p" : "") + std::to_string(number);
}

std::uint64_t minimum_disk(LayoutEra era)
{
    return era == LayoutEra::legacy ? 12ULL * 1000 * 1000 * 1000 : 46ULL * 1000 * 1000 * 1000;
}

std::optional<Layout> compute_layout(const LayoutRequest& r)
{
    if (r.disk_size < minimum_disk(r.era)) {
        return std::nullopt;
    }
    Layout out;
    std::uint64_t at = MiB;
    const int shift = r.keep_first_partition ? 1 : 0;
    if (r.keep_first_partition) {
        at = std::max(at, (r.first_partition_end + MiB - 1) / MiB * MiB);
        out.partitions.push_back({1, PartitionRole::utility, r.era == LayoutEra::modern ? esp : "", 0, 0, ""});
    }
    const auto add = [&](int number, PartitionRole role, const char* type, std::uint64_t size, const char* fs) {
        out.partitions.push_back({number + shift, role, type, at, size, fs});
        at += size;
    };
    if (r.era == LayoutEra::legacy) {
        // 2009: 1 root 4 GiB (active), 2 backup 4 GiB, 3 local SR (LVM, rest).
        out.table = "dos";
        add(1, PartitionRole::root, "", 4 * GiB, "ext3");
        add(2, PartitionRole::backup, "", 4 * GiB, "");
        if (r.guest_storage) {
            add(3, PartitionRole::local_sr, "", r.disk_size - at, "lvm");
        }
        return out;
    }
    // XCP-ng 8: on-disk order 5, 2, 1, 4, 6, 3 (logs, backup, root, boot,
    // swap, SR); sr-at-end=no puts the SR before root.
    out.table = "gpt";
    const auto end = r.disk_size - gpt_tail;
    const std::uint64_t fixed = 4 * GiB + 18 * GiB + 18 * GiB + 512 * MiB + 1 * GiB;
    const std::uint64_t sr_size = r.guest_storage ? (end - at - fixed) / MiB * MiB : 0;
    add(5, PartitionRole::logs, linux_data, 4 * GiB, "ext3");
    add(2, PartitionRole::backup, linux_data, 18 * GiB, "");
    if (r.guest_storage && !r.sr_at_end) {
        add(3, PartitionRole::local_sr, lvm, sr_size, "lvm");
    }
    add(1, PartitionRole::root, linux_data, 18 * GiB, "ext3");
    add(4, r.uefi ? PartitionRole::esp : PartitionRole::boot, r.uefi ? esp : bios_boot, 512 * MiB, r.uefi ? "vfat" : "");
    add(6, PartitionRole::swap, swap, 1 * GiB, "swap");
    if (r.guest_storage && r.sr_at_end) {
        add(3, PartitionRole::local_sr, lvm, sr_size, "lvm");
    }
    return out;
}

}  // namespace xcp::installer
