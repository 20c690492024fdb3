#include "server/service/host_change.hpp"

#include "server/inventory/host_state.hpp"
#include "server/inventory/host_vars.hpp"

namespace xcp::service {

std::optional<inventory::Host> apply_change(inventory::Inventory& inventory, const HostChange& change)
{
    std::optional<inventory::Host> after;
    inventory.update(change.mac, [&](inventory::Host& h) {
        if (change.mark_booting) {
            h = inventory::mark_booting(std::move(h));
        }
        if (change.install_disk) {
            (void)inventory::set_host_value(h, "install-disk", *change.install_disk);
        }
        if (change.moves_state) {
            h = inventory::apply_event(std::move(h), change.event);
        }
        after = h;
        return std::optional(change.event);
    }, change.log ? &*change.log : nullptr);
    return after;
}

}  // namespace xcp::service
