// /metrics: Prometheus's text format, from counters and the hosts by state.
#pragma once

#include "server/http/server.hpp"
#include "server/inventory/database.hpp"
#include "server/inventory/host.hpp"
#include "server/tftp/server.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace xcp::service {

struct AnswerfileCounters {
    std::uint64_t served = 0;
    std::uint64_t failed = 0;  // not served: the result was invalid
    std::uint64_t at_once = 0;  // of `served`: kept ones, answered on an I/O thread
};

struct BootEventCounters {
    std::uint64_t recorded = 0;
    std::uint64_t dropped = 0;
};

// The hosts by state, as the inventory counts them; `by_state` leaves out the
// stalled ones, which count as a state of their own.
struct HostCounts {
    std::map<inventory::HostState, std::size_t> by_state;
    std::size_t stalled = 0;
};

// `tftp`, `http`: null when that server is not running. `hosts`: nullopt
// while the inventory cannot be reached (no host gauge then, rather than a
// false zero).
std::string render_metrics(const tftp::ServerCounters* tftp, const http::ServerCounters* http,
                           const AnswerfileCounters& answerfiles, const std::optional<HostCounts>& hosts,
                           const std::optional<BootEventCounters>& boot_events = std::nullopt,
                           const inventory::DatabaseHealth& inventory = {});

}  // namespace xcp::service
