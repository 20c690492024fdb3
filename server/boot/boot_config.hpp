// Boot configs for pxelinux, grub and iPXE, from operator-editable templates
// in pxe-templates/. Pure: the host comes in, the text goes out.
#pragma once

#include "server/boot/site.hpp"
#include "server/boot/template.hpp"
#include "server/inventory/host.hpp"
#include "server/inventory/release.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::boot {

enum class Loader { pxelinux, grub, ipxe };

// What a host the inventory does not know gets.
enum class UnknownHosts {
    local,  // boot from the local disk
    menu,   // pxelinux: a menu with a manual install entry (default: local)
};

// A request for a generated config: per MAC, or the loader's generic file.
struct ConfigRequest {
    Loader loader;
    std::optional<std::string> mac;  // normalized; absent: the generic file
};

// pxelinux.cfg/01-aa-bb-..., pxelinux.cfg/default, */grub.cfg-01-aa-bb-...,
// */grub.cfg-aa:bb:..., EFI/xenserver/grub.cfg; nullopt for any other file.
std::optional<ConfigRequest> classify_tftp_path(std::string_view path);

class BootTemplates {
public:
    // Loads and checks every template in `dir`; throws TemplateError naming
    // the file.
    explicit BootTemplates(const std::filesystem::path& dir);

    // The config for a host (nullopt: unknown to the inventory).
    // `release`: the host's release as recorded, when it is.
    [[nodiscard]] std::string host_config(Loader loader, const std::optional<inventory::Host>& host,
                                          const Site& site, UnknownHosts unknown,
                                          const inventory::Release* release = nullptr) const;
    // pxelinux.cfg/default, the grub chooser, the iPXE chooser.
    [[nodiscard]] std::string generic_config(Loader loader, const Site& site, UnknownHosts unknown) const;

private:
    Template pxelinux_install_, pxelinux_local_, pxelinux_menu_;
    Template grub_install_, grub_local_, grub_chooser_;
    Template ipxe_install_, ipxe_local_, ipxe_chooser_;
};

// True when the host is to get its install config now.
bool boots_installer(const std::optional<inventory::Host>& host);

}  // namespace xcp::boot
