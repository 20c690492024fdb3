// Carries out an install plan. The packages are fetched, verified and
// unpacked into a staging tree first, and the new root is configured there;
// only then are the disks (checked again to be the ones the answerfile
// names) partitioned and the filesystems written, the root one populated
// from the staging tree with mke2fs -d, checked with e2fsck, and only then
// made bootable. A bad package therefore leaves every disk untouched.
#pragma once

#include "installer-agent/plan/plan.hpp"
#include "installer-agent/report/progress.hpp"
#include "libxcp/answerfile/model.hpp"

#include <filesystem>
#include <string>

namespace xcp::installer {

struct CarryOutOptions {
    std::filesystem::path work_dir;                        // the staging tree goes below it
    std::filesystem::path boot_code_dir = "/usr/lib/syslinux/mbr";
    std::filesystem::path syslinux_modules_dir = "/usr/lib/syslinux/modules/bios";  // mboot.c32 for extlinux
    std::string local_source;                              // what <source type="local"> means
    std::string bzip2_program;                             // "" : libarchive's decoder
    bool keep_work_dir = false;
    int dom0_mem_mib = 2048;
};

struct CarryOutResult {
    bool ok = false;
    std::string failure;     // one sentence
    bool disks_touched = false;
};

CarryOutResult carry_out(const answerfile::Answerfile& a, const Plan& plan, const Probe& probe,
                         const CarryOutOptions& options, Progress& progress);

}  // namespace xcp::installer
