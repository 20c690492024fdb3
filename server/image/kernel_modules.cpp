#include "server/image/kernel_modules.hpp"

#include "libxcp/util/text.hpp"

#include <functional>

namespace xcp::image {

std::string module_name(std::string_view text)
{
    if (const auto slash = text.rfind('/'); slash != std::string_view::npos) {
        text.remove_prefix(slash + 1);
    }
    for (const std::string_view suffix : {".xz", ".zst", ".gz"}) {
        if (text.ends_with(suffix)) {
            text.remove_suffix(suffix.size());
        }
    }
    if (text.ends_with(".ko")) {
        text.remove_suffix(3);
    }
    std::string out(text);
    for (auto& c : out) {
        if (c == '-') {
            c = '_';
        }
    }
    return out;
}

std::variant<ModuleIndex, std::string> parse_modules_dep(std::string_view modules_dep, std::string_view modules_builtin)
{
    ModuleIndex index;
    int number = 0;
    for (const auto raw : util::split(modules_dep, '\n')) {
        ++number;
        const auto line = util::trim(raw);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) {
            return "modules.dep line " + std::to_string(number) + ": expected `path.ko: dependency.ko ...`";
        }
        const std::string path(util::trim(line.substr(0, colon)));
        if (path.find("..") != std::string::npos || path.front() == '/') {
            return "modules.dep line " + std::to_string(number) + ": '" + util::printable(path, 80) +
                   "' is not a path inside the module tree";
        }
        std::vector<std::string> deps;
        for (const auto dep : util::split(line.substr(colon + 1), ' ')) {
            const auto d = util::trim(dep);
            if (d.empty()) {
                continue;
            }
            if (d.find("..") != std::string_view::npos || d.front() == '/') {
                return "modules.dep line " + std::to_string(number) + ": '" + util::printable(d, 80) +
                       "' is not a path inside the module tree";
            }
            deps.emplace_back(d);
        }
        index.path[module_name(path)] = path;
        index.depends[path] = std::move(deps);
    }
    for (const auto raw : util::split(modules_builtin, '\n')) {
        if (const auto line = util::trim(raw); !line.empty()) {
            index.builtin.insert(module_name(line));
        }
    }
    return index;
}

ModuleSelection select_modules(const ModuleIndex& index, const std::vector<std::string>& wanted)
{
    ModuleSelection out;
    std::set<std::string> placed, visiting;
    // Depth first: a module goes in after everything it depends on.
    const std::function<void(const std::string&)> place = [&](const std::string& path) {
        if (placed.contains(path) || !visiting.insert(path).second) {
            return;
        }
        if (const auto it = index.depends.find(path); it != index.depends.end()) {
            for (const auto& dep : it->second) {
                place(dep);
            }
        }
        visiting.erase(path);
        placed.insert(path);
        out.load_order.push_back(path);
    };
    std::set<std::string> asked;
    for (const auto& w : wanted) {
        const auto name = module_name(w);
        if (name.empty() || !asked.insert(name).second) {
            continue;
        }
        if (const auto it = index.path.find(name); it != index.path.end()) {
            place(it->second);
        } else if (index.builtin.contains(name)) {
            out.builtin.push_back(name);
        } else {
            out.missing.push_back(name);
        }
    }
    return out;
}

const std::vector<std::string>& default_modules()
{
    static const std::vector<std::string> names{
        // first: libcrc32c (bnx2x, btrfs...) and ext4 ask the crypto API for
        // crc32c when they load, a dependency modules.dep does not list
        "crc32c_generic",
        // virtual machines
        "virtio_pci", "virtio_net", "virtio_blk", "virtio_scsi",
        // NICs
        "e1000", "e1000e", "igb", "ixgbe", "i40e", "bnx2", "bnx2x", "tg3", "r8169", "vmxnet3", "mlx4_en", "mlx5_core",
        "8021q",
        // disks
        "ahci", "ata_piix", "sd_mod", "sr_mod", "nvme", "mpt3sas", "megaraid_sas", "hpsa", "smartpqi", "vmw_pvscsi",
        // filesystems
        "ext4", "vfat", "nls_cp437", "nls_iso8859_1", "loop"};
    return names;
}

}  // namespace xcp::image
