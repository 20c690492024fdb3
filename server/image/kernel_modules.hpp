// Which kernel modules an install image carries: the ones asked for and
// everything they depend on, read from the kernel's own modules.dep (what
// depmod wrote), in an order in which each loads after its dependencies.
// Pure functions of the files' text.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::image {

struct ModuleIndex {
    // Module name ('-' written '_') -> its path relative to
    // lib/modules/VERSION ("kernel/drivers/net/virtio_net.ko.xz").
    std::map<std::string, std::string> path;
    // Path -> the paths it depends on, as modules.dep lists them.
    std::map<std::string, std::vector<std::string>> depends;
    std::set<std::string> builtin;  // names from modules.builtin
};

// "kernel/a/b.ko: kernel/c.ko kernel/d.ko" lines. Returns why not, naming
// the line, for a line that is not of that shape.
std::variant<ModuleIndex, std::string> parse_modules_dep(std::string_view modules_dep, std::string_view modules_builtin);

// The name a module path or a name given by the operator stands for:
// "kernel/x/e1000e.ko.zst" -> "e1000e", "virtio-net" -> "virtio_net".
std::string module_name(std::string_view path_or_name);

struct ModuleSelection {
    std::vector<std::string> load_order;  // paths; dependencies first
    std::vector<std::string> builtin;     // asked for, built into the kernel
    std::vector<std::string> missing;     // asked for, in neither
};
ModuleSelection select_modules(const ModuleIndex& index, const std::vector<std::string>& wanted);

// What the image carries unless --modules adds more: virtio, common server
// NICs (e1000/igb/ixgbe/bnx2x class), AHCI/SCSI/NVMe/RAID disks, ext3/ext4
// and vfat (the ESP), and the loop device.
const std::vector<std::string>& default_modules();

}  // namespace xcp::image
