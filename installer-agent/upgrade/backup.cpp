#include "installer-agent/upgrade/backup.hpp"

#include "installer-agent/disk/ext_files.hpp"
#include "installer-agent/disk/filesystems.hpp"
#include "installer-agent/journal/journal.hpp"
#include "installer-agent/upgrade/backup_boot.hpp"
#include "installer-agent/upgrade/backup_manifest.hpp"
#include "installer-agent/upgrade/tree_scan.hpp"

#include <fstream>
#include <stdexcept>
#include <vector>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;

std::string joined(const std::vector<std::string>& parts)
{
    std::string out;
    for (const auto& p : parts) {
        out += (out.empty() ? "" : "; ") + p;
    }
    return out;
}

void empty_dir(const fs::path& dir)
{
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) {
        throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    }
}

void write_private(const fs::path& file, const std::string& content)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) {
        throw std::runtime_error("cannot write " + file.string());
    }
    out.close();
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
}

Manifest recorded_manifest(const fs::path& tree, const std::string& where)
{
    const auto path = tree / backup_manifest_name;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("the backup on " + where + " has no " + std::string(backup_manifest_name) +
                                 ": it cannot be checked, so it is not used");
    }
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    auto parsed = parse_manifest(text);
    if (const auto* error = std::get_if<std::string>(&parsed)) {
        throw std::runtime_error("the backup on " + where + ": " + std::string(backup_manifest_name) + " " + *error);
    }
    return std::get<Manifest>(std::move(parsed));
}

Manifest scanned(const fs::path& tree, const std::string& what)
{
    try {
        return scan_tree(tree, true);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(what + " cannot be read back: " + e.what());
    }
}

}  // namespace

std::size_t back_up_root(const BackupDisk& disk, const PlannedPartition& root, const PlannedPartition& backup,
                         const fs::path& old_tree)
{
    empty_dir(old_tree);
    extract_ext({disk.path, root.start}, old_tree);
    const auto manifest = scanned(old_tree, "the copy of the old root");
    write_private(old_tree / backup_manifest_name, manifest_text(manifest));
    // The reference saves the GPT with sgdisk -b: the protective MBR, the
    // header and the entries, 34 sectors; of an MBR, its one sector.
    const auto sectors = disk.table == "gpt" ? 34U : 1U;
    std::ifstream in(disk.path, std::ios::binary);
    std::string table(static_cast<std::size_t>(sectors) * disk.sector_size, '\0');
    if (!in.read(table.data(), static_cast<std::streamsize>(table.size()))) {
        throw std::runtime_error("cannot read the partition table of " + disk.path.string());
    }
    write_private(old_tree / backup_table_name, table);
    make_filesystem(disk.path, backup, {"ext3", "", old_tree});
    return manifest.entries.size();
}

std::size_t check_backup(const fs::path& disk, const PlannedPartition& backup, const std::string& where,
                         const fs::path& scratch, const std::optional<fs::path>& old_tree)
{
    empty_dir(scratch);
    extract_ext({disk, backup.start}, scratch);
    const auto recorded = recorded_manifest(scratch, where);
    if (const auto d = manifest_differences(recorded, scanned(scratch, "the backup on " + where)); !d.empty()) {
        throw std::runtime_error("the backup on " + where + " does not match its manifest (" + joined(d) +
                                 "): it is not a faithful copy");
    }
    if (old_tree) {
        // The manifest back_up_root made of the copy it took, not a second
        // pass over it: the copy has not changed since, and the manifest the
        // backup holds must be that one.
        if (const auto d = manifest_differences(recorded_manifest(*old_tree, "the copy of the old root"), recorded);
            !d.empty()) {
            throw std::runtime_error("the backup on " + where + " does not match the old root (" + joined(d) + ")");
        }
    }
    std::error_code ec;
    fs::remove_all(scratch, ec);
    return recorded.entries.size();
}

void mark_backup(const fs::path& disk, const PlannedPartition& backup, const std::string& installation,
                 const fs::path& scratch)
{
    std::error_code ec;
    fs::create_directories(scratch, ec);
    const auto marker = scratch / backup_marker_name;
    write_private(marker, "xcp-installer: a verified backup of " + installation + "\n");
    add_ext_file({disk, backup.start}, marker, std::string(backup_marker_name));
}

std::size_t stage_backup_as_root(const fs::path& disk, const PlannedPartition& backup, const std::string& where,
                                 const fs::path& dest)
{
    empty_dir(dest);
    extract_ext({disk, backup.start}, dest);
    const auto recorded = recorded_manifest(dest, where);
    // What is staged is checked again: it is what the root becomes.
    if (const auto d = manifest_differences(recorded, scanned(dest, "the backup on " + where)); !d.empty()) {
        throw std::runtime_error("the backup on " + where + " changed while it was read (" + joined(d) + ")");
    }
    std::error_code ec;
    for (const auto name : {backup_marker_name, backup_manifest_name, backup_table_name,
                            std::string_view(journal::slot_names[0]), std::string_view(journal::slot_names[1]),
                            backup_boot_dir}) {
        fs::remove_all(dest / name, ec);
    }
    return recorded.entries.size();
}

}  // namespace xcp::installer
