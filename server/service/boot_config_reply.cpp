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

std::vector<std::string> installer_boot_files(const std::optional<inventory::Host>& host, const boot::Site& site,
                                              const inventory::Release* release)
{
    std::vector<std::string> out;
    if (!boot::boots_installer(host)) {
        return out;
    }
    const auto files = boot::boot_files_for(*host, site, release);
    for (const auto& f : {files.xen, files.kernel, files.image}) {
        if (!f.empty()) {
            out.push_back(f);
        }
    }
    return out;
}

BootConfigReply decide_boot_config(const boot::BootTemplates& templates, boot::Loader loader, const std::string& mac,
                                   const std::optional<inventory::Host>& host, const inventory::Release* release,
                                   const boot::Site& site, boot::UnknownHosts unknown, const std::string& client,
                                   const std::vector<std::string>& missing)
{
    BootConfigReply out;
    if (!boot::boots_installer(host)) {
        out.text = templates.host_config(loader, host, site, unknown, release);
        return out;
    }
    HostChange change;
    change.mac = mac;
    change.event.source = "server";
    change.event.step = "boot";
    if (!missing.empty()) {
        // As for a host that is not ours: its own disk, whatever it holds.
        out.text = templates.host_config(loader, std::nullopt, site, boot::UnknownHosts::local, nullptr);
        std::string list;
        for (const auto& f : missing) {
            list += (list.empty() ? "" : ", ") + f;
        }
        const auto what = host->release.empty() ? std::string("the default boot files")
                                                : "release " + host->release + "'s files";
        change.event.message = "not booted into the installer: this server lacks " + what + " (" + list +
                               " under its TFTP root); the host was sent to its disk" +
                               (host->release.empty() ? std::string()
                                                      : "; import the release here too, or copy releases/" +
                                                            host->release +
                                                            "/ under the TFTP and HTTP roots from a server that has it");
        out.change = std::move(change);
        return out;
    }
    out.text = templates.host_config(loader, host, site, unknown, release);
    change.mark_booting = true;
    change.event.message = std::string(loader_name(loader)) + " install config served to " + client;
    out.change = std::move(change);
    return out;
}

}  // namespace xcp::service
