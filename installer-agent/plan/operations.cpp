#include "installer-agent/plan/operations.hpp"

#include "installer-agent/upgrade/carry_over.hpp"
#include "libxcp/answerfile/values.hpp"
#include "libxcp/util/overloaded.hpp"

namespace xcp::installer {
namespace {

namespace af = answerfile;

std::string on_partition(const std::string& disk, const PlannedPartition& p)
{
    return disk + " partition " + std::to_string(p.number);
}

std::string source_text(const std::string& location)
{
    return location.starts_with("/") ? "local media " + location : location;
}

}  // namespace

std::string_view stage_name(af::ScriptStage stage)
{
    switch (stage) {
    case af::ScriptStage::installation_start: return "installation-start";
    case af::ScriptStage::packages_installed: return "packages-installed";
    case af::ScriptStage::filesystem_populated: return "filesystem-populated";
    case af::ScriptStage::installation_complete: return "installation-complete";
    }
    return "?";
}

bool overlaps(const Target& written, const Target& kept)
{
    if (af::canonical_disk(written.disk) != af::canonical_disk(kept.disk)) {
        return false;
    }
    if (written.partition == Target::whole_disk || kept.partition == Target::whole_disk) {
        return true;
    }
    return written.partition == kept.partition;
}

std::optional<Target> disk_written(const Operation& operation)
{
    using T = std::optional<Target>;
    return std::visit(util::Overloaded{
                          [](const op::PartitionDisk& o) -> T { return Target{o.disk, Target::whole_disk}; },
                          [](const op::WipeDisk& o) -> T { return Target{o.disk, Target::whole_disk}; },
                          [](const op::MakeFilesystem& o) -> T { return Target{o.disk, o.partition.number}; },
                          [](const op::PopulateEsp& o) -> T { return Target{o.disk, o.partition.number}; },
                          [](const op::InstallExtlinux& o) -> T { return Target{o.disk, o.root.number}; },
                          [](const op::WriteBootCode& o) -> T {
                              return Target{o.disk, Target::table_and_boot_sector};
                          },
                          [](const op::MarkBootable& o) -> T { return Target{o.disk, Target::table_and_boot_sector}; },
                          [](const op::BackupRoot& o) -> T { return Target{o.disk, o.backup.number}; },
                          [](const op::MarkBackup& o) -> T { return Target{o.disk, o.backup.number}; },
                          [](const op::AddLogToLogs& o) -> T { return Target{o.disk, o.logs.number}; },
                          [](const op::CreateJournal& o) -> T { return Target{o.disk, o.partition.number}; },
                          [](const op::BootFromBackup& o) -> T { return Target{o.disk, o.backup.number}; },
                          [](const op::EspBootsRoot& o) -> T { return Target{o.disk, o.esp.number}; },
                          [](const op::GrubBootsRoot& o) -> T { return Target{o.disk, o.boot.number}; },
                          [](const auto&) -> T { return std::nullopt; },
                      },
                      operation);
}

std::string_view step_name(const Operation& operation)
{
    return std::visit(util::Overloaded{
                          [](const op::CheckDisk&) { return "check"; },
                          [](const op::RunScripts&) { return "scripts"; },
                          [](const op::FetchSource& o) { return o.use == op::SourceUse::check_driver ? "driver" : "fetch"; },
                          [](const op::WriteRootFiles&) { return "configure"; },
                          [](const op::SetRootPassword&) { return "configure"; },
                          [](const op::WriteInventory&) { return "configure"; },
                          [](const op::WriteBootConfig&) { return "configure"; },
                          [](const op::PartitionDisk&) { return "partition"; },
                          [](const op::WipeDisk&) { return "wipe"; },
                          [](const op::MakeFilesystem&) { return "mkfs"; },
                          [](const op::CheckFilesystem&) { return "verify"; },
                          [](const op::CopyLogIntoRoot&) { return "logs"; },
                          [](const op::PopulateEsp&) { return "bootloader"; },
                          [](const op::InstallExtlinux&) { return "bootloader"; },
                          [](const op::WriteBootCode&) { return "bootloader"; },
                          [](const op::MarkBootable&) { return "bootloader"; },
                          [](const op::UploadBackup&) { return "upload-backup"; },
                          [](const op::BackupRoot&) { return "backup"; },
                          [](const op::VerifyBackup&) { return "verify-backup"; },
                          [](const op::MarkBackup&) { return "backup"; },
                          [](const op::CarryOver&) { return "carry-over"; },
                          [](const op::ApplyBackup&) { return "restore"; },
                          [](const op::StageBackup&) { return "restore"; },
                          [](const op::AddLogToLogs&) { return "logs"; },
                          [](const op::CreateJournal&) { return "journal"; },
                          [](const op::ReadBackupAsOldRoot&) { return "restore"; },
                          [](const op::BootFromBackup&) { return "bootloader"; },
                          [](const op::EspBootsRoot&) { return "bootloader"; },
                          [](const op::GrubBootsRoot&) { return "bootloader"; },
                      },
                      operation);
}

std::string describe(const Operation& operation)
{
    return std::visit(
        util::Overloaded{
            [](const op::CheckDisk& o) { return o.disk + " is the disk probed: " + o.description; },
            [](const op::RunScripts& o) {
                std::string text = std::string(stage_name(o.stage)) + " scripts:";
                for (const auto& s : o.scripts) {
                    text += " " + s.location;
                }
                text += o.arguments.empty() ? ", no arguments" : ", arguments";
                for (const auto& arg : o.arguments) {
                    text += " " + arg;
                }
                return text;
            },
            [](const op::FetchSource& o) {
                switch (o.use) {
                case op::SourceUse::check_driver:
                    return "verify driver source " + source_text(o.location) + " before the main sources";
                case op::SourceUse::main:
                    return source_text(o.location) + ": every package hashed as it streams (MD5 or SHA-256) and "
                                                     "unpacked into the staging tree; a bad package stops the install "
                                                     "before any disk is written";
                case op::SourceUse::driver:
                    return "driver source " + source_text(o.location) + ": unpacked under the installed kernel";
                }
                return std::string();
            },
            [](const op::WriteRootFiles& o) {
                std::string text = "write into the staging tree:";
                for (const auto& f : o.files) {
                    text += " " + f.path;
                }
                return text;
            },
            [](const op::SetRootPassword& o) {
                return std::string("root password in etc/shadow (") +
                       (o.type == af::PasswordType::hash ? "the answerfile's hash" : "hashed with SHA-512 crypt") + ")";
            },
            [](const op::WriteInventory& o) {
                return "etc/xensource-inventory: installation " + o.fields.installation_uuid + ", control domain " +
                       o.fields.control_domain_uuid + ", layout " + o.fields.partition_layout +
                       ", the product from the unpacked repositories";
            },
            [](const op::WriteBootConfig& o) {
                return std::string(to_string(o.boot.loader)) + " configuration " + o.boot.path +
                       (o.boot.uefi ? " (the ESP's EFI/xenserver/grub.cfg and grubenv hand over to it)" : "") +
                       ", root=LABEL=" + o.boot.root_label + ", dom0_mem " + std::to_string(o.boot.dom0_mem_mib) + "M";
            },
            [](const op::PartitionDisk& o) {
                return o.disk + ": " + std::to_string(o.layout.partitions.size()) + " partitions, " + o.layout.table +
                       " table";
            },
            [](const op::WipeDisk& o) {
                return o.disk + ": old signatures cleared; the whole disk joins the local SR";
            },
            [](const op::MakeFilesystem& o) {
                std::string text = o.type + (o.label.empty() ? "" : " " + o.label) + " on " +
                                   on_partition(o.disk, o.partition) + " (" + std::string(to_string(o.partition.role)) +
                                   ")";
                if (o.contents == op::Contents::staging_root) {
                    text += ", populated from the verified tree (mke2fs -d)";
                } else if (o.contents == op::Contents::install_log) {
                    text += ", with the install log";
                }
                return text;
            },
            [](const op::CheckFilesystem& o) {
                return "e2fsck -fn on " + on_partition(o.disk, o.partition) + " (" +
                       std::string(to_string(o.partition.role)) + ")";
            },
            [](const op::CopyLogIntoRoot&) {
                return std::string("the install log into the staging tree's var/log (no logs partition)");
            },
            [](const op::PopulateEsp& o) {
                return "grub.cfg and the vendor's loader onto the ESP, " + on_partition(o.disk, o.partition);
            },
            [](const op::InstallExtlinux& o) {
                return "extlinux's boot sector and ldlinux.sys into /boot of " + on_partition(o.disk, o.root);
            },
            [](const op::WriteBootCode& o) { return "syslinux's " + o.code + " into the MBR of " + o.disk; },
            [](const op::MarkBootable& o) {
                return o.disk + " partition " + std::to_string(o.number) +
                       (o.layout.table == "gpt" ? " gets the legacy BIOS bootable attribute"
                                                : " gets the active flag");
            },
            [](const op::UploadBackup& o) {
                return "the carry-over files and the host's configuration, read from " + on_partition(o.disk, o.root) +
                       ", sent as a tar + zstd archive to the server at " + o.server +
                       ", which keeps it; its SHA-256 is checked on both ends, and a refusal stops here, before any "
                       "disk is written";
            },
            [](const op::BackupRoot& o) {
                return o.installation + " copied onto " + on_partition(o.disk, o.backup) +
                       " (backup): a new ext3 filesystem, the partition table saved as .xen-gpt.bin, a manifest of "
                       "every file";
            },
            [](const op::VerifyBackup& o) {
                return "read " + on_partition(o.disk, o.backup) +
                       " back and check every file's type, size, mode, owner and SHA-256 against its manifest" +
                       (o.against_old_root ? " and the manifest against the old root" : "") +
                       "; any difference stops here";
            },
            [](const op::MarkBackup& o) {
                return ".xen-backup-partition onto " + on_partition(o.disk, o.backup) + ", last: the backup of " +
                       o.installation + " is complete";
            },
            [](const op::CarryOver& o) {
                return "carry over from " + o.from + " what the carry-over table names (" +
                       std::to_string(carry_over_table().size()) + " entries; absent ones skipped)" +
                       (o.root_password ? ", and root's password hash" : "");
            },
            [](const op::ApplyBackup& o) {
                return "backup " + o.id + " from the server carried into the staging tree as an upgrade carries the " +
                       "old root's settings (" + std::to_string(carry_over_table().size()) +
                       " entries, owners remapped, root's password hash); the inventory keeps the host's UUIDs";
            },
            [](const op::StageBackup& o) {
                return "the backup on " + on_partition(o.disk, o.backup) + " becomes the staging tree";
            },
            [](const op::AddLogToLogs& o) {
                return "the install log added to " + on_partition(o.disk, o.logs) + " (logs) as " + o.name +
                       ", old logs kept";
            },
            [](const op::CreateJournal& o) {
                return "the journal onto " + on_partition(o.disk, o.partition) + " (" +
                       std::string(to_string(o.partition.role)) +
                       "): from here on each operation's start and end is recorded there, fsynced";
            },
            [](const op::BootFromBackup& o) {
                if (o.esp) {
                    return "the verified backup on " + on_partition(o.disk, o.backup) +
                           " made bootable on its own (its grub.cfg in /.xcp-backup-boot, found by its UUID, "
                           "root=UUID= of the backup), then the grubenv of the ESP on " +
                           on_partition(o.disk, *o.esp) +
                           " rewritten in place to name it (an ESP without this switch gets it first): while the "
                           "root is rewritten the disk starts the old control domain";
                }
                if (o.grub_boot) {
                    return "the verified backup on " + on_partition(o.disk, o.backup) +
                           " made bootable on its own (its grub.cfg in /.xcp-backup-boot, found by its UUID, "
                           "root=UUID= of the backup), then a GRUB core image that reads it (grub-mkimage, " +
                           o.grub_modules + ") into the free slot of " + on_partition(o.disk, *o.grub_boot) +
                           ", read back, and the MBR pointed at it in one sector: while the root is rewritten the "
                           "disk starts the old control domain";
                }
                return "the verified backup on " + on_partition(o.disk, o.backup) +
                       " made bootable on its own (extlinux in /.xcp-backup-boot, root=UUID= of the backup), then " +
                       (o.layout.table == "gpt" ? "the legacy BIOS bootable attribute" : "the active flag (one MBR sector)") +
                       " moved onto it: while the root is rewritten the disk starts the old control domain";
            },
            [](const op::EspBootsRoot& o) {
                return "the grubenv of the ESP on " + on_partition(o.disk, o.esp) +
                       " rewritten in place (one sector) to name the root labelled " + o.root_label +
                       ", last: the new root is written and checked";
            },
            [](const op::GrubBootsRoot& o) {
                return "a GRUB core image that boots " + on_partition(o.disk, o.root) +
                       " by its /boot/grub (grub-mkimage, " + o.modules + ") into the free slot of " +
                       on_partition(o.disk, o.boot) +
                       " (BIOS boot), read back, then the MBR pointed at it in one sector (GRUB's boot.img), once "
                       "the root is written and checked";
            },
            [](const op::ReadBackupAsOldRoot& o) {
                return "the old root read from its verified backup on " + on_partition(o.disk, o.backup) +
                       " (the root itself was being rewritten when the last run stopped)";
            },
        },
        operation);
}

}  // namespace xcp::installer
