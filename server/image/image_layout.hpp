// How the install image's tree is laid out: pure functions of what the
// builder found on the host. The tree is usr-merged (bin, sbin, lib, lib64
// are links into usr/), so that a program finds a library at the path it
// was linked against, whichever the host used.
#pragma once

#include "server/image/initramfs.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace xcp::image {

// Where a host file goes in the image: "/lib/x86_64-linux-gnu/libc.so.6" ->
// "usr/lib/x86_64-linux-gnu/libc.so.6", "/etc/mke2fs.conf" ->
// "etc/mke2fs.conf". Absolute host paths only.
std::string image_path(const std::filesystem::path& host);

// A symlink's target as the image must hold it: an absolute target mapped
// like image_path (with its leading '/'), a relative one unchanged.
std::string image_link_target(const std::string& target);

// The directories every image has, the top-level links, /dev/console,
// /etc/passwd and /etc/group for root, and /init.
std::vector<ImageEntry> base_entries(const std::string& init_script);

// `entries` with each path once (the first wins) and a directory entry for
// every parent, parents first: the kernel's unpacker creates no parent.
std::vector<ImageEntry> complete_tree(std::vector<ImageEntry> entries);

// /etc/xcp-modules: the modules' image paths, one a line, in load order.
std::string module_list(const std::string& kernel_version, const std::vector<std::string>& load_order);
// lib/modules/VERSION/modules.dep for the modules the image carries, named
// as stored (plain .ko), so that busybox's modprobe finds what the kernel
// asks for (request_module) among them.
std::string image_modules_dep(const std::vector<std::string>& load_order,
                              const std::map<std::string, std::vector<std::string>>& depends);

// A module's path in the image: compressed ones are stored plain (.ko).
std::string module_image_path(const std::string& kernel_version, const std::string& module);

}  // namespace xcp::image
