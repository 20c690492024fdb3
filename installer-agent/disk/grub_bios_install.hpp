// GRUB's BIOS boot written onto a disk (disk/grub_bios.hpp): core images
// made with grub-mkimage from the install environment's i386-pc modules,
// put into the BIOS boot partition's free slot, read back, then the MBR's
// one sector pointed at them.
#pragma once

#include "installer-agent/disk/disk_error.hpp"
#include "installer-agent/layout/layout.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace xcp::installer {

// Where grub-mkimage's i386-pc modules and boot.img are by default (Debian's
// grub-pc-bin).
inline constexpr const char* default_grub_modules_dir = "/usr/lib/grub/i386-pc";

// Why GRUB's BIOS boot cannot be written here ("" when it can): no
// grub-mkimage on PATH, or no boot.img in `modules_dir`.
std::string grub_bios_unavailable(const std::filesystem::path& modules_dir);

// A core image from grub-mkimage with `prefix` and, when not empty, the
// embedded `config`, with the modules a control domain's grub.cfg uses
// built in. Throws DiskError with grub-mkimage's complaint.
std::string make_grub_core(const std::filesystem::path& modules_dir, const std::string& prefix,
                           const std::string& config, const std::filesystem::path& scratch_dir);

// `core` into the slot of `boot_partition` that the MBR does not load,
// synced and read back, then the MBR's sector pointed at it (one synced
// write). A disk whose MBR already loads these bytes is left as it is.
// Returns what was done, for the log. Throws DiskError.
std::string boot_grub_core(const std::filesystem::path& disk, const PlannedPartition& boot_partition,
                           const std::string& core, const std::filesystem::path& modules_dir);

// The core the MBR loads now: its first sector and its bytes, padded to its
// sectors (a core whose length cannot be read: its first sector only). What
// tests and the probe compare.
struct LoadedGrubCore {
    std::uint64_t lba = 0;
    std::string bytes;
};
// nullopt when the MBR is not GRUB's. Throws DiskError when the disk cannot be read.
std::optional<LoadedGrubCore> loaded_grub_core(const std::filesystem::path& disk);

}  // namespace xcp::installer
