#include "installer-agent/plan/plan.hpp"

#include "installer-agent/configure/bootloader.hpp"
#include "libxcp/answerfile/names.hpp"
#include "libxcp/answerfile/values.hpp"

#include <cstdio>
#include <set>

namespace xcp::installer {
namespace {

namespace af = answerfile;

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

}  // namespace

std::string human_size(std::uint64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f GB", static_cast<double>(bytes) / 1e9);
    return text;
}

std::variant<Plan, Refusal> make_plan(const af::Answerfile& a, const Probe& probe, const PlanOptions& o)
{
    Plan plan;
    plan.mode = mode_name(a.mode);
    plan.era = o.era;
    plan.era_reason = o.era_reason;
    if (a.mode == af::Mode::upgrade || a.mode == af::Mode::restore ||
        (a.mode == af::Mode::reinstall && a.existing_installation)) {
        const auto disk = a.existing_installation ? a.existing_installation->value
                          : a.backup_disk         ? a.backup_disk->value
                                                  : std::string();
        if (disk.empty()) {
            return Refusal{"mode " + plan.mode + " needs the disk of the installation (<existing-installation>)"};
        }
        if (auto r = check_present(probe, disk, "the existing installation", o)) {
            return *r;
        }
        if (a.mode != af::Mode::restore && probe.disk(disk)->installation_root() == nullptr) {
            return Refusal{"disk " + disk + " holds no XCP installation (no partition labelled root-*) to " +
                           plan.mode + "; nothing was touched"};
        }
        return Refusal{"mode " + plan.mode + " is not written yet: only fresh installs are planned; nothing was "
                                             "touched"};
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
        return Refusal{"disk " + plan.primary + " holds an XCP installation (partition " + std::to_string(root->number) +
                       ", " + root->label + "); mode fresh does not replace it: use mode=\"reinstall\" to wipe it or "
                       "\"upgrade\" to keep it; nothing was touched"};
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

    auto& s = plan.steps;
    const auto described = [](const DiskInfo& d) {
        return (d.model.empty() ? std::string() : d.model + ", ") + (d.removable ? "removable, " : "") + "size " +
               human_size(d.size);
    };
    s.push_back({"check", plan.primary, described(primary) + ", " +
                                            (primary.table.empty() ? "no partition table" : primary.table + " table")});
    for (const auto& g : plan.guest_disks) {
        s.push_back({"check", g, described(*probe.disk(g))});
    }
    for (const auto& d : a.driver_sources) {
        s.push_back({"driver", d.location.empty() ? "local media" : d.location, "verified before the main sources"});
    }
    for (const auto& src : a.sources) {
        s.push_back({"fetch", src.location.empty() ? "local media" : src.location,
                     "every package hashed as it streams (MD5 or SHA-256) and unpacked into a staging tree; "
                     "a bad package stops the install before any disk is written"});
    }
    for (const auto& d : a.driver_sources) {
        s.push_back({"fetch", d.location.empty() ? "local media" : d.location,
                     "driver packages unpacked under the installed kernel"});
    }
    s.push_back({"configure", "staging tree",
                 "hostname, network, timezone, keymap, NTP, root password, xensource-inventory, boot loader "
                 "configuration"});
    if (a.primary_disk->guest_storage || !plan.guest_disks.empty()) {
        s.push_back({"storage", "etc/firstboot.d/data/default-storage.conf",
                     std::string("local SR, type ") +
                         (a.sr_type.value_or(o.era == LayoutEra::legacy ? af::SrType::lvm : af::SrType::ext) ==
                                  af::SrType::ext
                              ? "ext"
                              : "lvm")});
    }
    s.push_back({"partition", plan.primary,
                 std::to_string(layout->partitions.size()) + " partitions, " + layout->table +
                     ", after checking the disk is still the one probed"});
    for (const auto& g : plan.guest_disks) {
        s.push_back({"wipe", g, "old signatures cleared; the whole disk joins the local SR"});
    }
    std::string root_device;
    for (const auto& p : layout->partitions) {
        if (p.role == "root") {
            root_device = partition_path(plan.primary, p.number);
        } else if (p.role == "swap" || p.role == "ESP") {
            s.push_back({"mkfs", partition_path(plan.primary, p.number), p.role == "swap" ? "swap signature" : "vfat"});
        }
    }
    s.push_back({"mkfs", root_device, "ext3 root, populated from the staging tree (mke2fs -d)"});
    s.push_back({"verify", root_device, "e2fsck -fn"});
    for (const auto& p : layout->partitions) {
        if (p.role == "logs") {
            s.push_back({"mkfs", partition_path(plan.primary, p.number), "ext3 logs, with the install log"});
        }
    }
    const auto boot_steps = by_role(*layout, "ESP") != nullptr ? "grub.cfg and the vendor's loader onto the ESP"
                            : uses_extlinux(a, o.era, false)
                                ? "extlinux's boot sector, syslinux's MBR code and the bootable flag"
                                : "the bootable flag (grub2's own boot code is not installed)";
    s.push_back({"bootloader", plan.primary, std::string(boot_steps) + ", only after every byte is verified"});
    s.push_back({"report", "installation-complete", "scripts run with 0, or 1 on any failure"});
    return plan;
}

std::string to_text(const Plan& p)
{
    std::string out = "mode " + p.mode + " onto " + p.primary + ", " +
                      (p.era == LayoutEra::legacy ? "2009 layout" : "XCP-ng 8 layout") + " (" + p.era_reason + ")\n";
    out += "partitions (" + p.layout.table + "):\n";
    for (const auto& part : p.layout.partitions) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-2d %-8s %10.1f GiB at %8.1f MiB %s\n", part.number, part.role.c_str(),
                      static_cast<double>(part.size) / GiB, static_cast<double>(part.start) / MiB,
                      part.filesystem.c_str());
        out += line;
    }
    out += "steps:\n";
    int n = 0;
    for (const auto& s : p.steps) {
        out += "  " + std::to_string(++n) + ". " + s.name + " " + s.target + (s.detail.empty() ? "" : ": " + s.detail) + "\n";
    }
    return out;
}

nlohmann::json to_json(const Plan& p)
{
    nlohmann::json j{{"mode", p.mode},
                     {"primary_disk", p.primary},
                     {"layout", p.era == LayoutEra::legacy ? "2009" : "xcp-ng-8"},
                     {"layout_reason", p.era_reason},
                     {"table", p.layout.table},
                     {"guest_disks", p.guest_disks}};
    j["partitions"] = nlohmann::json::array();
    for (const auto& part : p.layout.partitions) {
        j["partitions"].push_back({{"number", part.number}, {"role", part.role}, {"start", part.start},
                                   {"size", part.size}, {"type", part.gpt_type}, {"filesystem", part.filesystem}});
    }
    j["steps"] = nlohmann::json::array();
    for (const auto& s : p.steps) {
        j["steps"].push_back({{"step", s.name}, {"target", s.target}, {"detail", s.detail}});
    }
    return j;
}

}  // namespace xcp::installer
