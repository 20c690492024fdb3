#include "installer-agent/plan/plan.hpp"

#include "installer-agent/plan/plan_parts.hpp"

#include "libxcp/answerfile/names.hpp"
#include "libxcp/answerfile/values.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

namespace xcp::installer {
namespace af = answerfile;

namespace planning {

std::string mode_name(af::Mode m)
{
    switch (m) {
    case af::Mode::fresh: return "fresh";
    case af::Mode::reinstall: return "reinstall";
    case af::Mode::upgrade: return "upgrade";
    case af::Mode::restore: return "restore";
    }
    return "?";
}

std::optional<Refusal> check_present(const Probe& probe, const std::string& name, const char* role,
                                     const PlanOptions& o)
{
    const auto* d = probe.disk(name);
    if (d == nullptr || !d->present) {
        return Refusal{"disk " + name + " named as " + role + " does not exist under " + o.dev_dir +
                       "; nothing was touched"};
    }
    if (d->holds_running_system) {
        return Refusal{"disk " + name + " named as " + role + " holds the running system; nothing was touched"};
    }
    return std::nullopt;
}

namespace {

// Where a source is read from: NFS locations get their scheme, and local
// media is --local-source ("" when that was not given).
std::string resolved(const af::Source& source, const std::string& local_source)
{
    if (source.type == af::SourceType::local) {
        return local_source;
    }
    if (source.type == af::SourceType::nfs && !source.location.starts_with("nfs://")) {
        return "nfs://" + source.location;
    }
    return source.location;
}

}  // namespace

std::string described(const DiskInfo& d)
{
    return (d.model.empty() ? std::string() : d.model + ", ") + (d.removable ? "removable, " : "") + "size " +
           human_size(d.size);
}

op::RunScripts scripts_for(const af::Answerfile& a, af::ScriptStage stage, std::vector<std::string> arguments,
                           const PlanOptions& o)
{
    op::RunScripts run{stage, {}, std::move(arguments)};
    int n = 0;
    for (const auto& script : a.scripts) {
        ++n;
        if (script.stage == stage) {
            run.scripts.push_back({n, resolved(script.source, o.local_source)});
        }
    }
    return run;
}

std::variant<std::vector<op::FetchSource>, Refusal> fetches_for(const af::Answerfile& a, const PlanOptions& o,
                                                                int from, int to)
{
    // Driver sources are verified first, as the reference loads them first,
    // and unpacked after the main sources, so that their modules land under
    // the kernel those installed.
    std::vector<op::FetchSource> fetches;
    for (const auto& d : a.driver_sources) {
        fetches.push_back({op::SourceUse::check_driver, resolved(d, o.local_source), 0});
    }
    for (const auto& src : a.sources) {
        fetches.push_back({op::SourceUse::main, resolved(src, o.local_source), 0});
    }
    for (const auto& d : a.driver_sources) {
        fetches.push_back({op::SourceUse::driver, resolved(d, o.local_source), 0});
    }
    for (auto& f : fetches) {
        if (f.location.empty()) {
            return Refusal{"<source type=\"local\"> needs the installer's media: give --local-source DIR; nothing "
                           "was touched"};
        }
    }
    const int share = (to - from) / std::max<int>(1, static_cast<int>(fetches.size()));
    int percent = from;
    for (auto& f : fetches) {
        f.percent_from = percent;
        f.percent_to = percent + share;
        percent += share;
    }
    return fetches;
}

std::string esp_suffix(const std::string& label_suffix)
{
    auto upper = label_suffix.substr(0, 4);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return upper;
}

}  // namespace planning

using namespace planning;

std::string human_size(std::uint64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
    return text;
}

namespace planning {

void place_journal(Plan& plan, std::uint64_t sequence)
{
    plan.journal_sequence = sequence;
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
        if (std::holds_alternative<op::CreateJournal>(plan.operations[i].operation)) {
            plan.journal_from = i + 1;
        }
    }
}

}  // namespace planning

