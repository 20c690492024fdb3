// A change to one host's record, decided by a handler from what it read and
// applied in one place: request, then decision, then effect.
#pragma once

#include "server/inventory/host.hpp"
#include "server/inventory/inventory.hpp"

#include <optional>
#include <string>

namespace xcp::service {

struct HostChange {
    std::string mac;
    bool mark_booting = false;                // the installer's boot config was served
    std::optional<std::string> install_disk;  // as the installer found it; checked by the handler
    bool moves_state = false;                 // the event goes through inventory::apply_event
    inventory::Event event;                   // always recorded
    std::optional<inventory::HostLog> log;    // replaces the host's failure log
};

// Applies `change` in one inventory transaction: the host as it is after,
// or nullopt when it is no longer in the inventory.
std::optional<inventory::Host> apply_change(inventory::Inventory& inventory, const HostChange& change);

}  // namespace xcp::service
