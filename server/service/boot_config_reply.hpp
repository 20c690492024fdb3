// Which boot config a host gets, and what serving it changes: a function of
// what was read, so that a GET decides and one place applies.
#pragma once

#include "server/boot/boot_config.hpp"
#include "server/boot/site.hpp"
#include "server/inventory/host.hpp"
#include "server/inventory/release.hpp"
#include "server/service/host_change.hpp"

#include <optional>
#include <string>
#include <vector>

namespace xcp::service {

struct BootConfigReply {
    std::string text;
    // Set when the config starts the host's installer (it is then booting),
    // or when it would have but the files are missing (an event only).
    std::optional<HostChange> change;
};

// The boot files (relative to the TFTP root) the installer's config would
// name for `host`; empty when its config starts no installer.
std::vector<std::string> installer_boot_files(const std::optional<inventory::Host>& host, const boot::Site& site,
                                              const inventory::Release* release);

// `host`: the inventory's record of `mac`, if any; `release`: its release as
// recorded; `missing`: those of its installer_boot_files this server lacks
// (a server sharing the inventory that has not got the release): the host
// then boots from its disk, and its events say why, instead of a config
// that would fail. Throws TemplateError when the config cannot be rendered.
BootConfigReply decide_boot_config(const boot::BootTemplates& templates, boot::Loader loader, const std::string& mac,
                                   const std::optional<inventory::Host>& host, const inventory::Release* release,
                                   const boot::Site& site, boot::UnknownHosts unknown, const std::string& client,
                                   const std::vector<std::string>& missing = {});

std::string_view loader_name(boot::Loader loader);

}  // namespace xcp::service
