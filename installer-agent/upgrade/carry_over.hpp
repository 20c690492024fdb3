// What an upgrade, a reinstall or a restore carries from the old root into
// the new one: the reference's restore list (install.md, host-installer
// upgrade.py buildRestoreList) as one table, plus the few settings we keep
// beyond it. Pure: the table, and which of the old root's paths it selects.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::installer {

enum class CarryKind {
    file,       // one path
    glob,       // a shell pattern on the last component: etc/ssh/ssh_host_*
    directory,  // the directory and everything below it
};

struct CarryOverEntry {
    std::string_view path;
    CarryKind kind = CarryKind::file;
    std::string_view kept_as{};  // where it goes in the new root, when not at `path`
    std::string_view only_if{};  // carried only when the old root holds this path
    bool reference = true;       // in the reference's list; false: ours
    std::string_view why{};
};

// The table, in the reference's order.
std::span<const CarryOverEntry> carry_over_table();

struct CarryCopy {
    std::string from, to;  // relative paths
    bool operator==(const CarryCopy&) const = default;
};

struct CarrySelection {
    std::vector<CarryCopy> copies;    // parents before children
    std::vector<std::string> skipped;  // entries the old root lacks: "etc/krb5.conf (not in the old root)"
};

// `old_tree`: every relative path of the old root, with its type
// ('f', 'd', 'l', ...).
CarrySelection select_carry_over(std::span<const CarryOverEntry> table, const std::map<std::string, char>& old_tree);

// uid (or gid) in the old root -> the same name's id in the new root, from
// two passwd (or group) files; ids whose name the new root lacks keep their
// number.
std::map<unsigned, unsigned> remap_ids(std::string_view old_file, std::string_view new_file);

// root's password hash in a shadow file, or "" when it has none.
std::string root_hash(std::string_view shadow);

}  // namespace xcp::installer
