#include "server/image/kernel_package.hpp"

#include "server/release/media_layout.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fstream>
#include <memory>
#include <vector>

namespace xcp::image {
namespace fs = std::filesystem;
namespace {

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

// The inner archive reads the outer one's current entry.
struct Nested {
    archive* outer;
    std::vector<char> buffer = std::vector<char>(1 << 16);
};

la_ssize_t read_outer(archive*, void* data, const void** block)
{
    auto* nested = static_cast<Nested*>(data);
    const auto n = archive_read_data(nested->outer, nested->buffer.data(), nested->buffer.size());
    *block = nested->buffer.data();
    return n;
}

}  // namespace

KernelTree find_kernel(const fs::path& root)
{
    KernelTree k;
    std::error_code ec;
    for (const auto* base : {"lib/modules", "usr/lib/modules"}) {
        for (const auto& entry : fs::directory_iterator(root / base, ec)) {
            // A package's tree holds kernel/ and modules.order; modules.dep
            // only once depmod ran (Debian's postinst runs it).
            const auto dir = entry.path();
            if (!entry.is_directory() || !(fs::exists(dir / "kernel") || fs::exists(dir / "modules.dep"))) {
                continue;
            }
            if (!k.version.empty() && k.version != dir.filename().string()) {
                throw ImageError(root.string() + " holds the modules of two kernels (" + k.version + " and " +
                                 dir.filename().string() + ")");
            }
            k.version = dir.filename().string();
            k.modules = dir;
        }
    }
    if (k.version.empty()) {
        throw ImageError(root.string() + " holds no lib/modules/VERSION/kernel/: not a kernel package");
    }
    k.vmlinuz = root / "boot" / ("vmlinuz-" + k.version);
    if (!fs::is_regular_file(k.vmlinuz, ec)) {
        throw ImageError(root.string() + " has modules for " + k.version + " but no boot/vmlinuz-" + k.version);
    }
    if (const auto map = root / "boot" / ("System.map-" + k.version); fs::is_regular_file(map, ec)) {
        k.system_map = map;
    }
    return k;
}

std::size_t unpack_from_deb(const fs::path& deb, const fs::path& into, const std::function<bool(const std::string&)>& wanted)
{
    ArchivePtr outer(archive_read_new());
    archive_read_support_format_ar(outer.get());
    if (archive_read_open_filename(outer.get(), deb.c_str(), 1 << 16) != ARCHIVE_OK) {
        throw ImageError(deb.string() + " cannot be read: " + archive_error_string(outer.get()));
    }
    archive_entry* e = nullptr;
    int r = ARCHIVE_OK;
    bool debian = false;
    while ((r = archive_read_next_header(outer.get(), &e)) == ARCHIVE_OK) {
        const std::string name = archive_entry_pathname(e);
        debian = debian || name == "debian-binary";
        if (!name.starts_with("data.tar")) {
            continue;
        }
        if (!debian) {
            break;
        }
        Nested nested{outer.get()};
        ArchivePtr inner(archive_read_new());
        archive_read_support_format_tar(inner.get());
        archive_read_support_filter_all(inner.get());
        if (archive_read_open(inner.get(), &nested, nullptr, read_outer, nullptr) != ARCHIVE_OK) {
            throw ImageError(deb.string() + ": " + name + " cannot be read: " + archive_error_string(inner.get()));
        }
        std::size_t count = 0;
        archive_entry* f = nullptr;
        int ir = ARCHIVE_OK;
        std::vector<char> buffer(1 << 16);
        while ((ir = archive_read_next_header(inner.get(), &f)) == ARCHIVE_OK) {
            const auto path = release::medium_path(archive_entry_pathname(f));
            if (path.empty() || archive_entry_filetype(f) != AE_IFREG || !wanted(path)) {
                continue;
            }
            const auto target = into / path;
            fs::create_directories(target.parent_path());
            std::ofstream out(target, std::ios::binary | std::ios::trunc);
            for (;;) {
                const auto n = archive_read_data(inner.get(), buffer.data(), buffer.size());
                if (n < 0) {
                    throw ImageError(deb.string() + ": " + path + " cannot be read: " + archive_error_string(inner.get()));
                }
                if (n == 0) {
                    break;
                }
                out.write(buffer.data(), n);
            }
            if (!out.flush()) {
                throw ImageError("cannot write " + target.string());
            }
            ++count;
        }
        if (ir != ARCHIVE_EOF) {
            throw ImageError(deb.string() + ": " + name + " is damaged: " + archive_error_string(inner.get()));
        }
        return count;
    }
    throw ImageError(deb.string() + " is not a Debian package (no debian-binary and data.tar member)");
}

}  // namespace xcp::image
