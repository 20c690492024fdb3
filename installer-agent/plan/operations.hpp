// What an install does, one typed operation at a time. The planner settles
// every decision into these; the executor hands each to its adapter and
// reads nothing else (never the answerfile). `--dry-run` prints exactly
// these.
#pragma once

#include "installer-agent/configure/bootloader.hpp"
#include "installer-agent/configure/control_domain.hpp"
#include "installer-agent/configure/inventory.hpp"
#include "installer-agent/layout/layout.hpp"
#include "libxcp/answerfile/model.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xcp::installer {

std::string_view stage_name(answerfile::ScriptStage stage);

namespace op {

// The disk is the one probed (same device or file, same size): the executor
// also confirms this before any operation that writes a disk.
struct CheckDisk {
    std::string disk;
    std::string description;  // "size 68.7 GB, no partition table"
};

struct Script {
    int number = 0;        // its place among the answerfile's scripts
    std::string location;  // resolved: nfs:// added for NFS
};

// The answerfile's scripts for one stage, each fetched and run with the
// stage's arguments; their exit codes are logged, never fatal.
struct RunScripts {
    answerfile::ScriptStage stage = answerfile::ScriptStage::installation_start;
    std::vector<Script> scripts;
    std::vector<std::string> arguments;  // "{root}" stands for the staging tree
};

enum class SourceUse {
    check_driver,  // verified before the main sources, as the reference loads drivers first
    main,          // verified and unpacked into the staging tree
    driver,        // unpacked after the main sources, under the kernel they installed
};

struct FetchSource {
    SourceUse use = SourceUse::main;
    std::string location;   // resolved: a URL, nfs://..., or the local media's directory
    int percent_from = 0, percent_to = 0;  // progress runs between these while it fetches
};

// Files of the new root, all known when planning.
struct WriteRootFiles {
    std::vector<RootFile> files;
};

struct SetRootPassword {
    answerfile::PasswordType type = answerfile::PasswordType::plaintext;
    Secret value;  // hashed with SHA-512 crypt when plaintext
};

// /etc/xensource-inventory; the product comes from the unpacked repositories.
struct WriteInventory {
    InventoryFields fields;
};

// The boot loader configuration, naming the Xen and kernel files the packages
// put under /boot; for UEFI, /boot/efi's contents move to the ESP tree.
struct WriteBootConfig {
    BootSettings boot;
    std::string syslinux_modules;  // extlinux: where mboot.c32 comes from when the packages lack it
};

struct PartitionDisk {
    std::string disk;
    Layout layout;
};

// Old signatures cleared: the whole disk joins the local SR.
struct WipeDisk {
    std::string disk;
};

enum class Contents {
    none,
    staging_root,  // the verified and configured tree (mke2fs -d)
    install_log,   // the log so far
};

struct MakeFilesystem {
    std::string disk;
    PlannedPartition partition;
    std::string type;  // ext3, vfat, swap
    std::string label;
    Contents contents = Contents::none;
};

struct CheckFilesystem {
    std::string disk;
    PlannedPartition partition;
};

// The install log into the staging tree's /var/log (no logs partition).
struct CopyLogIntoRoot {};

struct PopulateEsp {
    std::string disk;
    PlannedPartition partition;
};

struct InstallExtlinux {
    std::string disk;
    PlannedPartition root;
};

struct WriteBootCode {
    std::string disk;
    std::string code;  // mbr.bin or gptmbr.bin, from the boot code directory
};

struct MarkBootable {
    std::string disk;
    Layout layout;
    int number = 0;
};

// The old root copied out (modes, owners, times kept) and made into a new
// ext3 filesystem on the backup partition, with the partition table saved
// beside it (.xen-gpt.bin) and a manifest of every entry. The marker is
// not written here.
struct BackupRoot {
    std::string disk;
    PlannedPartition root, backup;
    std::string installation;  // "XCP 0.1.1 build 1234 on sda (partition 1, root-a1b2c3)"
};

// Before anything is written: the old root's carry-over files and the
// host's configuration, read from its root partition, sent to the xcp-pxe
// server the answerfile came from as a tar + zstd archive. The server keeps
// it off the host; its SHA-256 is checked on both ends. A refusal or a
// mismatch stops the upgrade here.
struct UploadBackup {
    std::string disk;
    PlannedPartition root;
    std::string url;     // .../api/v1/hosts/<token>/backups
    std::string server;  // http://host:port, what the operator reads (the token is not shown)
};

// The backup read back from the disk and compared, entry by entry (type,
// size, mode, owner, SHA-256), with its manifest, and (in an upgrade) the
// manifest with the old root as it was copied.
struct VerifyBackup {
    std::string disk;
    PlannedPartition backup;
    bool against_old_root = true;
};

// .xen-backup-partition, written last: only a verified backup is one.
struct MarkBackup {
    std::string disk;
    PlannedPartition backup;
    std::string installation;
};

// The carry-over table's entries present in the old root, copied into the
// staging tree with mode, owner (remapped by name) and symlinks kept; and
// root's password hash. Absent entries are skipped and logged.
struct CarryOver {
    std::string from;  // "the verified backup"
    bool root_password = true;
};

// A fresh install onto a new disk that brings a host back: the archive an
// upgrade sent the server (unpacked in `dir`) carried into the staging tree
// as an upgrade carries the old root's settings, root's hash included.
struct ApplyBackup {
    std::string id;
    std::string dir;
};

// The old root's tree as the new root: a restore stages the backup.
struct StageBackup {
    std::string disk;
    PlannedPartition backup;
};

// The install log added to the existing logs partition (/var/log), whose
// old logs stay.
struct AddLogToLogs {
    std::string disk;
    PlannedPartition logs;
    std::string name;  // xcp-installer-upgrade.log
    std::string relabel = {};  // when not empty: the filesystem's new label (logs-failed)
};

// The journal's two slots (journal/journal.hpp) made in the filesystem on
// `partition` when they are not there yet, and found: from the next
// operation on, the executor records each operation's start and end there.
struct CreateJournal {
    std::string disk;
    PlannedPartition partition;
};

// A run that goes on after an upgrade stopped while its root was rewritten:
// the old root is read from its verified backup, where BackupRoot would
// have copied it from the root.
struct ReadBackupAsOldRoot {
    std::string disk;
    PlannedPartition backup;
};

// Before the root is rewritten (BIOS, extlinux): the verified backup made
// bootable on its own, with extlinux.conf and ldlinux.sys in
// /.xcp-backup-boot naming the backup's Xen and kernel and root=UUID= of
// the backup, then the boot flag moved onto it (on a DOS table, one write
// of the MBR's sector). Until MarkBootable moves it back to the new,
// checked root, the disk starts the old control domain.
//
// UEFI (`esp` set): the backup's own grub.cfg into /.xcp-backup-boot (the
// root's, finding the backup by UUID), then the ESP's grubenv rewritten in
// place to name it (configure/boot_switch.hpp); until EspBootsRoot names the
// root again, the disk starts the old control domain.
struct BootFromBackup {
    std::string disk;
    Layout layout;
    PlannedPartition backup;
    std::string syslinux_modules;  // where mboot.c32 comes from when the backup's /boot lacks it
    std::optional<PlannedPartition> esp = std::nullopt;
    std::string root_label = {};  // the ESP's switch boots the root by it
    // BIOS with GRUB: the BIOS boot partition, where a core image that
    // boots the backup is put before the MBR is pointed at it.
    std::optional<PlannedPartition> grub_boot = std::nullopt;
    std::string grub_modules = {};  // grub-mkimage's i386-pc modules and boot.img
};

// BIOS with GRUB (the XCP-ng 8 layout): a core image whose prefix is the
// root's /boot/grub (as the vendor's own) put into the BIOS boot partition's
// free slot and read back, then the MBR's sector pointed at it in one write
// (disk/grub_bios.hpp). Last in a fresh install, and the switch back after
// an upgrade or restore.
struct GrubBootsRoot {
    std::string disk;
    PlannedPartition boot;  // the BIOS boot partition
    PlannedPartition root;
    std::string modules;  // grub-mkimage's i386-pc modules and boot.img
};

// UEFI: the ESP's grubenv rewritten in place (one sector) to name the root:
// the switch back after the new root is written and checked.
struct EspBootsRoot {
    std::string disk;
    PlannedPartition esp;
    std::string root_label;
};

}  // namespace op

