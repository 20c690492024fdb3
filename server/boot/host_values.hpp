// The values a template sees for one host: its variables with their
// defaults, lists split, and this server's URLs. Pure.
#pragma once

#include "server/boot/site.hpp"
#include "server/boot/template.hpp"
#include "server/inventory/host.hpp"
#include "server/inventory/release.hpp"

#include <string>
#include <vector>

namespace xcp::boot {

// Every name a profile may use, for the placeholder check.
const std::vector<std::string>& profile_placeholders();
// Every name a boot-config template may use.
const std::vector<std::string>& boot_placeholders();

struct BootFiles {
    std::string xen, kernel, image;  // relative to the TFTP root; xen empty: a plain kernel boots the image
    // Xen as iPXE can load it: an ELF multiboot image, not gzip (iPXE stops
    // with "Exec format error"). The release's decompressed copy, else xen.
    std::string xen_multiboot;
};

// The host's release, as recorded (`release` null: none recorded, so
// `releases/<release>/...` by convention); otherwise the site's.
BootFiles boot_files_for(const inventory::Host& host, const Site& site, const inventory::Release* release = nullptr);

std::string answerfile_url(const Site& site, const std::string& token);
std::string report_url(const Site& site, const std::string& token);
// Where a failing install posts its log (POST, at most 1 MiB).
std::string log_url(const Site& site, const std::string& token);
std::string report_script_url(const Site& site, const std::string& token);

// `release`: the host's release as recorded; a repository it names by URL
// (add-agent --repository URL) is the host's install source.
TemplateValues profile_values(const inventory::Host& host, const Site& site, const inventory::Release* release = nullptr);

// Where a host's packages come from: its `repository` setting, its release's
// repository (served here, or a URL), or the site's.
std::string repository_url(const inventory::Host& host, const Site& site, const inventory::Release* release = nullptr);
TemplateValues boot_values(const inventory::Host& host, const Site& site, const inventory::Release* release = nullptr);

}  // namespace xcp::boot
