#include "installer-agent/upgrade/backup_archive.hpp"

#include "installer-agent/unpack/archive_sink.hpp"
#include "installer-agent/upgrade/carry_over.hpp"
#include "installer-agent/upgrade/tree_scan.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <memory>
#include <set>
#include <span>
#include <stdexcept>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;

la_ssize_t append(archive*, void* out, const void* buffer, std::size_t length)
{
    static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), length);
    return static_cast<la_ssize_t>(length);
}

[[noreturn]] void fail(archive* a, const std::string& what)
{
    const char* why = archive_error_string(a);
    throw std::runtime_error("backup archive: " + what + (why != nullptr ? std::string(": ") + why : std::string()));
}

}  // namespace

BackupArchive make_backup_archive(const fs::path& old_root)
{
    Manifest listing;
    try {
        listing = scan_tree(old_root, false);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string("backup archive: ") + e.what());
    }
    const auto types = tree_types(listing);
    std::vector<std::string> paths;
    for (const auto& c : select_carry_over(carry_over_table(), types).copies) {
        paths.push_back(c.from);
    }
    for (const auto* extra : backup_archive_extras) {
        if (types.contains(extra)) {
            paths.emplace_back(extra);
        }
    }

    BackupArchive out;
    const std::unique_ptr<archive, decltype(&archive_write_free)> w(archive_write_new(), &archive_write_free);
    const std::unique_ptr<archive, decltype(&archive_read_free)> disk(archive_read_disk_new(), &archive_read_free);
    if (!w || !disk) {
        throw std::runtime_error("backup archive: out of memory");
    }
    archive_read_disk_set_symlink_physical(disk.get());
    archive_read_disk_set_standard_lookup(disk.get());
    if (archive_write_set_format_pax_restricted(w.get()) != ARCHIVE_OK ||
        archive_write_add_filter_zstd(w.get()) != ARCHIVE_OK) {
        fail(w.get(), "tar with zstd is not available");
    }
    archive_write_set_bytes_in_last_block(w.get(), 1);
    if (archive_write_open2(w.get(), &out.bytes, nullptr, append, nullptr, nullptr) != ARCHIVE_OK) {
        fail(w.get(), "cannot be started");
    }
    std::set<std::string> written;
    for (const auto& path : paths) {
        if (!written.insert(path).second) {
            continue;
        }
        const auto file = old_root / path;
        const std::unique_ptr<archive_entry, decltype(&archive_entry_free)> entry(archive_entry_new(),
                                                                                  &archive_entry_free);
        archive_entry_copy_sourcepath(entry.get(), file.c_str());
        if (archive_read_disk_entry_from_file(disk.get(), entry.get(), -1, nullptr) != ARCHIVE_OK) {
            fail(disk.get(), "cannot read " + path + " in the old root");
        }
        archive_entry_copy_pathname(entry.get(), path.c_str());
        if (archive_write_header(w.get(), entry.get()) != ARCHIVE_OK) {
            fail(w.get(), "cannot add " + path);
        }
        if (archive_entry_filetype(entry.get()) == AE_IFREG) {
            std::ifstream in(file, std::ios::binary);
            char buffer[65536];
            while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
                if (archive_write_data(w.get(), buffer, static_cast<std::size_t>(in.gcount())) < 0) {
                    fail(w.get(), "cannot add " + path);
                }
            }
            if (in.bad()) {
                throw std::runtime_error("backup archive: cannot read " + path + " in the old root");
            }
        }
        ++out.entries;
    }
    if (archive_write_close(w.get()) != ARCHIVE_OK) {
        fail(w.get(), "cannot be finished");
    }
    return out;
}

std::size_t unpack_backup_archive(const std::string& bytes, const fs::path& dest)
{
    std::error_code ec;
    fs::remove_all(dest, ec);
    // The install's own extraction: entries outside `dest` refused.
    ArchiveSink sink(dest, {}, "backup archive");
    sink.write(std::as_bytes(std::span(bytes)));
    if (const auto problem = sink.finish(); !problem.empty()) {
        throw std::runtime_error("backup archive: " + problem);
    }
    return sink.entries();
}

}  // namespace xcp::installer
