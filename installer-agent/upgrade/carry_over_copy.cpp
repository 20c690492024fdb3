#include "installer-agent/upgrade/carry_over_copy.hpp"

#include "installer-agent/configure/control_domain.hpp"
#include "installer-agent/upgrade/carry_over.hpp"
#include "installer-agent/upgrade/tree_scan.hpp"

#include "libxcp/util/whole_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;

// A file that cannot be read is taken as empty: no ids to map, no hash to keep.
std::string read_file(const fs::path& path)
{
    return util::read_whole_file(path).value_or("");
}

}  // namespace

CarryResult carry_settings_over(const fs::path& old, const fs::path& new_root, bool root_password,
                                const std::function<void(const std::string&)>& log)
{
    Manifest listing;
    try {
        listing = scan_tree(old, false);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string("carry-over: ") + e.what());
    }
    const auto selection = select_carry_over(carry_over_table(), tree_types(listing));
    const auto uids = remap_ids(read_file(old / "etc/passwd"), read_file(new_root / "etc/passwd"));
    const auto gids = remap_ids(read_file(old / "etc/group"), read_file(new_root / "etc/group"));
    const auto id = [](const std::map<unsigned, unsigned>& map, unsigned value) {
        const auto it = map.find(value);
        return it == map.end() ? value : it->second;
    };
    for (const auto& skipped : selection.skipped) {
        log(skipped + ", skipped");
    }
    for (const auto& c : selection.copies) {
        const auto from = old / c.from;
        const auto to = new_root / c.to;
        struct stat st {};
        if (::lstat(from.c_str(), &st) != 0) {
            throw std::runtime_error("carry-over: cannot read " + c.from + " in the old root");
        }
        std::error_code ec;
        fs::create_directories(to.parent_path(), ec);
        if (S_ISDIR(st.st_mode)) {
            if (fs::is_symlink(to, ec) || (fs::exists(to, ec) && !fs::is_directory(to, ec))) {
                fs::remove(to, ec);
            }
            fs::create_directories(to, ec);
        } else {
            fs::remove_all(to, ec);
            if (S_ISLNK(st.st_mode)) {
                fs::create_symlink(fs::read_symlink(from, ec), to, ec);
            } else if (S_ISREG(st.st_mode)) {
                fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
            } else {
                log(c.from + " is a special file, not carried");
                continue;
            }
        }
        if (ec) {
            throw std::runtime_error("carry-over: cannot copy " + c.from + " into the new root: " + ec.message());
        }
        if (::lchown(to.c_str(), id(uids, st.st_uid), id(gids, st.st_gid)) != 0 && ::geteuid() == 0) {
            throw std::runtime_error("carry-over: cannot give " + c.to + " its owner in the new root");
        }
        if (!S_ISLNK(st.st_mode)) {
            ::chmod(to.c_str(), st.st_mode & 07777);
        }
        log(c.from + (c.to == c.from ? "" : " as " + c.to));
    }
    CarryResult result{selection.copies.size(), selection.skipped.size(), false};
    if (root_password) {
        const auto hash = root_hash(read_file(old / "etc/shadow"));
        if (!hash.empty() && fs::exists(new_root / "etc/shadow")) {
            const auto shadow = new_root / "etc/shadow";
            const auto text = with_root_hash(read_file(shadow), hash);
            std::ofstream out(shadow, std::ios::binary | std::ios::trunc);
            out << text;
            if (!out) {
                throw std::runtime_error("carry-over: cannot write etc/shadow in the new root");
            }
            result.root_password = true;
        } else {
            log("no root password hash in the old root, or no etc/shadow in the new one: the host asks for a "
                "password at first boot");
        }
    }
    return result;
}

}  // namespace xcp::installer