std::variant<Plan, Refusal> make_plan(const af::Answerfile& a, const Probe& probe, const PlanOptions& o)
{
    Plan plan;
    plan.mode = mode_name(a.mode);
    plan.era = o.era;
    plan.era_reason = o.era_reason;
    if (a.mode == af::Mode::upgrade || a.mode == af::Mode::restore ||
        (a.mode == af::Mode::reinstall && a.existing_installation)) {
        return plan_keeping(a, probe, o, std::move(plan));
    }
    if (a.raid) {
        return Refusal{"<raid device=\"" + a.raid->device + "\">: building software RAID is not written yet; "
                       "nothing was touched"};
    }
    if (!a.primary_disk) {
        return Refusal{"the answerfile names no <primary-disk>"};
    }
    plan.primary = a.primary_disk->device;
    if (auto r = check_present(probe, plan.primary, "<primary-disk>", o)) {
        return *r;
    }
    std::set<std::string> seen{af::canonical_disk(plan.primary)};
    for (const auto& g : a.guest_disks) {
        if (!seen.insert(af::canonical_disk(g.value)).second) {
            return Refusal{"disk " + g.value + " is named twice; nothing was touched"};
        }
        if (auto r = check_present(probe, g.value, "<guest-disk>", o)) {
            return *r;
        }
        plan.guest_disks.push_back(g.value);
    }
    const auto& primary = *probe.disk(plan.primary);
    if (const auto* root = primary.installation_root(); root != nullptr && a.mode == af::Mode::fresh) {
        if (!o.replace_unfinished) {
            return Refusal{"disk " + plan.primary + " holds an XCP installation (partition " +
                           std::to_string(root->number) + ", " + root->label +
                           "); mode fresh does not replace it: use mode=\"reinstall\" to wipe it or \"upgrade\" to "
                           "keep it; nothing was touched"};
        }
        plan.notes.emplace_back("the installation on " + plan.primary + " (" + root->label +
                                ") never completed, as its journal says: it is replaced");
    }
    if (probe.uefi && o.era == LayoutEra::legacy) {
        return Refusal{"this host boots UEFI, and the 2009 layout has no EFI system partition to boot from: start it "
                       "in legacy BIOS mode, or install an XCP-ng 8 release; nothing was touched"};
    }
    LayoutRequest request;
    request.era = o.era;
    request.disk_size = primary.size;
    request.guest_storage = a.primary_disk->guest_storage;
    request.sr_at_end = a.primary_disk->sr_at_end;
    request.uefi = probe.uefi;
    // A vendor utility partition in slot 1 is kept when asked, or by default
    // when it is labelled as one.
    if (!primary.partitions.empty() && primary.partitions.front().number == 1) {
        const auto& first = primary.partitions.front();
        const bool utility = first.label.find("UTILITY") != std::string::npos || first.name.find("UTILITY") != std::string::npos;
        const auto keep = a.primary_disk->preserve_first_partition;
        request.keep_first_partition = keep == af::PreserveFirstPartition::yes ||
                                       (keep == af::PreserveFirstPartition::if_utility && utility);
        request.first_partition_end = first.start + first.size;
    }
    const auto layout = compute_layout(request);
    if (!layout) {
        return Refusal{"disk " + plan.primary + " is " + human_size(primary.size) + "; the " +
                       (o.era == LayoutEra::legacy ? "2009" : "XCP-ng 8") + " layout needs at least " +
                       human_size(minimum_disk(o.era)) + "; nothing was touched"};
    }
    plan.layout = *layout;

    const auto& ids = o.identities;
    const auto on = [&](const PartitionRole role) { return by_role(*layout, role); };
    const auto upper = esp_suffix(ids.label_suffix);
    ControlDomainInputs inputs;
    inputs.answerfile = &a;
    inputs.era = o.era;
    inputs.primary = plan.primary;
    inputs.layout = *layout;
    inputs.guest_disks = plan.guest_disks;
    inputs.sr_type = a.sr_type.value_or(o.era == LayoutEra::legacy ? af::SrType::lvm : af::SrType::ext);
    inputs.installation_uuid = ids.installation_uuid;
    inputs.control_domain_uuid = ids.control_domain_uuid;
    if (o.restore) {
        // The host comes back as itself: to its pool, the same host.
        const auto value = [&](const char* key) {
            const auto it = o.restore->inventory.find(key);
            return it == o.restore->inventory.end() ? std::string() : it->second;
        };
        inputs.installation_uuid = value("INSTALLATION_UUID");
        inputs.control_domain_uuid = value("CONTROL_DOMAIN_UUID");
        if (inputs.installation_uuid.empty() || inputs.control_domain_uuid.empty()) {
            return Refusal{"backup " + o.restore->id + " has no INSTALLATION_UUID or CONTROL_DOMAIN_UUID in its "
                           "etc/xensource-inventory: restoring it would make another host; nothing was touched"};
        }
    }
    inputs.root_label = "root-" + ids.label_suffix;
    inputs.logs_label = on(PartitionRole::logs) ? "logs-" + ids.label_suffix : "";
    inputs.swap_label = on(PartitionRole::swap) ? "swap-" + ids.label_suffix : "";
    inputs.esp_label = on(PartitionRole::esp) ? "BOOT-" + upper : "";
    inputs.dom0_mem_mib = o.dom0_mem_mib;
    plan.boot = boot_settings(a.bootloader ? a.bootloader->kind : af::BootloaderKind::unspecified,
                              o.era == LayoutEra::legacy, probe.uefi, layout->table, inputs.root_label, o.dom0_mem_mib);
    if (const auto* sr = on(PartitionRole::local_sr); sr != nullptr || !plan.guest_disks.empty()) {
        plan.local_sr = inputs.sr_type == af::SrType::ext ? "ext on" : "lvm on";
        if (sr != nullptr) {
            plan.local_sr += " " + partition_path(plan.primary, sr->number);
        }
        for (const auto& g : plan.guest_disks) {
            plan.local_sr += " /dev/" + af::canonical_disk(g);
        }
    }

    auto& ops = plan.operations;
    int percent = 0;
    const auto add = [&](int at, Operation operation) {
        percent = at;
        ops.push_back({at, std::move(operation)});
    };
    const auto scripts = [&](af::ScriptStage stage, std::vector<std::string> arguments) {
        return scripts_for(a, stage, std::move(arguments), o);
    };
    add(0, op::CheckDisk{plan.primary, described(primary) + ", " +
                                           (primary.table.empty() ? "no partition table" : primary.table + " table")});
    for (const auto& g : plan.guest_disks) {
        add(0, op::CheckDisk{g, described(*probe.disk(g))});
    }
    if (auto run = scripts(af::ScriptStage::installation_start, {}); !run.scripts.empty()) {
        add(1, run);
    }

    auto fetches = fetches_for(a, o, 2, 60);
    if (auto* refusal = std::get_if<Refusal>(&fetches)) {
        return *refusal;
    }
    for (auto& f : std::get<std::vector<op::FetchSource>>(fetches)) {
        add(f.percent_to, f);
    }
    if (auto run = scripts(af::ScriptStage::packages_installed, {"{root}"}); !run.scripts.empty()) {
        add(60, run);
    }

    add(61, op::WriteRootFiles{control_domain_files(inputs)});
    if (a.root_password) {
        add(61, op::SetRootPassword{a.root_password->type, a.root_password->value});
    } else {
        plan.notes.emplace_back("the answerfile has no <root-password>: the host asks for one at first boot");
    }
    auto fields = inventory_fields(inputs);
    if (o.restore) {
        add(61, op::ApplyBackup{o.restore->id, o.restore->dir});
        add(61, op::WriteRootFiles{{{"etc/firstboot.d/data/host.conf", "UPGRADE=true\n"}}});
        if (const auto it = o.restore->inventory.find("MANAGEMENT_INTERFACE"); it != o.restore->inventory.end()) {
            fields.management_interface = it->second;
        }
    }
    add(62, op::WriteInventory{fields});
    add(62, op::WriteBootConfig{plan.boot, o.syslinux_modules_dir});
    if (auto run = scripts(af::ScriptStage::filesystem_populated, {"{root}"}); !run.scripts.empty()) {
        add(63, run);
    }

    // From here on the disks are written; the executor confirms each is
    // still the one probed before the first write to it.
    add(64, op::PartitionDisk{plan.primary, *layout});
    for (const auto& g : plan.guest_disks) {
        add(66, op::WipeDisk{g});
    }
    for (const auto& p : layout->partitions) {
        if (p.role == PartitionRole::swap) {
            add(68, op::MakeFilesystem{plan.primary, p, "swap", inputs.swap_label, op::Contents::none});
        } else if (p.role == PartitionRole::esp) {
            add(68, op::MakeFilesystem{plan.primary, p, "vfat", inputs.esp_label, op::Contents::none});
        }
    }
    const auto& root = *on(PartitionRole::root);
    const auto* logs = on(PartitionRole::logs);
    // The journal goes first: on the logs partition, or (2009 layout) on
    // the backup partition, which an upgrade rewrites before it uses it.
    if (logs != nullptr) {
        add(68, op::MakeFilesystem{plan.primary, *logs, "ext3", inputs.logs_label, op::Contents::install_log});
        plan.failure_log = op::MakeFilesystem{plan.primary, *logs, "ext3", "logs-failed", op::Contents::install_log};
        plan.failure_log_added = op::AddLogToLogs{plan.primary, *logs, "xcp-installer.log", "logs-failed"};
        add(68, op::CreateJournal{plan.primary, *logs});
    } else if (const auto* backup = on(PartitionRole::backup)) {
        add(68, op::MakeFilesystem{plan.primary, *backup, "ext3", "", op::Contents::none});
        add(68, op::CreateJournal{plan.primary, *backup});
    }
    if (logs == nullptr) {
        add(69, op::CopyLogIntoRoot{});
    }
    add(88, op::MakeFilesystem{plan.primary, root, "ext3", inputs.root_label, op::Contents::staging_root});
    add(90, op::CheckFilesystem{plan.primary, root});
    if (logs != nullptr) {
        add(92, op::AddLogToLogs{plan.primary, *logs, "xcp-installer.log"});
    }
    // Everything is written and checked: only now is the disk made bootable.
    if (plan.boot.uefi) {
        add(95, op::PopulateEsp{plan.primary, *on(PartitionRole::esp)});
    } else {
        if (plan.boot.loader == BootLoader::extlinux) {
            add(93, op::InstallExtlinux{plan.primary, root});
            add(94, op::CheckFilesystem{plan.primary, root});
            add(94, op::WriteBootCode{plan.primary, plan.boot.boot_code});
        }
        if (const auto* boot = on(PartitionRole::boot);
            plan.boot.loader == BootLoader::grub2 && boot != nullptr && layout->table == "gpt") {
            // GRUB's boot.img reads no boot flag: the MBR's one sector is
            // what makes the disk bootable, last.
            add(95, op::GrubBootsRoot{plan.primary, *boot, root, o.grub_modules_dir});
        } else {
            add(95, op::MarkBootable{plan.primary, *layout, root.number});
        }
    }
    plan.new_version = o.new_version;
    place_journal(plan, o.journal_sequence);
    plan.completion_scripts = scripts(af::ScriptStage::installation_complete, {"0"});
    plan.failure_scripts = scripts(af::ScriptStage::installation_complete, {"1"});
    return plan;
}

}  // namespace xcp::installer
