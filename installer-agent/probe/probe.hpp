// What the installer finds before it plans: the disks the answerfile names,
// their size and partitions, and any installation on them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace xcp::installer {

// What the probe read from a filesystem labelled root-*, without mounting it.
struct RootFacts {
    std::optional<std::string> inventory;  // etc/xensource-inventory
    bool firstboot_in_progress = false;    // etc/firstboot.d/data/firstboot_in_progress
    std::vector<std::string> firstboot_scripts;  // executable NN-* in etc/firstboot.d
    std::vector<std::string> firstboot_states;   // what etc/firstboot.d/state holds
    std::string error;                           // why it could not be read
};

struct PartitionInfo {
    int number = 0;
    std::uint64_t start = 0, size = 0;  // bytes
    std::string label;                  // filesystem label (root-abc, logs-abc, ...)
    std::string name;                   // GPT partition name
    std::string type{};                 // GPT type GUID (lower case) or MBR type ("0x83")
    std::string filesystem{};           // ext3, ext4, vfat, swap, LVM2_member, or empty
    std::optional<RootFacts> root_facts{};  // root-* filesystems only
    bool backup_marker = false;             // an ext filesystem holding .xen-backup-partition
    std::optional<std::string> backup_inventory{};  // that backup's etc/xensource-inventory
    std::vector<std::string> journal_slots{};       // the install journal's slots, when it holds them
    bool bootable = false;  // the DOS active flag, or the GPT legacy BIOS bootable attribute
    std::string esp_switch{};  // a FAT filesystem's boot switch: what its grubenv names (root, backup), or empty
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
    // BIOS with GRUB: "backup" when the MBR loads the core image a verified
    // backup keeps in /.xcp-backup-boot (the switch onto it), "other" for
    // any other GRUB core, empty when the MBR is not GRUB's.
    std::string grub_core_boots{};
    bool removable = false;

    // An XCP installation: a partition whose filesystem is labelled root-*.
    [[nodiscard]] const PartitionInfo* installation_root() const;
    [[nodiscard]] const PartitionInfo* partition(int number) const;
    // The install journal's slots found on any of its partitions.
    [[nodiscard]] std::vector<std::string> journal_slots() const;
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
// The whole disks under `dev_dir`: /sys/block's (without loop, ram, zram,
// optical and device-mapper devices) for /dev, else the image files there.
std::vector<std::string> list_disks(const std::filesystem::path& dev_dir);

// Root filesystems are read (inventory, first-boot state) and ext
// filesystems looked at for a backup's marker, with debugfs into
// `scratch_dir`; nothing is written.
Probe probe_disks(const std::filesystem::path& dev_dir, const std::vector<std::string>& names,
                  const std::filesystem::path& scratch_dir = "/tmp");

}  // namespace xcp::installer
