#pragma once

#include <string>

namespace xcp::boot {

// Where hosts reach this server, and where its boot files are: what the
// generated answerfiles and boot configs point at.
struct Site {
    std::string server;     // address hosts use: 192.0.2.10
    std::string http_url;   // http://192.0.2.10:8080 (no trailing slash)
    // Install repository when a host names none: http_url + "/repo/".
    std::string repository_url;
    // Boot files, relative to the TFTP root, when the host has no release.
    std::string xen = "xcp-ng/xen.gz";
    std::string kernel = "xcp-ng/vmlinuz";
    std::string image = "xcp-ng/install.img";
    bool operator==(const Site&) const = default;
};

}  // namespace xcp::boot
