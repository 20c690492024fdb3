#include "server/boot/boot_config.hpp"

#include "libxcp/net/address.hpp"
#include "server/boot/host_values.hpp"

namespace xcp::boot {
namespace {

Template load(const std::filesystem::path& dir, const char* file)
{
    const auto path = (dir / file).string();
    return Template(path, read_template_file(path), Escaping::words, boot_placeholders());
}

std::string_view basename(std::string_view path)
{
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// Site values with no host: the menu's manual install entry.
TemplateValues site_values(const Site& site)
{
    inventory::Host nobody;
    nobody.token.reset();
    return boot_values(nobody, site);
}

}  // namespace

std::optional<ConfigRequest> classify_tftp_path(std::string_view path)
{
    const auto name = basename(path);
    if (path == "pxelinux.cfg/default") {
        return ConfigRequest{Loader::pxelinux, std::nullopt};
    }
    if (path.starts_with("pxelinux.cfg/01-")) {
        if (auto mac = net::normalize_mac(path.substr(16)); mac && path.size() == 16 + 17) {
            return ConfigRequest{Loader::pxelinux, mac};
        }
        return std::nullopt;
    }
    if (name.starts_with("grub.cfg-")) {
        auto rest = name.substr(9);
        if (rest.starts_with("01-")) {
            rest.remove_prefix(3);
        }
        if (auto mac = net::normalize_mac(rest); mac && rest.size() == 17) {
            return ConfigRequest{Loader::grub, mac};
        }
        return std::nullopt;
    }
    if (path == "EFI/xenserver/grub.cfg" || path == "grub/grub.cfg" || path == "boot/grub/grub.cfg") {
        return ConfigRequest{Loader::grub, std::nullopt};
    }
    return std::nullopt;
}

BootTemplates::BootTemplates(const std::filesystem::path& dir)
    : pxelinux_install_(load(dir, "pxelinux-install.cfg")),
      pxelinux_local_(load(dir, "pxelinux-local.cfg")),
      pxelinux_menu_(load(dir, "pxelinux-menu.cfg")),
      grub_install_(load(dir, "grub-install.cfg")),
      grub_local_(load(dir, "grub-local.cfg")),
      grub_chooser_(load(dir, "grub-chooser.cfg")),
      ipxe_install_(load(dir, "ipxe-install.ipxe")),
      ipxe_local_(load(dir, "ipxe-local.ipxe")),
      ipxe_chooser_(load(dir, "ipxe-chooser.ipxe"))
{
}

bool boots_installer(const std::optional<inventory::Host>& host)
{
    return host && host->install_requested();
}

std::string BootTemplates::host_config(Loader loader, const std::optional<inventory::Host>& host, const Site& site,
                                       UnknownHosts unknown, const inventory::Release* release) const
{
    if (!host) {
        if (loader == Loader::pxelinux && unknown == UnknownHosts::menu) {
            return pxelinux_menu_.render(site_values(site));
        }
        const auto& local = loader == Loader::pxelinux ? pxelinux_local_
                            : loader == Loader::grub   ? grub_local_
                                                       : ipxe_local_;
        return local.render(site_values(site));
    }
    const bool install = boots_installer(host);
    const Template* t = nullptr;
    switch (loader) {
    case Loader::pxelinux: t = install ? &pxelinux_install_ : &pxelinux_local_; break;
    case Loader::grub: t = install ? &grub_install_ : &grub_local_; break;
    case Loader::ipxe: t = install ? &ipxe_install_ : &ipxe_local_; break;
    }
    return t->render(boot_values(*host, site, release));
}

std::string BootTemplates::generic_config(Loader loader, const Site& site, UnknownHosts unknown) const
{
    switch (loader) {
    case Loader::pxelinux:
        return (unknown == UnknownHosts::menu ? pxelinux_menu_ : pxelinux_local_).render(site_values(site));
    case Loader::grub: return grub_chooser_.render(site_values(site));
    case Loader::ipxe: return ipxe_chooser_.render(site_values(site));
    }
    return {};
}

}  // namespace xcp::boot
