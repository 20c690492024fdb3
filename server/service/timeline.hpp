// A host's latest build drawn from its events: each phase a span on one time
// axis, from its first DHCP answer to its report and its first local boot.
// Pure.
#pragma once

#include "server/inventory/host.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace xcp::service {

struct PhaseSpan {
    std::string phase;   // dhcp, loader, config, kernel and image, answerfile, <installer step>, report, local boot
    std::string start;   // ISO 8601 UTC
    std::string end;
    std::int64_t ms = 0;
    std::int64_t bytes = 0;  // fetched in it
    std::int64_t events = 0;
};

struct Timeline {
    std::vector<PhaseSpan> spans;  // in time order; a phase may come back (a second DHCP)
    std::string started;           // the build's first event
    std::string finished;          // its report; empty while it runs
    std::string outcome;           // success or failure, once reported
    std::optional<std::int64_t> build_ms;  // started to finished
    // The total per phase, in the order phases first appear.
    std::vector<std::pair<std::string, std::int64_t>> phase_ms;
};

// `events` oldest first, as Inventory::events returns them.
Timeline build_timeline(const std::vector<inventory::Event>& events);

// "1.2 s", "3 min 5 s", "1 h 2 min".
std::string format_duration(std::int64_t ms);

}  // namespace xcp::service
