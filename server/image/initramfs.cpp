#include "server/image/initramfs.hpp"

#include "server/image/file_bytes.hpp"
#include "server/image/kernel_package.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <memory>
#include <sstream>

namespace xcp::image {
namespace {

struct WriteFree {
    void operator()(archive* a) const { archive_write_free(a); }
};
struct ReadFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
struct EntryFree {
    void operator()(archive_entry* e) const { archive_entry_free(e); }
};


// A compressed module's plain bytes (libarchive's raw format reads through
// any filter it knows).
std::string decompressed(const std::filesystem::path& file)
{
    std::unique_ptr<archive, ReadFree> a(archive_read_new());
    archive_read_support_filter_all(a.get());
    archive_read_support_format_raw(a.get());
    archive_entry* e = nullptr;
    if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK ||
        archive_read_next_header(a.get(), &e) != ARCHIVE_OK) {
        throw ImageError("cannot decompress " + file.string() + ": " + archive_error_string(a.get()));
    }
    std::string out;
    std::vector<char> buffer(1 << 16);
    for (;;) {
        const auto n = archive_read_data(a.get(), buffer.data(), buffer.size());
        if (n < 0) {
            throw ImageError("cannot decompress " + file.string() + ": " + archive_error_string(a.get()));
        }
        if (n == 0) {
            return out;
        }
        out.append(buffer.data(), static_cast<std::size_t>(n));
    }
}

}  // namespace

void write_initramfs(const std::filesystem::path& output, const std::vector<ImageEntry>& entries,
                     Compression compression)
{
    std::unique_ptr<archive, WriteFree> a(archive_write_new());
    archive_write_set_format_cpio_newc(a.get());
    const int filter = compression == Compression::zstd ? archive_write_add_filter_zstd(a.get())
                                                         : archive_write_add_filter_gzip(a.get());
    if (filter != ARCHIVE_OK) {
        throw ImageError(std::string("libarchive cannot compress: ") + archive_error_string(a.get()));
    }
    // The kernel's unpacker wants the archive padded to nothing in particular;
    // libarchive's default 10240-byte blocks are fine, and smaller is smaller.
    archive_write_set_bytes_in_last_block(a.get(), 1);
    if (archive_write_open_filename(a.get(), output.c_str()) != ARCHIVE_OK) {
        throw ImageError("cannot write " + output.string() + ": " + archive_error_string(a.get()));
    }
    for (const auto& item : entries) {
        std::unique_ptr<archive_entry, EntryFree> e(archive_entry_new());
        archive_entry_set_pathname(e.get(), item.path.c_str());
        archive_entry_set_uid(e.get(), 0);
        archive_entry_set_gid(e.get(), 0);
        archive_entry_set_mtime(e.get(), 0, 0);
        archive_entry_set_nlink(e.get(), 1);
        std::string bytes;
        switch (item.kind) {
        case ImageEntry::Kind::directory:
            archive_entry_set_filetype(e.get(), AE_IFDIR);
            archive_entry_set_nlink(e.get(), 2);
            break;
        case ImageEntry::Kind::symlink:
            archive_entry_set_filetype(e.get(), AE_IFLNK);
            archive_entry_set_symlink(e.get(), item.data.c_str());
            break;
        case ImageEntry::Kind::char_device:
            archive_entry_set_filetype(e.get(), AE_IFCHR);
            archive_entry_set_rdevmajor(e.get(), item.major);
            archive_entry_set_rdevminor(e.get(), item.minor);
            break;
        case ImageEntry::Kind::text:
            archive_entry_set_filetype(e.get(), AE_IFREG);
            bytes = item.data;
            break;
        case ImageEntry::Kind::file:
            archive_entry_set_filetype(e.get(), AE_IFREG);
            bytes = item.decompress ? decompressed(item.source) : file_bytes(item.source);
            break;
        }
        archive_entry_set_perm(e.get(), item.mode);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(bytes.size()));
        if (archive_write_header(a.get(), e.get()) != ARCHIVE_OK) {
            throw ImageError("cannot add " + item.path + " to the image: " + archive_error_string(a.get()));
        }
        if (!bytes.empty() &&
            archive_write_data(a.get(), bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size())) {
            throw ImageError("cannot add " + item.path + " to the image: " + archive_error_string(a.get()));
        }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
        throw ImageError("cannot finish " + output.string() + ": " + archive_error_string(a.get()));
    }
}

}  // namespace xcp::image
