// The operator's actions on hosts, shared by the CLI and the admin API so
// that both check the same things and log the same events.
#pragma once

#include "server/boot/profiles.hpp"
#include "server/inventory/host.hpp"
#include "server/inventory/inventory.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace xcp::service {

class AdminError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using Assignments = std::vector<std::pair<std::string, std::string>>;

// Parses "KEY=VALUE" texts; throws AdminError naming the bad one.
Assignments parse_assignments(const std::vector<std::string>& texts);

// A new host, marked for a fresh install with a new token. Throws AdminError
// for a bad MAC or setting, or a profile that `profiles` cannot load.
inventory::Host new_host(std::string_view mac_text, const std::string& profile, const Assignments& settings,
                         const boot::Profiles& profiles);

// Applies settings; throws AdminError with the first refusal: a value of the
// wrong shape, or a profile that `profiles` cannot load. The one check of a
// change, for the CLI and the admin API alike.
void apply_settings(inventory::Host& host, const Assignments& settings, const boot::Profiles& profiles);

// A MAC in any usual form, normalized; throws AdminError.
std::string mac_argument(std::string_view text);

// Marks the host for `mode` with a fresh token and logs it; throws
// AdminError when the host is unknown.
inventory::Host request(inventory::Inventory& inventory, const std::string& mac, inventory::NextMode mode,
                        const std::string& who);

// `host restore MAC --from-server [ID]`: a fresh install (reinstall) whose
// installer applies backup `id` (empty: the newest of `kept`, newest
// first), recorded as the host's restore-backup setting. Throws AdminError
// when none is kept or `id` is not among them.
inventory::Host request_restore_from_server(inventory::Inventory& inventory, const std::string& mac,
                                            const std::vector<std::string>& kept, const std::string& id,
                                            const std::string& who);

}  // namespace xcp::service
