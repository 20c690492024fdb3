#include "installer-agent/upgrade/existing_installation.hpp"

#include "libxcp/util/text.hpp"

#include <algorithm>

namespace xcp::installer {
namespace {

constexpr std::string_view esp_type = "c12a7328-f81f-11d2-ba4b-00a0c93ec93b";
constexpr std::string_view bios_boot_type = "21686148-6449-6e6f-744e-656564454649";
constexpr std::string_view lvm_type = "e6d6d379-f507-44c2-a23c-238f2a3df928";

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The role of a partition of an existing installation: by filesystem label
// first, then GPT name (what our installs and the vendor's write), then for
// the 2009 layout's MBR by number.
std::optional<PartitionRole> role_of(const PartitionInfo& p, bool gpt)
{
    if (p.label.starts_with("root-")) {
        return PartitionRole::root;
    }
    if (p.label.starts_with("logs-")) {
        return PartitionRole::logs;
    }
    if (p.label.starts_with("swap-") || p.filesystem == "swap") {
        return PartitionRole::swap;
    }
    if (gpt) {
        const auto name = lower(p.name);
        if (name == "backup") {
            return PartitionRole::backup;
        }
        if (name == "localsr" || lower(p.type) == lvm_type) {
            return PartitionRole::local_sr;
        }
        if (name == "esp" || lower(p.type) == esp_type) {
            return p.label.find("UTILITY") != std::string::npos ? PartitionRole::utility : PartitionRole::esp;
        }
        if (name == "boot" || lower(p.type) == bios_boot_type) {
            return PartitionRole::boot;
        }
        return std::nullopt;
    }
    switch (p.number) {
    case 2: return PartitionRole::backup;
    case 3: return PartitionRole::local_sr;
    default: return std::nullopt;
    }
}

// The reference's rule (product.py): every executable NN-* script of
// etc/firstboot.d has left its state file, and firstboot_in_progress is gone.
std::string first_boot_missing(const RootFacts& f)
{
    if (f.firstboot_in_progress) {
        return "etc/firstboot.d/data/firstboot_in_progress is still there";
    }
    for (const auto& s : f.firstboot_scripts) {
        if (std::find(f.firstboot_states.begin(), f.firstboot_states.end(), s) == f.firstboot_states.end()) {
            return "etc/firstboot.d/" + s + " never ran (no etc/firstboot.d/state/" + s + ")";
        }
    }
    return {};
}

}  // namespace

std::map<std::string, std::string> parse_inventory(std::string_view text)
{
    std::map<std::string, std::string> out;
    for (const auto raw : util::split(text, '\n')) {
        const auto line = util::trim(raw);
        const auto eq = line.find('=');
        if (line.empty() || line.front() == '#' || eq == std::string_view::npos) {
            continue;
        }
        auto value = util::trim(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') && value.back() == value.front()) {
            value = value.substr(1, value.size() - 2);
        }
        out[std::string(util::trim(line.substr(0, eq)))] = std::string(value);
    }
    return out;
}

std::string ExistingInstallation::value(const std::string& key) const
{
    const auto it = inventory.find(key);
    return it == inventory.end() ? std::string() : it->second;
}

std::string ExistingInstallation::describe() const
{
    return product + " " + version + (build.empty() ? "" : " build " + build) + " on " + disk + " (partition " +
           std::to_string(root_number) + ", " + root_label + ")";
}

namespace {

// Roles, labels and boot mode from the partition table and the labels.
std::string read_layout(const DiskInfo& disk, ExistingInstallation& e)
{
    e.disk = disk.name;
    const bool gpt = disk.table == "gpt";
    e.era = gpt ? LayoutEra::modern : LayoutEra::legacy;
    e.layout.table = disk.table;
    for (const auto& p : disk.partitions) {
        const auto role = role_of(p, gpt);
        if (!role) {
            continue;
        }
        PlannedPartition planned;
        planned.number = p.number;
        planned.role = *role;
        planned.gpt_type = p.type;
        planned.start = p.start;
        planned.size = p.size;
        planned.filesystem = p.filesystem;
        e.layout.partitions.push_back(planned);
        if (*role == PartitionRole::root) {
            e.root_number = p.number;
            e.root_label = p.label;
        } else if (*role == PartitionRole::logs) {
            e.logs_label = p.label;
        } else if (*role == PartitionRole::swap) {
            e.swap_label = p.label;
        } else if (*role == PartitionRole::esp) {
            e.esp_label = p.label;
            e.uefi = p.filesystem == "vfat";
        }
    }
    if (by_role(e.layout, PartitionRole::backup) == nullptr) {
        return "disk " + disk.name + " has no backup partition (" + (gpt ? "GPT name backup" : "partition 2") + ")";
    }
    return {};
}

std::string read_inventory(const std::string& text, const std::string& where, ExistingInstallation& e)
{
    e.inventory = parse_inventory(text);
    e.product = e.value("PRODUCT_BRAND");
    e.version = e.value("PRODUCT_VERSION");
    e.build = e.value("BUILD_NUMBER");
    return e.version.empty() ? where + ": etc/xensource-inventory has no PRODUCT_VERSION" : std::string();
}

}  // namespace

std::variant<ExistingInstallation, std::string> detect_installation(const DiskInfo& disk)
{
    const auto* root = disk.installation_root();
    if (root == nullptr) {
        return "disk " + disk.name + " holds no XCP installation (no partition labelled root-*)";
    }
    const auto where = "disk " + disk.name + " partition " + std::to_string(root->number) + " (" + root->label + ")";
    if (!root->root_facts || !root->root_facts->error.empty()) {
        return where + " cannot be read: " + (root->root_facts ? root->root_facts->error : "not probed");
    }
    const auto& facts = *root->root_facts;
    if (!facts.inventory) {
        return where + " holds no etc/xensource-inventory, so its version is unknown";
    }
    ExistingInstallation e;
    e.root_number = root->number;
    e.root_label = root->label;
    if (auto why = read_inventory(*facts.inventory, where, e); !why.empty()) {
        return why;
    }
    if (auto why = read_layout(disk, e); !why.empty()) {
        return where + ": " + why + " to keep the old root on";
    }
    e.first_boot_missing = first_boot_missing(facts);
    e.first_boot_complete = e.first_boot_missing.empty();
    return e;
}

std::variant<ExistingInstallation, std::string> detect_for_restore(const DiskInfo& disk, const PartitionInfo& backup)
{
    ExistingInstallation e;
    const auto where = "the backup on " + disk.name + " partition " + std::to_string(backup.number);
    if (!backup.backup_inventory) {
        return where + " holds no etc/xensource-inventory, so what it would restore is unknown";
    }
    if (auto why = read_inventory(*backup.backup_inventory, where, e); !why.empty()) {
        return why;
    }
    if (auto why = read_layout(disk, e); !why.empty()) {
        return why;
    }
    const bool gpt = disk.table == "gpt";
    const PartitionInfo* root = nullptr;
    for (const auto& p : disk.partitions) {
        if (p.label.starts_with("root-") || (gpt && lower(p.name) == "root") || (!gpt && p.number == 1)) {
            root = &p;
            break;
        }
    }
    if (root == nullptr) {
        return "disk " + disk.name + " has no root partition (" + (gpt ? "GPT name root" : "partition 1") +
               ") to restore into";
    }
    e.root_label = root->label.starts_with("root-") ? root->label : e.value("ROOT_LABEL");
    if (!e.root_label.starts_with("root-")) {
        return "disk " + disk.name + " partition " + std::to_string(root->number) +
               " has no root-* label, and the backup's inventory names none (ROOT_LABEL)";
    }
    e.root_number = root->number;
    if (by_role(e.layout, PartitionRole::root) == nullptr) {
        PlannedPartition planned;
        planned.number = root->number;
        planned.role = PartitionRole::root;
        planned.gpt_type = root->type;
        planned.start = root->start;
        planned.size = root->size;
        planned.filesystem = "ext3";
        e.layout.partitions.push_back(planned);
    }
    e.first_boot_complete = true;
    return e;
}

int compare_versions(std::string_view a, std::string_view b)
{
    const auto pa = util::split(a, '.');
    const auto pb = util::split(b, '.');
    for (std::size_t i = 0; i < std::max(pa.size(), pb.size()); ++i) {
        const auto x = i < pa.size() ? pa[i] : std::string_view("0");
        const auto y = i < pb.size() ? pb[i] : std::string_view("0");
        const bool nx = !x.empty() && std::all_of(x.begin(), x.end(), [](unsigned char c) { return std::isdigit(c); });
        const bool ny = !y.empty() && std::all_of(y.begin(), y.end(), [](unsigned char c) { return std::isdigit(c); });
        if (nx && ny) {
            const auto sx = x.substr(std::min(x.find_first_not_of('0'), x.size() - 1));
            const auto sy = y.substr(std::min(y.find_first_not_of('0'), y.size() - 1));
            if (sx.size() != sy.size()) {
                return sx.size() < sy.size() ? -1 : 1;
            }
            if (sx != sy) {
                return sx < sy ? -1 : 1;
            }
        } else if (x != y) {
            return x < y ? -1 : 1;
        }
    }
    return 0;
}

std::optional<std::string> refuse_replacing(const ExistingInstallation& e, KeepingMode mode,
                                            const std::string& new_version, bool uefi)
{
    const auto verb = mode == KeepingMode::upgrade ? std::string("upgrade") : std::string("reinstall");
    if (new_version.empty()) {
        return "the repository's version cannot be read before installing, so a downgrade of " + e.describe() +
               " cannot be ruled out; no " + verb + " without it";
    }
    if (compare_versions(new_version, e.version) < 0) {
        return "the repository holds version " + new_version + ", older than " + e.describe() +
               ": a downgrade is refused";
    }
    if (e.uefi != uefi) {
        return e.describe() + " boots " + (e.uefi ? "UEFI" : "legacy BIOS") + " but this host started the installer in " +
               (uefi ? "UEFI" : "legacy BIOS") + " mode: start it the same way as the installation boots";
    }
    if (!e.first_boot_complete) {
        return e.describe() + " never completed its first boot (" + e.first_boot_missing + "): boot it once, or "
               "install afresh";
    }
    return std::nullopt;
}

}  // namespace xcp::installer
