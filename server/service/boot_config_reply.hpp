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
    // Set when the config starts the host's installer: it is then booting.
    std::optional<HostChange> change;
    // The boot files the config names, relative to the TFTP root, when it
    // starts the installer: a missing one is the operator's to fix.
    std::vector<std::string> boot_files;
};

// `host`: the inventory's record of `mac`, if any; `release`: its release as
// recorded. Throws TemplateError when the config cannot be rendered.
BootConfigReply decide_boot_config(const boot::BootTemplates& templates, boot::Loader loader, const std::string& mac,
                                   const std::optional<inventory::Host>& host, const inventory::Release* release,
                                   const boot::Site& site, boot::UnknownHosts unknown, const std::string& client);

std::string_view loader_name(boot::Loader loader);

}  // namespace xcp::service
