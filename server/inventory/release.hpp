// A release the server can PXE-boot: boot files under the TFTP root's
// releases/NAME/ and a repository under the HTTP root's releases/NAME/, from
// an imported medium or from our own install image (`release add-agent`).
#pragma once

#include <map>
#include <string>

namespace xcp::inventory {

struct Release {
    std::string name;
    std::string kind;     // media (import) or agent (add-agent)
    std::string product;  // XCP-ng, XenServer, ...
    std::string version, build;
    std::string era;      // legacy (XS-PACKAGES) or modern (.treeinfo + repodata)
    std::string xen, kernel, image;  // relative to the TFTP root; xen empty: a plain kernel
    bool efi = false;                // EFI/xenserver/ under the release
    std::string repository;          // releases/NAME/ under the HTTP root, or a URL
    std::string identity;            // the repository's own (legacy: md5 of its manifests)
    std::string digest;              // SHA-256 over every file's path and SHA-256: the medium
    std::map<std::string, std::string> checksums;  // path (tftp/... or http/...) -> SHA-256
    std::string imported;            // ISO 8601 UTC
    bool operator==(const Release&) const = default;
};

// Where a release's Xen is decompressed for iPXE: beside a gzipped xen,
// without the .gz (import and add-agent write it).
inline std::string unpacked_xen_path(const std::string& xen)
{
    return xen.ends_with(".gz") ? xen.substr(0, xen.size() - 3) : std::string();
}

// The Xen that iPXE loads: the decompressed copy when the release records
// one (releases imported before it was made have none), else xen itself.
inline std::string multiboot_xen(const Release& r)
{
    const auto unpacked = unpacked_xen_path(r.xen);
    const auto base = "releases/" + r.name + "/";
    if (!unpacked.empty() && unpacked.starts_with(base) &&
        r.checksums.contains("tftp/" + unpacked.substr(base.size()))) {
        return unpacked;
    }
    return r.xen;
}

}  // namespace xcp::inventory
