#include "server/service/boot_fetch.hpp"

#include "libxcp/util/text.hpp"


namespace xcp::service {
namespace {

bool ends_with_any(std::string_view s, std::initializer_list<std::string_view> suffixes)
{
    for (const auto suffix : suffixes) {
        if (s.ends_with(suffix)) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<std::string_view> fetch_step(std::string_view path)
{
    while (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    if (path.starts_with("boot/")) {
        path.remove_prefix(5);  // the TFTP root over HTTP
    }
    const auto slash = path.rfind('/');
    const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (path.starts_with("pxelinux.cfg/") || path.starts_with("grub/") || path == "ipxe" ||
        path.starts_with("ipxe/") || name.starts_with("grub.cfg") || ends_with_any(name, {".ipxe", ".cfg"})) {
        return "config";
    }
    if (name == "xen.gz" || name.starts_with("xen") || name.starts_with("vmlinuz") || name == "install.img" ||
        ends_with_any(name, {".img", ".gz", ".xz"}) || name.starts_with("initrd")) {
        return "kernel";
    }
    if (name.starts_with("pxelinux.") || name.starts_with("lpxelinux.") || name.starts_with("undionly") ||
        name.starts_with("ipxe.") || ends_with_any(name, {".efi", ".c32", ".kpxe", ".pxe", ".0"})) {
        return "loader";
    }
    return std::nullopt;
}

inventory::Event fetch_event(const Fetch& f)
{
    inventory::Event e;
    e.at = f.at;
    e.source = f.protocol;
    e.step = f.step;
    e.bytes = f.bytes;
    e.duration_ms = f.duration_ms;
    e.message = util::escape_controls(std::string_view(f.what).substr(0, 200));
    if (f.protocol != "dhcp") {
        e.message = f.protocol + " " + e.message;
    }
    if (!f.completed) {
        e.message += " (not completed)";
    }
    if (f.retransmits > 0) {
        e.message += " (" + std::to_string(f.retransmits) + " retransmits)";
    }
    return e;
}

}  // namespace xcp::service
