// An installation already on a disk, as its root says (install.md,
// "Detecting an existing installation"), and whether it may be upgraded,
// reinstalled or restored. Pure: the probe reads the facts, this judges them.
#pragma once

#include "installer-agent/layout/layout.hpp"
#include "installer-agent/probe/probe.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xcp::installer {

// KEY='value' lines, as /etc/xensource-inventory holds them.
std::map<std::string, std::string> parse_inventory(std::string_view text);

struct ExistingInstallation {
    std::string disk;
    int root_number = 0;  // the root's partition
    std::string root_label, logs_label, swap_label, esp_label;
    Layout layout;  // the partitions as they are, by role
    LayoutEra era = LayoutEra::modern;
    std::map<std::string, std::string> inventory;
    std::string product, version, build;  // PRODUCT_BRAND, PRODUCT_VERSION, BUILD_NUMBER
    bool uefi = false;  // it boots from an EFI system partition
    bool first_boot_complete = false;
    std::string first_boot_missing;  // why not: "10-prepare-storage never ran"
    [[nodiscard]] std::string value(const std::string& key) const;
    [[nodiscard]] std::string describe() const;  // "XCP 0.1.1 build 1234 on sda (partition 1, root-a1b2c3)"
};

// The installation on `disk`, or the sentence that says why there is none.
std::variant<ExistingInstallation, std::string> detect_installation(const DiskInfo& disk);

// The installation's partitions alone, for a restore, whose root may be
// beyond reading: the root by its label, else its GPT name, else the 2009
// layout's partition 1; the inventory (and so the version and the root's
// label when the root has none) from the backup on `backup`.
std::variant<ExistingInstallation, std::string> detect_for_restore(const DiskInfo& disk, const PartitionInfo& backup);

// -1, 0, 1: "8.2.1" against "8.10"; numeric parts compare as numbers, and
// a missing part counts as 0.
int compare_versions(std::string_view a, std::string_view b);

enum class KeepingMode { upgrade, reinstall };

// Nullopt when `existing` may be replaced by `new_version` in `mode`, on a
// host that boots UEFI or not; otherwise the sentence (without "nothing was
// touched").
std::optional<std::string> refuse_replacing(const ExistingInstallation& existing, KeepingMode mode,
                                            const std::string& new_version, bool uefi);

}  // namespace xcp::installer
