// The adapters that meet the machine: repositories fetched and unpacked
// into a staging tree, files written there, then the disks (image files or
// block devices) partitioned and written with libfdisk, mke2fs, mtools and
// extlinux.
#pragma once

#include "installer-agent/probe/probe.hpp"
#include "installer-agent/report/progress.hpp"
#include "installer-agent/journal/disk_journal.hpp"
#include "installer-agent/run/adapters.hpp"
#include "installer-agent/unpack/root_unpacker.hpp"

#include <filesystem>
#include <optional>
#include <string>

namespace xcp::installer {

struct SystemOptions {
    std::filesystem::path work_dir;  // the staging tree goes below it
    std::filesystem::path boot_code_dir = "/usr/lib/syslinux/mbr";
    std::string bzip2_program;  // "" : libarchive's decoder
    bool keep_work_dir = false;
};

class SystemAdapters final : public Adapters {
public:
    SystemAdapters(const Probe& probe, SystemOptions options, Progress& progress);
    ~SystemAdapters() override;
    SystemAdapters(const SystemAdapters&) = delete;
    SystemAdapters& operator=(const SystemAdapters&) = delete;

    void prepare() override;
    void confirm_disk(const std::string& disk) override;
    std::string apply(const Operation& operation) override;
    void record(int slot, const std::string& block) override;

private:
    [[nodiscard]] const DiskInfo& disk(const std::string& name) const;
    [[nodiscard]] std::filesystem::path root() const { return options_.work_dir / "root"; }
    [[nodiscard]] std::filesystem::path logs() const { return options_.work_dir / "logs"; }
    [[nodiscard]] std::filesystem::path esp() const { return options_.work_dir / "esp"; }
    // The old root copied out for its backup; carry-over reads it.
    [[nodiscard]] std::filesystem::path old_root() const { return options_.work_dir / "old-root"; }
    std::string fetch(const op::FetchSource& o);
    std::string upload_backup(const op::UploadBackup& o);
    std::string back_up(const op::BackupRoot& o);
    std::string verify_backup(const op::VerifyBackup& o);
    std::string carry_over(const op::CarryOver& o);
    std::string stage_backup(const op::StageBackup& o);
    std::string write_boot_config(const op::WriteBootConfig& o);

    const Probe& probe_;
    SystemOptions options_;
    Progress& progress_;
    bool prepared_ = false;
    std::optional<RootUnpacker> unpacker_;
    std::optional<DiskJournal> journal_;
};

}  // namespace xcp::installer
