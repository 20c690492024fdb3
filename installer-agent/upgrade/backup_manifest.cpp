#include "installer-agent/upgrade/backup_manifest.hpp"

#include "installer-agent/journal/journal.hpp"
#include "installer-agent/upgrade/backup_boot.hpp"

#include "libxcp/util/text.hpp"

#include <charconv>
#include <cstdio>
#include <map>

namespace xcp::installer {
namespace {

std::string escaped(std::string_view s)
{
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == '%' || u >= 0x7f) {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", u);
            out += hex;
        } else {
            out += c;
        }
    }
    return out;
}

bool unescape(std::string_view s, std::string& out)
{
    out.clear();
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        unsigned value = 0;
        if (i + 2 >= s.size()) {
            return false;
        }
        const auto r = std::from_chars(s.data() + i + 1, s.data() + i + 3, value, 16);
        if (r.ec != std::errc() || r.ptr != s.data() + i + 3) {
            return false;
        }
        out += static_cast<char>(value);
        i += 2;
    }
    return true;
}

template <typename T>
bool number(std::string_view s, T& out, int base = 10)
{
    const auto r = std::from_chars(s.data(), s.data() + s.size(), out, base);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

std::string type_name(char t)
{
    switch (t) {
    case 'f': return "file";
    case 'd': return "directory";
    case 'l': return "symlink";
    default: return "special file (" + std::string(1, t) + ")";
    }
}

}  // namespace

std::string manifest_text(const Manifest& m)
{
    std::string out = "# xcp-installer backup manifest 1: type mode uid gid size sha256-or-target path\n";
    for (const auto& e : m.entries) {
        char mode[16];
        std::snprintf(mode, sizeof mode, "%04o", e.mode);
        out += std::string(1, e.type) + '\t' + mode + '\t' + std::to_string(e.uid) + '\t' + std::to_string(e.gid) +
               '\t' + std::to_string(e.size) + '\t' + (e.digest.empty() ? "-" : escaped(e.digest)) + '\t' +
               escaped(e.path) + '\n';
    }
    return out;
}

std::variant<Manifest, std::string> parse_manifest(std::string_view text)
{
    Manifest m;
    int n = 0;
    for (const auto line : util::split(text, '\n')) {
        ++n;
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto f = util::split(line, '\t');
        const auto where = "line " + std::to_string(n) + ": ";
        if (f.size() != 7) {
            return where + "7 tab-separated fields expected, " + std::to_string(f.size()) + " found";
        }
        ManifestEntry e;
        if (f[0].size() != 1 || std::string_view("fdlcbps").find(f[0][0]) == std::string_view::npos) {
            return where + "unknown type " + std::string(f[0]);
        }
        e.type = f[0][0];
        if (!number(f[1], e.mode, 8) || e.mode > 07777 || !number(f[2], e.uid) || !number(f[3], e.gid) ||
            !number(f[4], e.size)) {
            return where + "a mode, owner or size is not a number";
        }
        if (f[5] != "-" && !unescape(f[5], e.digest)) {
            return where + "bad %-escape";
        }
        if (!unescape(f[6], e.path) || e.path.empty()) {
            return where + "bad path";
        }
        if (!m.entries.empty() && !(m.entries.back().path < e.path)) {
            return where + "entries out of order at " + e.path;
        }
        m.entries.push_back(std::move(e));
    }
    return m;
}

std::vector<std::string> manifest_differences(const Manifest& expected, const Manifest& actual, std::size_t limit)
{
    std::map<std::string_view, const ManifestEntry*> have;
    for (const auto& e : actual.entries) {
        have[e.path] = &e;
    }
    std::vector<std::string> out;
    std::size_t count = 0;
    const auto add = [&](std::string text) {
        if (++count <= limit) {
            out.push_back(std::move(text));
        }
    };
    for (const auto& e : expected.entries) {
        const auto it = have.find(e.path);
        if (it == have.end()) {
            add(e.path + ": missing");
            continue;
        }
        const auto& a = *it->second;
        have.erase(it);
        if (a.type != e.type) {
            add(e.path + ": a " + type_name(e.type) + ", now a " + type_name(a.type));
        } else if (a.size != e.size) {
            add(e.path + ": " + std::to_string(e.size) + " bytes, now " + std::to_string(a.size));
        } else if (a.digest != e.digest) {
            add(e.path + (e.type == 'l' ? ": symlink target differs" : ": SHA-256 differs"));
        } else if (a.mode != e.mode) {
            char text[64];
            std::snprintf(text, sizeof text, ": mode %04o, now %04o", e.mode, a.mode);
            add(e.path + text);
        } else if (a.uid != e.uid || a.gid != e.gid) {
            add(e.path + ": owner " + std::to_string(e.uid) + ":" + std::to_string(e.gid) + ", now " +
                std::to_string(a.uid) + ":" + std::to_string(a.gid));
        }
    }
    for (const auto& [path, e] : have) {
        add(std::string(path) + ": not in the manifest");
    }
    if (count > limit) {
        out.push_back("and " + std::to_string(count - limit) + " more");
    }
    return out;
}

bool backup_bookkeeping(std::string_view path)
{
    // The journal (journal/journal.hpp) is kept there while the root is
    // rewritten in the 2009 layout, which has no logs partition.
    return path == backup_marker_name || path == backup_manifest_name || path == backup_table_name ||
           path == journal::slot_names[0] || path == journal::slot_names[1] || path == "lost+found" ||
           path.starts_with("lost+found/") || path == backup_boot_dir ||
           (path.starts_with(backup_boot_dir) && path.substr(backup_boot_dir.size()).starts_with("/"));
}

}  // namespace xcp::installer
