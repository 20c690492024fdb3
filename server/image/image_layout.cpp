#include "server/image/image_layout.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace xcp::image {

std::string image_path(const std::filesystem::path& host)
{
    auto text = host.lexically_normal().generic_string();
    while (text.starts_with("/")) {
        text.erase(0, 1);
    }
    for (const std::string top : {"bin", "sbin", "lib", "lib64"}) {
        if (text == top || text.starts_with(top + "/")) {
            return "usr/" + text;
        }
    }
    return text;
}

std::string image_link_target(const std::string& target)
{
    return target.starts_with("/") ? "/" + image_path(target) : target;
}

std::vector<ImageEntry> base_entries(const std::string& init_script)
{
    using Kind = ImageEntry::Kind;
    std::vector<ImageEntry> out;
    for (const auto* dir : {"usr", "usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "etc", "dev", "proc", "sys", "tmp",
                            "run", "mnt", "root", "var", "var/tmp", "var/log"}) {
        out.push_back({Kind::directory, dir, {}, {}, std::string_view(dir) == "tmp" ? 01777U : 0755U});
    }
    for (const auto* top : {"bin", "sbin", "lib", "lib64"}) {
        out.push_back({Kind::symlink, top, {}, std::string("usr/") + top, 0777});
    }
    out.push_back({Kind::char_device, "dev/console", {}, {}, 0600, 5, 1});
    out.push_back({Kind::char_device, "dev/null", {}, {}, 0666, 1, 3});
    out.push_back({Kind::text, "etc/passwd", {}, "root:x:0:0:root:/root:/bin/sh\n", 0644});
    out.push_back({Kind::text, "etc/group", {}, "root:x:0:\n", 0644});
    out.push_back({Kind::text, "etc/hostname", {}, "xcp-installer\n", 0644});
    out.push_back({Kind::text, "init", {}, init_script, 0755});
    return out;
}

std::vector<ImageEntry> complete_tree(std::vector<ImageEntry> entries)
{
    std::vector<ImageEntry> unique;
    std::set<std::string> seen;
    for (auto& e : entries) {
        if (!e.path.empty() && seen.insert(e.path).second) {
            unique.push_back(std::move(e));
        }
    }
    // Parents of every path that are not in the tree yet become directories.
    std::set<std::string> parents;
    for (const auto& e : unique) {
        for (auto slash = e.path.find('/'); slash != std::string::npos; slash = e.path.find('/', slash + 1)) {
            parents.insert(e.path.substr(0, slash));
        }
    }
    std::vector<ImageEntry> out;
    std::vector<ImageEntry> rest;
    for (auto& e : unique) {
        (e.kind == ImageEntry::Kind::directory ? out : rest).push_back(std::move(e));
    }
    for (const auto& p : parents) {
        if (!seen.contains(p)) {
            out.push_back({ImageEntry::Kind::directory, p, {}, {}, 0755});
        }
    }
    // Shallow first: a directory comes after its parent.
    std::stable_sort(out.begin(), out.end(), [](const ImageEntry& a, const ImageEntry& b) {
        return std::count(a.path.begin(), a.path.end(), '/') < std::count(b.path.begin(), b.path.end(), '/');
    });
    std::stable_sort(rest.begin(), rest.end(), [](const ImageEntry& a, const ImageEntry& b) { return a.path < b.path; });
    out.insert(out.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    return out;
}

namespace {

std::string plain(std::string path)
{
    for (const std::string suffix : {".xz", ".zst", ".gz"}) {
        if (path.ends_with(".ko" + suffix)) {
            path.resize(path.size() - suffix.size());
        }
    }
    return path;
}

}  // namespace

std::string module_image_path(const std::string& kernel_version, const std::string& module)
{
    return "usr/lib/modules/" + kernel_version + "/" + plain(module);
}

std::string image_modules_dep(const std::vector<std::string>& load_order,
                              const std::map<std::string, std::vector<std::string>>& depends)
{
    std::string out;
    for (const auto& m : load_order) {
        out += plain(m) + ":";
        if (const auto it = depends.find(m); it != depends.end()) {
            for (const auto& d : it->second) {
                out += " " + plain(d);
            }
        }
        out += "\n";
    }
    return out;
}

std::string module_list(const std::string& kernel_version, const std::vector<std::string>& load_order)
{
    std::string out;
    for (const auto& m : load_order) {
        out += "/" + module_image_path(kernel_version, m) + "\n";
    }
    return out;
}

}  // namespace xcp::image
