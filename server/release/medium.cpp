#include "server/release/medium.hpp"

#include "server/release/media_layout.hpp"
#include "libxcp/checksum/digest.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <system_error>

namespace xcp::release {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t chunk = 1 << 20;

std::string errno_text(int e) { return std::error_code(e, std::generic_category()).message(); }

// Writes a new file and hashes what it writes.
class HashedWriter {
public:
    explicit HashedWriter(const fs::path& to) : to_(to), digest_(checksum::Algorithm::sha256)
    {
        std::error_code ec;
        fs::create_directories(to.parent_path(), ec);
        fd_.reset(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        if (!fd_.valid()) {
            throw ReleaseError("cannot create " + to.string() + ": " + errno_text(errno));
        }
    }
    void write(const void* data, std::size_t size)
    {
        digest_.update(std::string_view(static_cast<const char*>(data), size));
        const auto* p = static_cast<const char*>(data);
        while (size > 0) {
            const auto n = ::write(fd_.get(), p, size);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                throw ReleaseError("cannot write " + to_.string() + ": " + errno_text(n < 0 ? errno : ENOSPC));
            }
            p += n;
            size -= static_cast<std::size_t>(n);
        }
    }
    std::string finish()
    {
        if (::close(fd_.release()) != 0) {
            throw ReleaseError("cannot write " + to_.string() + ": " + errno_text(errno));
        }
        return digest_.hex();
    }

private:
    fs::path to_;
    UniqueFd fd_;
    checksum::Digest digest_;
};

struct ArchiveFree {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

class IsoMedium final : public Medium {
public:
    explicit IsoMedium(fs::path file) : file_(std::move(file)) {}
    [[nodiscard]] std::string describe() const override { return file_.string(); }

    std::vector<MediumFile> list() override
    {
        std::vector<MediumFile> out;
        skipped_.clear();
        walk([&](archive*, archive_entry* e, const std::string& path) {
            if (const char* target = archive_entry_hardlink(e)) {
                // Another name for a file's extent: its bytes are the target's.
                out.push_back({path, 0});
                hardlinks_[path] = medium_path(target);
                return;
            }
            out.push_back({path, static_cast<std::uint64_t>(archive_entry_size(e))});
        });
        return out;
    }

    std::map<std::string, std::string> extract(const fs::path& into,
                                               const std::function<void(const MediumFile&, std::uint64_t)>& copied) override
    {
        std::map<std::string, std::string> sums;
        std::uint64_t total = 0;
        std::vector<char> buffer(chunk);
        walk([&](archive* a, archive_entry* e, const std::string& path) {
            if (archive_entry_hardlink(e)) {
                return;
            }
            HashedWriter out(into / path);
            for (;;) {
                const auto n = archive_read_data(a, buffer.data(), buffer.size());
                if (n < 0) {
                    throw ReleaseError(file_.string() + ": cannot read " + path + ": " + archive_error_string(a));
                }
                if (n == 0) {
                    break;
                }
                out.write(buffer.data(), static_cast<std::size_t>(n));
                total += static_cast<std::uint64_t>(n);
            }
            sums[path] = out.finish();
            copied({path, static_cast<std::uint64_t>(archive_entry_size(e))}, total);
        });
        for (const auto& [alias, target] : hardlinks_) {
            if (!sums.contains(target)) {
                throw ReleaseError(file_.string() + ": " + alias + " is a link to " + target + ", which is not a file");
            }
            sums[alias] = copy_hashed(into / target, into / alias);
            copied({alias, 0}, total);
        }
        return sums;
    }

private:
    // Calls `each` for every regular file (and hard link) in the image.
    void walk(const std::function<void(archive*, archive_entry*, const std::string&)>& each)
    {
        ArchivePtr a(archive_read_new());
        archive_read_support_format_iso9660(a.get());
        if (archive_read_open_filename(a.get(), file_.c_str(), chunk) != ARCHIVE_OK) {
            throw ReleaseError(file_.string() + " cannot be read as an ISO 9660 image: " +
                               archive_error_string(a.get()));
        }
        std::set<std::string> seen;
        archive_entry* e = nullptr;
        for (;;) {
            const int r = archive_read_next_header(a.get(), &e);
            if (r == ARCHIVE_EOF) {
                break;
            }
            if (r < ARCHIVE_WARN) {
                throw ReleaseError(file_.string() + " is not a readable ISO 9660 image: " +
                                   archive_error_string(a.get()));
            }
            const char* raw = archive_entry_pathname(e);
            const auto path = medium_path(raw ? raw : "");
            const auto type = archive_entry_filetype(e);
            if (type == AE_IFDIR || (raw && path.empty() && std::string_view(raw).find_first_not_of("./") ==
                                                               std::string_view::npos)) {
                continue;
            }
            if (path.empty()) {
                throw ReleaseError(file_.string() + " holds a path outside the medium: " + std::string(raw ? raw : ""));
            }
            if (type != AE_IFREG && !archive_entry_hardlink(e)) {
                skipped_.push_back(path);
                continue;
            }
            if (!seen.insert(path).second) {
                throw ReleaseError(file_.string() + " names " + path + " twice");
            }
            each(a.get(), e, path);
        }
    }

