#include "installer-agent/upgrade/backup_archive.hpp"

#include "installer-agent/upgrade/carry_over.hpp"
#include "installer-agent/upgrade/tree_scan.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <unistd.h>

#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;

struct WriteDeleter {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct DiskDeleter {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};

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
    std::unique_ptr<archive, WriteDeleter> w(archive_write_new());
    std::unique_ptr<archive, DiskDeleter> disk(archive_read_disk_new());
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
        std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
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
    fs::create_directories(dest, ec);
    if (ec) {
        throw std::runtime_error("backup archive: cannot make " + dest.string() + ": " + ec.message());
    }
    std::unique_ptr<archive, DiskDeleter> in(archive_read_new());
    if (!in) {
        throw std::runtime_error("backup archive: out of memory");
    }
    archive_read_support_filter_zstd(in.get());
    archive_read_support_format_tar(in.get());
    if (archive_read_open_memory(in.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        fail(in.get(), "cannot be read");
    }
    // Each entry is put under `dest` by its name: an absolute name is
    // refused here, "..", and a path through a symlink, by libarchive.
    int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                ARCHIVE_EXTRACT_SECURE_SYMLINKS;
    if (::geteuid() == 0) {
        flags |= ARCHIVE_EXTRACT_OWNER;
    }
    std::unique_ptr<archive, WriteDeleter> out(archive_write_disk_new());
    archive_write_disk_set_options(out.get(), flags);
    std::size_t entries = 0;
    for (;;) {
        archive_entry* entry = nullptr;
        const auto r = archive_read_next_header(in.get(), &entry);
        if (r == ARCHIVE_EOF) {
            break;
        }
        if (r != ARCHIVE_OK) {
            fail(in.get(), "cannot be read");
        }
        const std::string name = archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
        if (name.empty() || name.front() == '/') {
            throw std::runtime_error("backup archive: the entry '" + name + "' is not a relative path");
        }
        archive_entry_copy_pathname(entry, (dest / name).c_str());
        if (const char* hard = archive_entry_hardlink(entry); hard != nullptr) {
            throw std::runtime_error("backup archive: " + name + " is a hard link, which a backup never holds");
        }
        if (archive_write_header(out.get(), entry) != ARCHIVE_OK) {
            fail(out.get(), "refused " + name);
        }
        const void* block = nullptr;
        std::size_t size = 0;
        la_int64_t offset = 0;
        for (int got; (got = archive_read_data_block(in.get(), &block, &size, &offset)) != ARCHIVE_EOF;) {
            if (got != ARCHIVE_OK || archive_write_data_block(out.get(), block, size, offset) != ARCHIVE_OK) {
                fail(out.get(), "cannot unpack " + name);
            }
        }
        if (archive_write_finish_entry(out.get()) != ARCHIVE_OK) {
            fail(out.get(), "cannot unpack " + name);
        }
        ++entries;
    }
    if (archive_write_close(out.get()) != ARCHIVE_OK) {
        fail(out.get(), "cannot be finished");
    }
    return entries;
}

}  // namespace xcp::installer
