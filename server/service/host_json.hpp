#pragma once

#include "server/boot/site.hpp"
#include "server/inventory/host.hpp"
#include "server/service/timeline.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace xcp::service {

// A host as the admin API and `host show --json` print it. The answerfile URL
// (which holds the token) only when a site is given: it is for the operator,
// never for a log.
nlohmann::json host_to_json(const inventory::Host& host, const boot::Site* site = nullptr);
nlohmann::json event_to_json(const inventory::Event& event);
nlohmann::json timeline_to_json(const Timeline& timeline);

}  // namespace xcp::service
