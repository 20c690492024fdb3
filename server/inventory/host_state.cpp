#include "server/inventory/host_state.hpp"

#include <algorithm>

namespace xcp::inventory {

Host apply_event(Host host, const Event& event)
{
    if (!event.final) {
        host.state = HostState::installing;
        if (event.percent) {
            host.percent = std::clamp(*event.percent, 0, 100);
        }
        if (!event.step.empty()) {
            host.step = event.step;
        }
        return host;
    }
    host.netboot = false;
    host.next_mode = NextMode::none;
    host.token.reset();
    const auto reported = host.vars.find("install-disk");
    if (*event.final == Final::success && reported != host.vars.end()) {
        host.vars["installed-disk"] = reported->second;
    }
    if (reported != host.vars.end()) {
        host.vars.erase("install-disk");
    }
    if (*event.final == Final::success) {
        host.vars.erase("restore-backup");
        host.state = HostState::installed;
        host.percent = 100;
        host.reason.clear();
    } else {
        host.state = HostState::failed;
        host.reason = event.message.empty() ? "the installer reported failure" : event.message;
    }
    if (!event.step.empty()) {
        host.step = event.step;
    }
    return host;
}

Host mark_booting(Host host)
{
    if (host.state != HostState::installing) {
        host.state = HostState::booting;
        host.percent.reset();
        host.step.clear();
    }
    return host;
}

Host request_install(Host host, NextMode mode, std::string token)
{
    host.next_mode = mode;
    host.netboot = true;
    host.token = std::move(token);
    host.vars.erase("restore-backup");  // chosen for the install it was asked with only
    host.state = HostState::new_;
    host.percent.reset();
    host.step.clear();
    host.reason.clear();
    return host;
}

}  // namespace xcp::inventory
