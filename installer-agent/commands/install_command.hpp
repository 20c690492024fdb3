// `xcp-installer` itself: the answerfile loaded, the disks probed, the
// identities drawn, the plan made and printed, then executed.
#pragma once

#include <CLI/CLI.hpp>

namespace xcp::installer {

struct InstallArgs {
    std::string answerfile;  // FILE, file:// or http:// URL; default: answerfile= of the kernel command line
    std::string cmdline = "/proc/cmdline";
    std::string dev_dir = "/dev";
    std::string layout = "auto";
    bool dry_run = false;
    bool ignore_journal = false;
    bool json = false;
    std::string work_dir = "/tmp/xcp-installer";
    std::string boot_code_dir = "/usr/lib/syslinux/mbr";
    std::string syslinux_modules_dir = "/usr/lib/syslinux/modules/bios";
    std::string grub_modules_dir = "/usr/lib/grub/i386-pc";
    std::string local_source;
    std::string events_url = "auto";  // auto: from an xcp-pxe answerfile URL; none: off
    bool keep_work_dir = false;
    std::string bzip2 = "auto";
    std::string network = "auto";
    std::string boot_mode = "auto";  // auto: UEFI when /sys/firmware/efi exists
};

// The top-level options of xcp-installer (the install itself).
void add_install_options(CLI::App& app, InstallArgs& args);
// Loads, probes, plans; prints the plan, then (without --dry-run) carries it
// out. Exit 0 installed (or dry run), 1 refused, invalid answerfile or
// install failed, 4 the answerfile could not be read.
int run_install(const InstallArgs& args);

}  // namespace xcp::installer
