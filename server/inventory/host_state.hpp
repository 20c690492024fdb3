// How a host's record follows what is reported about it. Pure: the inventory
// stores the result, the tests call these directly.
#pragma once

#include "server/inventory/host.hpp"

#include <string>

namespace xcp::inventory {

// An event reported for the host's current install. On success the install
// request ends: netboot off, next mode none, token gone, so that the next PXE
// boot is a local boot and not a reinstall loop. A failure ends it too: a
// rack of hosts must not wipe their disks again and again unattended; the
// operator re-arms with `host reinstall`. The disk the install reported
// (install-disk) becomes installed-disk on success.
Host apply_event(Host host, const Event& event);

// Its install boot config was handed out.
Host mark_booting(Host host);

// An operator asks for an install of `mode` with a fresh `token`.
Host request_install(Host host, NextMode mode, std::string token);

}  // namespace xcp::inventory
