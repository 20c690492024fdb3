// What a host's own requests (made with its token) decide: either a refusal,
// or the change to its record. Pure: the service reads the host, asks these,
// gates by rate, then applies the change in one place (host_change.hpp).
#pragma once

#include "server/http/handler.hpp"
#include "server/inventory/host.hpp"
#include "server/service/host_change.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xcp::service {

// Refused with this reply, or this change to apply.
using HostDecision = std::variant<http::Reply, HostChange>;

// GET /api/v1/report/<token>?status=N: the vendor installer's outcome.
HostDecision decide_report(const std::optional<inventory::Host>& host, std::string_view status);

// POST /api/v1/hosts/<token>/events: {"step", "percent", "message", "final", "disk"}.
HostDecision decide_agent_event(const std::optional<inventory::Host>& host, std::string_view body);

// POST /api/v1/hosts/<token>/log?source=agent|installer: the log's tail,
// kept with the host, control characters escaped and lines kept.
HostDecision decide_host_log(const std::optional<inventory::Host>& host, std::string_view source,
                             std::string_view body);

// POST /api/v1/hosts/<token>/backups, before anything is kept: a token in
// use (401 otherwise), and the body's SHA-256 as the caller computed it equal
// to the one sent in X-Checksum-SHA256. nullopt: keep it.
std::optional<http::Reply> refuse_backup(const std::optional<inventory::Host>& host, std::string_view claimed,
                                         std::string_view computed);
// The host's event once the archive is kept.
HostChange backup_kept(const inventory::Host& host, const std::string& id, std::uint64_t size,
                       const std::string& sha256);

// GET /answerfile/<token>, before rendering: who may have it. `leased`: the
// address our DHCP gave the host, when --bind-tokens-to-address is on.
// nullopt: go on and render.
struct AnswerfileRefusal {
    http::Reply reply;
    std::optional<HostChange> change;  // an event for the operator
    std::string why;                   // for the log
};
std::optional<AnswerfileRefusal> decide_answerfile_access(const std::optional<inventory::Host>& host,
                                                          const std::string& client,
                                                          const std::optional<std::string>& leased);
// Its first fetch starts the install (nullopt for a fetch again).
std::optional<HostChange> answerfile_served(const inventory::Host& host, const std::string& client);
HostChange answerfile_failed(const inventory::Host& host, const std::string& reason);

}  // namespace xcp::service
