// extlinux's own boot sector and ldlinux.sys, installed into the root
// filesystem's /boot. extlinux only works on a mounted filesystem, so the
// partition is loop-mounted at its offset for as long as that takes; this
// needs root and the extlinux tool, which the install environment has.
#pragma once

#include "installer-agent/disk/disk_error.hpp"
#include "installer-agent/layout/layout.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace xcp::installer {

// The syslinux modules extlinux.conf names (mboot.c32 boots Xen) that the
// packages did not bring: copied from `modules_dir` into `boot_dir`. Returns
// the names it could not find there.
std::vector<std::string> add_syslinux_modules(const std::filesystem::path& modules_dir,
                                              const std::filesystem::path& boot_dir);

// Why extlinux cannot be installed here ("" when it can): not root, or no
// extlinux on PATH.
std::string extlinux_unavailable();

// Mounts `partition` of `disk` on `mount_point`, runs `extlinux --install`
// on its /boot, and unmounts, also on failure. Throws DiskError.
void install_extlinux(const std::filesystem::path& disk, const PlannedPartition& partition,
                      const std::filesystem::path& mount_point);

// The same into `dir` of the filesystem (relative to its top), after
// `prepare` has written what it needs into the mounted tree.
void install_extlinux_in(const std::filesystem::path& disk, const PlannedPartition& partition,
                         const std::filesystem::path& mount_point, const std::string& dir,
                         const std::function<void(const std::filesystem::path& mounted)>& prepare);

}  // namespace xcp::installer
