// What the installer finds before it plans: the disks the answerfile names,
// their size and partitions, and any installation on them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xcp::installer {

struct PartitionInfo {
    int number = 0;
    std::uint64_t start = 0, size = 0;  // bytes
    std::string label;                  // filesystem label (root-abc, logs-abc, ...)
    std::string name;                   // GPT partition name
};

struct DiskInfo {
    std::string name;  // as the answerfile names it: sda, disk/by-id/...
    std::filesystem::path path;
    bool present = false;
    std::uint64_t size = 0;  // bytes
    std::uint32_t sector_size = 512;
    std::string table;  // gpt, dos, or empty
    std::vector<PartitionInfo> partitions;
    bool holds_running_system = false;
    // What the name pointed at when probed: a block device's number, or an
    // image file's device and inode. Checked again before anything is written.
    bool block_device = false;
    std::uint64_t device = 0, inode = 0;
    std::string model{};  // from sysfs, block devices only
    bool removable = false;

    // An XCP installation: a partition whose filesystem is labelled root-*.
    [[nodiscard]] const PartitionInfo* installation_root() const;
};

struct Probe {
    std::vector<DiskInfo> disks;
    bool uefi = false;
    [[nodiscard]] const DiskInfo* disk(const std::string& name) const;
};

// Empty when `disk.path` still names the disk that was probed (same device
// or file, same size); otherwise the sentence that says what changed.
std::string changed_since_probe(const DiskInfo& disk);

// Probes the named disks under `dev_dir` (image files or block devices),
// with libblkid; a name that does not resolve is recorded as not present.
Probe probe_disks(const std::filesystem::path& dev_dir, const std::vector<std::string>& names);

}  // namespace xcp::installer
