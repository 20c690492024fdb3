// Where each partition goes on the primary disk, by era (install.md, "Disk
// layouts"). Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::installer {

enum class LayoutEra { legacy, modern };  // 2009 (MBR: root, backup, SR) or XCP-ng 8 (GPT)

// What a partition is for. The names (to_string) are also the GPT partition
// names written to disk.
enum class PartitionRole { root, backup, local_sr, esp, boot, logs, swap, utility };
std::string_view to_string(PartitionRole role);

struct PlannedPartition {
    int number = 0;                // partition number on the disk
    PartitionRole role = PartitionRole::root;
    std::string gpt_type;          // GUID; empty on MBR
    std::uint64_t start = 0;       // bytes
    std::uint64_t size = 0;        // bytes
    std::string filesystem;        // ext3, vfat, swap, lvm, or empty
};

struct LayoutRequest {
    LayoutEra era = LayoutEra::modern;
    std::uint64_t disk_size = 0;
    bool guest_storage = true;   // the rest of the disk holds the local SR
    bool sr_at_end = true;
    bool keep_first_partition = false;  // a vendor utility partition in slot 1, kept
    std::uint64_t first_partition_end = 0;  // where that partition ends
    bool uefi = false;
};

struct Layout {
    std::string table;  // gpt or dos
    std::vector<PlannedPartition> partitions;  // in on-disk order
};

inline constexpr std::uint64_t MiB = 1024ULL * 1024;
inline constexpr std::uint64_t GiB = 1024 * MiB;

// "sda" + 3 -> "/dev/sda3"; "nvme0n1" -> "/dev/nvme0n1p3";
// "disk/by-id/x" -> "/dev/disk/by-id/x-part3".
std::string partition_path(const std::string& disk, int number);

// The layout's partition with `role`, or nullptr.
const PlannedPartition* by_role(const Layout& layout, PartitionRole role);

// The smallest primary disk each era accepts.
std::uint64_t minimum_disk(LayoutEra era);

// Nullopt when the disk is too small for the layout.
std::optional<Layout> compute_layout(const LayoutRequest& request);

}  // namespace xcp::installer
