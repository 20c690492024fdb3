// The files that make the new root this host's control domain: a pure
// function of the answerfile, the settled layout and the identities drawn
// for it (install.md, "Disk layouts" and "Upgrade with backup" name the
// files). The planner calls it; the executor only writes what it returns.
#pragma once

#include "installer-agent/configure/inventory.hpp"
#include "installer-agent/layout/layout.hpp"
#include "libxcp/answerfile/model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace xcp::installer {

struct RootFile {
    std::string path;     // below the new root, no leading slash
    std::string content;  // a symlink's target when `symlink`
    unsigned mode = 0644;
    bool symlink = false;
};

struct ControlDomainInputs {
    const answerfile::Answerfile* answerfile = nullptr;
    LayoutEra era = LayoutEra::modern;
    std::string primary;
    Layout layout;
    std::vector<std::string> guest_disks;
    answerfile::SrType sr_type = answerfile::SrType::ext;  // settled by the plan
    std::string installation_uuid, control_domain_uuid;
    std::string root_label, logs_label, swap_label, esp_label;
    int dom0_mem_mib = 2048;
};

// Every file but /etc/xensource-inventory, whose fields are below.
std::vector<RootFile> control_domain_files(const ControlDomainInputs& in);

// The files of the settings the answerfile gives (hostname, timezone,
// keymap, NTP, name servers, management interface, network backend), for a
// 2009 reinstall to apply over the settings it carried over.
std::vector<RootFile> given_settings_files(const ControlDomainInputs& in);

// etc/fstab alone: what an upgrade writes of these (it carries the rest over).
RootFile fstab_file(const ControlDomainInputs& in);

// Present until the host's first boot has run every first-boot script (the
// xs-firstboot package ships it): an upgrade refuses an installation that
// still has it.
inline constexpr const char* firstboot_in_progress = "etc/firstboot.d/data/firstboot_in_progress";

// The inventory, without the product (the executor adds it from what it
// unpacked).
InventoryFields inventory_fields(const ControlDomainInputs& in);

// /etc/shadow with root's hash replaced (or a root line added); other lines
// kept byte for byte.
std::string with_root_hash(std::string_view shadow, std::string_view hash);

// A random (version 4) UUID in its 36-character form.
std::string new_uuid();

}  // namespace xcp::installer
