#include "installer-agent/unpack/archive_sink.hpp"

#include "installer-agent/system/command.hpp"
#include "libxcp/repository/manifest.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace xcp::installer {
namespace {

using ReadArchive = std::unique_ptr<archive, decltype(&archive_read_free)>;
using WriteArchive = std::unique_ptr<archive, decltype(&archive_write_free)>;

std::string problem_of(archive* a)
{
    const char* message = archive_error_string(a);
    return message != nullptr ? message : "damaged or unsupported archive data";
}

// "./usr/bin/x" -> "usr/bin/x"; empty for the archive's own "." entry.
std::string relative(std::string_view path)
{
    while (path.starts_with("./")) {
        path.remove_prefix(2);
    }
    while (path.ends_with('/')) {
        path.remove_suffix(1);
    }
    return path == "." ? std::string() : std::string(path);
}

}  // namespace

int extract_flags()
{
    int flags = ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_UNLINK;
    if (::geteuid() == 0) {
        flags |= ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL;
    }
    return flags;
}

std::string parallel_bzip2()
{
    const auto lbzip2 = find_on_path("lbzip2");
    return lbzip2.empty() ? std::string() : lbzip2 + " -d";
}

ArchiveSink::ArchiveSink(std::filesystem::path root, std::string dest, std::string what, std::string bzip2_program)
    : what_(std::move(what)), bzip2_program_(std::move(bzip2_program))
{
    while (dest.starts_with('/')) {
        dest.erase(0, 1);
    }
    if (!dest.empty() && !repository::safe_relative_path(dest)) {
        throw repository::SourceError(what_ + ": destination '" + dest + "' is not a path inside the new root");
    }
    target_ = dest.empty() ? root : root / dest;
    std::error_code ec;
    std::filesystem::create_directories(target_, ec);
    if (ec) {
        throw repository::SourceError(what_ + ": cannot create " + target_.string() + ": " + ec.message());
    }
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        throw repository::SourceError(what_ + ": socketpair: " + std::strerror(errno));
    }
    writer_.reset(fds[0]);
    reader_.reset(fds[1]);
    const int buffer = 4 << 20;
    ::setsockopt(writer_.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    ::setsockopt(reader_.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    thread_ = std::thread([this, fd = reader_.get()] { unpack(fd); });
}

ArchiveSink::~ArchiveSink()
{
    if (thread_.joinable()) {
        writer_.reset();
        thread_.join();
    }
}

void ArchiveSink::write(std::span<const std::byte> chunk)
{
    // Once the unpacker has stopped (a damaged archive) the bytes are still
    // hashed by the caller, so the report can say whether the sum matched.
    while (!chunk.empty() && !reader_gone_) {
        const auto n = ::send(writer_.get(), chunk.data(), chunk.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            reader_gone_ = true;
            break;
        }
        chunk = chunk.subspan(static_cast<std::size_t>(n));
    }
}

std::string ArchiveSink::finish()
{
    if (thread_.joinable()) {
        ::shutdown(writer_.get(), SHUT_WR);
        thread_.join();
        writer_.reset();
        reader_.reset();
    }
    return problem_;
}

void ArchiveSink::unpack(int fd)
{
    const ReadArchive in(archive_read_new(), &archive_read_free);
    const WriteArchive out(archive_write_disk_new(), &archive_write_free);
    if (bzip2_program_.empty()) {
        archive_read_support_filter_all(in.get());
    } else {
        // Every filter but the built-in bzip2 one, which would outbid the
        // program's three-byte signature.
        archive_read_support_filter_program_signature(in.get(), bzip2_program_.c_str(), "BZh", 3);
        archive_read_support_filter_gzip(in.get());
        archive_read_support_filter_xz(in.get());
        archive_read_support_filter_lzma(in.get());
        archive_read_support_filter_zstd(in.get());
        archive_read_support_filter_rpm(in.get());
    }
    archive_read_support_format_tar(in.get());
    archive_read_support_format_cpio(in.get());  // an RPM's payload
    archive_write_disk_set_options(out.get(), extract_flags());
    archive_write_disk_set_standard_lookup(out.get());
    const auto fail = [&](std::string text) {
        problem_ = std::move(text);
        // Drain nothing more: the writer sees the closed socket and stops.
        ::shutdown(fd, SHUT_RDWR);
    };
    if (archive_read_open_fd(in.get(), fd, 1 << 20) != ARCHIVE_OK) {
        fail(problem_of(in.get()));
        return;
    }
    archive_entry* entry = nullptr;
    while (true) {
        const int r = archive_read_next_header(in.get(), &entry);
        if (r == ARCHIVE_EOF) {
            break;
        }
        if (r < ARCHIVE_WARN) {
            fail(problem_of(in.get()));
            return;
        }
        const auto path = relative(archive_entry_pathname(entry));
        if (path.empty()) {
            continue;
        }
        if (!repository::safe_relative_path(path)) {
            fail("entry '" + path + "' would land outside the new root");
            return;
        }
        archive_entry_set_pathname(entry, (target_ / path).c_str());
        if (const char* link = archive_entry_hardlink(entry); link != nullptr) {
            const auto to = relative(link);
            if (!repository::safe_relative_path(to)) {
                fail("hard link '" + path + "' points outside the new root");
                return;
            }
            archive_entry_set_hardlink(entry, (target_ / to).c_str());
        }
        if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) {
            fail(path + ": " + problem_of(out.get()));
            return;
        }
        const void* block = nullptr;
        std::size_t size = 0;
        la_int64_t offset = 0;
        while (true) {
            const int d = archive_read_data_block(in.get(), &block, &size, &offset);
            if (d == ARCHIVE_EOF) {
                break;
            }
            if (d < ARCHIVE_WARN) {
                fail(path + ": " + problem_of(in.get()));
                return;
            }
            if (archive_write_data_block(out.get(), block, size, offset) < ARCHIVE_WARN) {
                fail(path + ": " + problem_of(out.get()));
                return;
            }
        }
        if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) {
            fail(path + ": " + problem_of(out.get()));
            return;
        }
        ++entries_;
    }
    if (archive_write_close(out.get()) < ARCHIVE_WARN) {
        fail(problem_of(out.get()));
        return;
    }
    if (entries_ == 0) {
        fail("the archive holds no files");
        return;
    }
    // Padding after the end of the archive is hashed, not unpacked.
    ::shutdown(fd, SHUT_RDWR);
}

}  // namespace xcp::installer
