// The modes that keep an installation's data: upgrade, reinstall in the
// 2009 meaning (<existing-installation>), and restore. The partition table,
// the SR partition, the swap and every other disk are never written; the
// old root is backed up, verified and marked before it is replaced.
#include "installer-agent/plan/plan_parts.hpp"
#include "installer-agent/upgrade/existing_installation.hpp"
#include "libxcp/answerfile/values.hpp"

#include <algorithm>

namespace xcp::installer::planning {
namespace {

namespace af = answerfile;

Refusal untouched(const std::string& sentence)
{
    return Refusal{sentence + "; nothing was touched"};
}

// The backup partition holding a verified backup, for a restore: the
// backup-disk's, or the only one found.
std::variant<std::pair<const DiskInfo*, const PartitionInfo*>, Refusal> find_backup(const af::Answerfile& a,
                                                                                    const Probe& probe)
{
    std::vector<std::pair<const DiskInfo*, const PartitionInfo*>> found;
    for (const auto& d : probe.disks) {
        if (a.backup_disk && af::canonical_disk(d.name) != af::canonical_disk(a.backup_disk->value)) {
            continue;
        }
        for (const auto& p : d.partitions) {
            if (p.backup_marker) {
                found.emplace_back(&d, &p);
            }
        }
    }
    if (found.empty()) {
        return untouched(a.backup_disk ? "disk " + a.backup_disk->value + " holds no backup (no partition with "
                                                                          ".xen-backup-partition)"
                                       : std::string("no backup found (no partition with .xen-backup-partition) on "
                                                     "the disks the answerfile names"));
    }
    if (found.size() > 1) {
        std::string where;
        for (const auto& [d, p] : found) {
            where += (where.empty() ? "" : ", ") + d->name + " partition " + std::to_string(p->number);
        }
        return untouched("several backups found (" + where + "): say which with <backup-disk>");
    }
    return found.front();
}

// http://host:port of a URL: the token after it is not for the console.
// BIOS with GRUB, and a BIOS boot partition for its core images: the XCP-ng
// 8 layout's default outside UEFI.
bool grub_boot(const Plan& plan, const PlannedPartition* bios_boot)
{
    return !plan.boot.uefi && plan.boot.loader == BootLoader::grub2 && bios_boot != nullptr &&
           plan.layout.table == "gpt";
}

std::string server_of(const std::string& url)
{
    const auto scheme = url.find("://");
    const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    return url.substr(0, path);
}

}  // namespace

std::variant<Plan, Refusal> plan_keeping(const af::Answerfile& a, const Probe& probe, const PlanOptions& o, Plan plan)
{
    const bool restore = a.mode == af::Mode::restore;
    const bool resume = !restore && o.resume_from_backup;
    const DiskInfo* disk = nullptr;
    const PartitionInfo* backup_found = nullptr;
    if (resume) {
        af::Answerfile on_disk;
        on_disk.backup_disk = a.existing_installation;
        auto found = find_backup(on_disk, probe);
        if (auto* r = std::get_if<Refusal>(&found)) {
            return *r;
        }
        std::tie(disk, backup_found) = std::get<0>(found);
    } else if (restore) {
        auto found = find_backup(a, probe);
        if (auto* r = std::get_if<Refusal>(&found)) {
            return *r;
        }
        std::tie(disk, backup_found) = std::get<0>(found);
    } else {
        if (!a.existing_installation) {
            return Refusal{"mode " + plan.mode + " needs the disk of the installation (<existing-installation>)"};
        }
        if (auto r = check_present(probe, a.existing_installation->value, "the existing installation", o)) {
            return *r;
        }
        disk = probe.disk(a.existing_installation->value);
    }
    if (auto r = check_present(probe, disk->name, "the existing installation", o)) {
        return *r;
    }
    auto detected = restore || resume ? detect_for_restore(*disk, *backup_found) : detect_installation(*disk);
    if (const auto* why = std::get_if<std::string>(&detected)) {
        return untouched(*why + (restore ? ": a restore writes the backup back into that root" : " to " + plan.mode));
    }
    const auto& e = std::get<ExistingInstallation>(detected);
    if (resume) {
        plan.notes.emplace_back("the last run stopped while it rewrote the root of " + e.describe() +
                                ": this run goes on from its verified backup");
    } else if (!restore) {
        const auto mode = a.mode == af::Mode::upgrade ? KeepingMode::upgrade : KeepingMode::reinstall;
        if (auto why = refuse_replacing(e, mode, o.new_version, probe.uefi)) {
            return untouched(*why);
        }
        if (e.era != o.era) {
            return untouched(e.describe() + " uses the " + (e.era == LayoutEra::legacy ? "2009" : "XCP-ng 8") +
                             " layout, and the repository is for the " +
                             (o.era == LayoutEra::legacy ? "2009" : "XCP-ng 8") + " layout (" + o.era_reason +
                             "): moving between layouts is not done in place");
        }
    } else if (e.uefi != probe.uefi) {
        return untouched(e.describe() + " boots " + (e.uefi ? "UEFI" : "legacy BIOS") +
                         " but this host started the installer in " + (probe.uefi ? "UEFI" : "legacy BIOS") + " mode");
    }
    const auto* root = by_role(e.layout, PartitionRole::root);
    const auto* backup = by_role(e.layout, PartitionRole::backup);
    if ((restore || resume) && backup->number != backup_found->number) {
        return untouched("the backup found on " + disk->name + " partition " + std::to_string(backup_found->number) +
                         " is not the installation's backup partition (" + std::to_string(backup->number) + ")");
    }
    const auto* logs = by_role(e.layout, PartitionRole::logs);
    const auto* esp = by_role(e.layout, PartitionRole::esp);
    const auto* bios_boot = by_role(e.layout, PartitionRole::boot);

    plan.primary = disk->name;
    plan.era = e.era;
    plan.era_reason = "as installed: " + e.layout.table + " partition table";
    plan.layout = e.layout;
    const int old_mem = std::atoi(e.value("DOM0_MEM").c_str());
    const int dom0_mem = std::max(old_mem, o.dom0_mem_mib);
    plan.boot = boot_settings(a.bootloader ? a.bootloader->kind : af::BootloaderKind::unspecified,
                              e.era == LayoutEra::legacy, e.uefi, e.layout.table, e.root_label, dom0_mem);
    if (plan.boot.uefi && esp == nullptr) {
        return untouched(e.describe() + " boots UEFI but its layout has no ESP");
    }
    if (const auto* sr = by_role(e.layout, PartitionRole::local_sr)) {
        plan.local_sr = "kept: " + partition_path(plan.primary, sr->number);
        plan.never_written.push_back({plan.primary, sr->number});
    }
    // Every other disk the answerfile names is kept whole: guest disks of the
    // SR, or disks that only hold a backup to look at.
    for (const auto& d : probe.disks) {
        if (af::canonical_disk(d.name) != af::canonical_disk(plan.primary)) {
            plan.never_written.push_back({d.name, Target::whole_disk});
        }
    }
    if (a.primary_disk || !a.guest_disks.empty()) {
        plan.notes.emplace_back("the answerfile's disks are not repartitioned in mode " + plan.mode +
                                ": the installation keeps its own layout, SR and guest disks");
    }

    ControlDomainInputs inputs;
    inputs.answerfile = &a;
    inputs.era = e.era;
    inputs.primary = plan.primary;
    inputs.layout = e.layout;
    inputs.installation_uuid = e.value("INSTALLATION_UUID");
    inputs.control_domain_uuid = e.value("CONTROL_DOMAIN_UUID");
    if (inputs.installation_uuid.empty() || inputs.control_domain_uuid.empty()) {
        return untouched(e.describe() + ": its inventory lacks INSTALLATION_UUID or CONTROL_DOMAIN_UUID, and an "
                                        "upgrade that changed them would make it another host to its pool");
    }
    inputs.root_label = e.root_label;
    inputs.logs_label = e.logs_label;
    inputs.swap_label = e.swap_label;
    inputs.esp_label = e.esp_label;
    inputs.dom0_mem_mib = dom0_mem;
    auto fields = inventory_fields(inputs);
    fields.management_interface = e.value("MANAGEMENT_INTERFACE");

    auto& ops = plan.operations;
    const auto add = [&](int at, Operation operation) { ops.push_back({at, std::move(operation)}); };
    add(0, op::CheckDisk{plan.primary, described(*disk) + ", " + e.layout.table + " table, " + e.describe()});
    if (auto run = scripts_for(a, af::ScriptStage::installation_start, {}, o); !run.scripts.empty()) {
        add(1, run);
    }
    const auto installation = e.describe();
    // The journal: on the logs partition, or on the backup partition once it
    // holds the backup (2009 layout).
    const auto* journal = logs != nullptr ? logs : backup;
    if (resume) {
        add(5, op::VerifyBackup{plan.primary, *backup, false});
        add(6, op::CreateJournal{plan.primary, *journal});
        add(9, op::ReadBackupAsOldRoot{plan.primary, *backup});
    } else if (!restore) {
        if (!o.backup_url.empty()) {
            add(2, op::UploadBackup{plan.primary, *root, o.backup_url, server_of(o.backup_url)});
        }
        if (logs != nullptr) {
            add(2, op::CreateJournal{plan.primary, *logs});
        }
        // A run stopped after it moved the boot flag onto the backup, before
        // it rewrote the root: the root is whole, so it boots again before
        // the backup is rewritten.
        const auto* found = disk->partition(backup->number);
        const auto* found_esp = esp != nullptr ? disk->partition(esp->number) : nullptr;
        const bool esp_boots_backup = found_esp != nullptr && found_esp->esp_switch == "backup";
        const bool grub_boots_backup = grub_boot(plan, bios_boot) && disk->grub_core_boots == "backup";
        if ((found != nullptr && found->bootable && !grub_boot(plan, bios_boot)) || esp_boots_backup ||
            grub_boots_backup) {
            plan.notes.emplace_back("the last run left " + plan.primary + " booting its backup (partition " +
                                    std::to_string(backup->number) + "); the root is whole and boots again before "
                                    "the backup is rewritten");
            if (esp_boots_backup) {
                add(2, op::EspBootsRoot{plan.primary, *esp, e.root_label});
            } else if (grub_boots_backup) {
                add(2, op::GrubBootsRoot{plan.primary, *bios_boot, *root, o.grub_modules_dir});
            } else {
                add(2, op::MarkBootable{plan.primary, e.layout, root->number});
            }
        }
        add(2, op::BackupRoot{plan.primary, *root, *backup, installation});
        if (logs == nullptr) {
            add(8, op::CreateJournal{plan.primary, *backup});
        }
        add(8, op::VerifyBackup{plan.primary, *backup, true});
        add(9, op::MarkBackup{plan.primary, *backup, installation});
    }
    if (!restore) {
        auto fetches = fetches_for(a, o, 10, 60);
        if (auto* refusal = std::get_if<Refusal>(&fetches)) {
            return *refusal;
        }
        for (auto& f : std::get<std::vector<op::FetchSource>>(fetches)) {
            add(f.percent_to, f);
        }
        if (auto run = scripts_for(a, af::ScriptStage::packages_installed, {"{root}"}, o); !run.scripts.empty()) {
            add(60, run);
        }
        add(61, op::WriteRootFiles{{fstab_file(inputs)}});
        add(61, op::CarryOver{"the verified copy of the old root", true});
        std::string previous;
        for (const auto* key : {"PRODUCT_BRAND", "PRODUCT_VERSION", "PLATFORM_VERSION", "BUILD_NUMBER"}) {
            previous += std::string(key) + "='" + e.value(key) + "'\n";
        }
        add(62, op::WriteRootFiles{{{"var/tmp/.previousVersion", previous},
                                    {"etc/firstboot.d/data/host.conf", "UPGRADE=true\n"},
                                    {firstboot_in_progress, ""}}});
        if (a.mode == af::Mode::reinstall) {
            if (auto given = given_settings_files(inputs); !given.empty()) {
                add(62, op::WriteRootFiles{std::move(given)});
            }
            if (a.root_password) {
                add(62, op::SetRootPassword{a.root_password->type, a.root_password->value});
            }
        }
        add(62, op::WriteInventory{fields});
    } else {
        add(5, op::VerifyBackup{plan.primary, *backup, false});
        add(6, op::CreateJournal{plan.primary, *journal});
        add(40, op::StageBackup{plan.primary, *backup});
    }
    add(62, op::WriteBootConfig{plan.boot, o.syslinux_modules_dir});
    if (auto run = scripts_for(a, af::ScriptStage::filesystem_populated, {"{root}"}, o); !run.scripts.empty()) {
        add(63, run);
    }
    if (logs == nullptr) {
        add(69, op::CopyLogIntoRoot{});
    }
    // While the root is rewritten, the disk boots the verified backup.
    const bool by_grub = grub_boot(plan, bios_boot);
    const bool boots_backup = plan.boot.uefi || plan.boot.loader == BootLoader::extlinux || by_grub;
    if (boots_backup) {
        add(70, op::BootFromBackup{plan.primary, e.layout, *backup, o.syslinux_modules_dir,
                                   plan.boot.uefi ? std::optional(*esp) : std::nullopt, e.root_label,
                                   by_grub ? std::optional(*bios_boot) : std::nullopt,
                                   by_grub ? o.grub_modules_dir : std::string()});
    }
    // From here on the installation's own root is rewritten; the verified,
    // marked backup holds the old one.
    const auto root_text = plan.primary + " partition " + std::to_string(root->number);
    const auto backup_text = plan.primary + " partition " + std::to_string(backup->number);
    plan.replacement = Plan::Replacement{
        ops.size(),
        resume ? "the root on " + root_text + " is still as the last run left it: run this again, or restore the "
                 "old root from " + backup_text + " with a <restore> answerfile"
               : "the installation on " + plan.primary + " is untouched and boots as before",
        restore ? "the root on " + root_text + " was being rewritten: run the restore again (the backup on " +
                      backup_text + " is unchanged)"
                : "the root on " + root_text + " was being rewritten: the verified backup on " + backup_text +
                      " holds the old one" + (boots_backup ? ", and the disk boots it" : "") + "; run the " +
                      plan.mode + " again to finish it from there, or restore it with a <restore> answerfile"};
    add(88, op::MakeFilesystem{plan.primary, *root, "ext3", e.root_label, op::Contents::staging_root});
    add(90, op::CheckFilesystem{plan.primary, *root});
    if (logs != nullptr) {
        add(92, op::AddLogToLogs{plan.primary, *logs, "xcp-installer-" + plan.mode + ".log"});
    }
    if (plan.boot.uefi) {
        // The ESP keeps its loader; its switch names the new root again.
        add(95, op::EspBootsRoot{plan.primary, *esp, e.root_label});
    } else {
        if (plan.boot.loader == BootLoader::extlinux) {
            add(93, op::InstallExtlinux{plan.primary, *root});
            add(94, op::CheckFilesystem{plan.primary, *root});
            add(94, op::WriteBootCode{plan.primary, plan.boot.boot_code});
        }
        if (by_grub) {
            add(95, op::GrubBootsRoot{plan.primary, *bios_boot, *root, o.grub_modules_dir});
        } else {
            add(95, op::MarkBootable{plan.primary, e.layout, root->number});
        }
    }
    plan.old_version = restore ? "" : e.value("PRODUCT_VERSION");
    plan.new_version = restore ? e.value("PRODUCT_VERSION") : o.new_version;
    place_journal(plan, o.journal_sequence);
    plan.completion_scripts = scripts_for(a, af::ScriptStage::installation_complete, {"0"}, o);
    plan.failure_scripts = scripts_for(a, af::ScriptStage::installation_complete, {"1"}, o);
    return plan;
}

}  // namespace xcp::installer::planning