using Operation =
    std::variant<op::CheckDisk, op::RunScripts, op::FetchSource, op::WriteRootFiles, op::SetRootPassword,
                 op::WriteInventory, op::WriteBootConfig, op::PartitionDisk, op::WipeDisk, op::MakeFilesystem,
                 op::CheckFilesystem, op::CopyLogIntoRoot, op::PopulateEsp, op::InstallExtlinux, op::WriteBootCode,
                 op::MarkBootable, op::UploadBackup, op::BackupRoot, op::VerifyBackup, op::MarkBackup, op::CarryOver, op::ApplyBackup, op::StageBackup,
                 op::AddLogToLogs, op::CreateJournal, op::ReadBackupAsOldRoot,
                 op::BootFromBackup, op::EspBootsRoot, op::GrubBootsRoot>;

struct PlannedOperation {
    int percent = 0;  // where progress stands when it starts
    Operation operation;
};

// What an operation writes: a whole disk, one partition, or only the
// partition table and boot sector.
struct Target {
    static constexpr int whole_disk = 0;
    static constexpr int table_and_boot_sector = -1;
    std::string disk;
    int partition = whole_disk;
    bool operator==(const Target&) const = default;
};

// True when writing `written` would write some of `kept`.
bool overlaps(const Target& written, const Target& kept);

// What the operation writes, or nullopt when it writes no disk.
std::optional<Target> disk_written(const Operation& operation);

// "partition", "mkfs", ...: the step name of progress events.
std::string_view step_name(const Operation& operation);

// One line: what the operation does to what.
std::string describe(const Operation& operation);

}  // namespace xcp::installer
