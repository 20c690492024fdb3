#include "installer-agent/upgrade/tree_scan.hpp"

#include "libxcp/checksum/digest.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <stdexcept>

namespace xcp::installer {

namespace fs = std::filesystem;

Manifest scan_tree(const fs::path& root, bool digests)
{
    Manifest m;
    std::error_code ec;
    fs::recursive_directory_iterator it(root, ec), end;
    if (ec) {
        throw std::runtime_error("cannot read " + root.string() + ": " + ec.message());
    }
    for (; it != end; it.increment(ec)) {
        if (ec) {
            throw std::runtime_error("cannot read below " + root.string() + ": " + ec.message());
        }
        const auto relative = it->path().lexically_relative(root).string();
        if (backup_bookkeeping(relative)) {
            if (it->is_directory(ec) && !it->is_symlink(ec)) {
                it.disable_recursion_pending();
            }
            continue;
        }
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) {
            throw std::runtime_error("cannot stat " + it->path().string());
        }
        ManifestEntry e;
        e.path = relative;
        e.mode = st.st_mode & 07777;
        e.uid = st.st_uid;
        e.gid = st.st_gid;
        switch (st.st_mode & S_IFMT) {
        case S_IFREG:
            e.type = 'f';
            e.size = static_cast<std::uint64_t>(st.st_size);
            if (digests) {
                e.digest = checksum::hex_of_file(checksum::Algorithm::sha256, it->path());
            }
            break;
        case S_IFDIR: e.type = 'd'; break;
        case S_IFLNK:
            e.type = 'l';
            e.digest = fs::read_symlink(it->path()).string();
            break;
        case S_IFCHR: e.type = 'c'; break;
        case S_IFBLK: e.type = 'b'; break;
        case S_IFIFO: e.type = 'p'; break;
        default: e.type = 's'; break;
        }
        m.entries.push_back(std::move(e));
    }
    std::sort(m.entries.begin(), m.entries.end(),
              [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
    return m;
}

std::map<std::string, char> tree_types(const Manifest& m)
{
    std::map<std::string, char> out;
    for (const auto& e : m.entries) {
        out.emplace(e.path, e.type);
    }
    return out;
}

}  // namespace xcp::installer