namespace xcp::installer {

std::variant<Plan, Refusal> make_backup_plan(const Probe& probe, const std::string& name, const PlanOptions& o)
{
    if (auto r = planning::check_present(probe, name, "the installation to back up", o)) {
        return *r;
    }
    const auto* disk = probe.disk(name);
    auto detected = detect_installation(*disk);
    if (const auto* why = std::get_if<std::string>(&detected)) {
        return Refusal{*why + " to back up; nothing was touched"};
    }
    const auto& e = std::get<ExistingInstallation>(detected);
    const auto* root = by_role(e.layout, PartitionRole::root);
    const auto* backup = by_role(e.layout, PartitionRole::backup);
    Plan plan;
    plan.mode = "backup";
    plan.primary = disk->name;
    plan.era = e.era;
    plan.era_reason = "as installed: " + e.layout.table + " partition table";
    plan.layout = e.layout;
    plan.local_sr = "kept";
    // Everything but the backup partition is kept: the root it copies too.
    for (const auto& p : e.layout.partitions) {
        if (p.role != PartitionRole::backup) {
            plan.never_written.push_back({plan.primary, p.number});
        }
    }
    for (const auto& d : probe.disks) {
        if (answerfile::canonical_disk(d.name) != answerfile::canonical_disk(plan.primary)) {
            plan.never_written.push_back({d.name, Target::whole_disk});
        }
    }
    const auto installation = e.describe();
    plan.operations.push_back(
        {0, op::CheckDisk{plan.primary, planning::described(*disk) + ", " + e.layout.table + " table, " + installation}});
    plan.operations.push_back({5, op::BackupRoot{plan.primary, *root, *backup, installation}});
    plan.operations.push_back({60, op::VerifyBackup{plan.primary, *backup, true}});
    plan.operations.push_back({95, op::MarkBackup{plan.primary, *backup, installation}});
    return plan;
}

}  // namespace xcp::installer