    fs::path file_;
    std::map<std::string, std::string> hardlinks_;
};

class DirectoryMedium final : public Medium {
public:
    explicit DirectoryMedium(fs::path root) : root_(fs::canonical(root)) {}
    [[nodiscard]] std::string describe() const override { return root_.string(); }

    std::vector<MediumFile> list() override
    {
        std::vector<MediumFile> out;
        skipped_.clear();
        std::error_code ec;
        for (fs::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
            const auto rel = it->path().lexically_relative(root_).generic_string();
            const auto status = it->symlink_status(ec);
            if (ec) {
                break;
            }
            if (fs::is_directory(status)) {
                continue;
            }
            if (fs::is_symlink(status)) {
                // Followed only inside the medium: a link to /etc/shadow must
                // not end up served over HTTP.
                const auto target = fs::weakly_canonical(it->path(), ec);
                const auto inside = !ec && target.string().starts_with(root_.string() + "/");
                if (!inside || !fs::is_regular_file(target, ec)) {
                    skipped_.push_back(rel);
                    continue;
                }
            } else if (!fs::is_regular_file(status)) {
                skipped_.push_back(rel);
                continue;
            }
            out.push_back({rel, fs::file_size(it->path(), ec)});
        }
        if (ec) {
            throw ReleaseError("cannot read the directory " + root_.string() + ": " + ec.message());
        }
        files_ = out;
        return out;
    }

    std::map<std::string, std::string> extract(const fs::path& into,
                                               const std::function<void(const MediumFile&, std::uint64_t)>& copied) override
    {
        if (files_.empty()) {
            list();
        }
        std::map<std::string, std::string> sums;
        std::uint64_t total = 0;
        for (const auto& f : files_) {
            sums[f.path] = copy_hashed(root_ / f.path, into / f.path);
            total += f.size;
            copied(f, total);
        }
        return sums;
    }

private:
    fs::path root_;
    std::vector<MediumFile> files_;
};

}  // namespace

std::string copy_hashed(const fs::path& from, const fs::path& to)
{
    UniqueFd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
    if (!in.valid()) {
        throw ReleaseError("cannot read " + from.string() + ": " + errno_text(errno));
    }
    HashedWriter out(to);
    std::vector<char> buffer(chunk);
    for (;;) {
        const auto n = ::read(in.get(), buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw ReleaseError("cannot read " + from.string() + ": " + errno_text(errno));
        }
        if (n == 0) {
            break;
        }
        out.write(buffer.data(), static_cast<std::size_t>(n));
    }
    return out.finish();
}

std::string gunzip_hashed(const fs::path& from, const fs::path& to)
{
    ArchivePtr a(archive_read_new());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_format_raw(a.get());
    archive_entry* e = nullptr;
    if (archive_read_open_filename(a.get(), from.c_str(), chunk) != ARCHIVE_OK ||
        archive_read_next_header(a.get(), &e) != ARCHIVE_OK) {
        throw ReleaseError("cannot read " + from.string() + " as gzip: " + archive_error_string(a.get()));
    }
    if (archive_filter_code(a.get(), 0) != ARCHIVE_FILTER_GZIP) {
        throw ReleaseError(from.string() + " is not gzip-compressed");
    }
    HashedWriter out(to);
    std::vector<char> buffer(chunk);
    for (;;) {
        const auto n = archive_read_data(a.get(), buffer.data(), buffer.size());
        if (n < 0) {
            throw ReleaseError("cannot decompress " + from.string() + ": " + archive_error_string(a.get()));
        }
        if (n == 0) {
            break;
        }
        out.write(buffer.data(), static_cast<std::size_t>(n));
    }
    return out.finish();
}

std::unique_ptr<Medium> Medium::open(const fs::path& path)
{
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        throw ReleaseError(path.string() + " does not exist");
    }
    if (fs::is_directory(status)) {
        return std::make_unique<DirectoryMedium>(path);
    }
    if (!fs::is_regular_file(status) && !fs::is_block_file(status)) {
        throw ReleaseError(path.string() + " is neither an ISO image nor a directory");
    }
    return std::make_unique<IsoMedium>(path);
}

}  // namespace xcp::release
