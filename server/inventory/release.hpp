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
};

}  // namespace xcp::inventory
