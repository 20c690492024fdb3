#include "server/service/boot_config_reply.hpp"

#include "server/boot/host_values.hpp"

namespace xcp::service {

std::string_view loader_name(boot::Loader loader)
{
    switch (loader) {
    case boot::Loader::pxelinux:
        return "pxelinux";
    case boot::Loader::grub:
        return "grub";
    case boot::Loader::ipxe:
        return "iPXE";
    }
    return "loader";
}

BootConfigReply decide_boot_config(const boot::BootTemplates& templates, boot::Loader loader, const std::string& mac,
                                   const std::optional<inventory::Host>& host, const inventory::Release* release,
                                   const boot::Site& site, boot::UnknownHosts unknown, const std::string& client)
{
    BootConfigReply out;
    out.text = templates.host_config(loader, host, site, unknown, release);
    if (!boot::boots_installer(host)) {
        return out;
    }
    HostChange change;
    change.mac = mac;
    change.mark_booting = true;
    change.event.source = "server";
    change.event.step = "boot";
    change.event.message = std::string(loader_name(loader)) + " install config served to " + client;
    out.change = std::move(change);
    const auto files = boot::boot_files_for(*host, site, release);
    for (const auto& f : {files.xen, files.kernel, files.image}) {
        if (!f.empty()) {
            out.boot_files.push_back(f);
        }
    }
    return out;
}

}  // namespace xcp::service
