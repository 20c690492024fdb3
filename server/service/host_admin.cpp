#include "server/service/host_admin.hpp"

#include "libxcp/util/text.hpp"

#include <algorithm>

#include "libxcp/net/address.hpp"
#include "server/inventory/host_state.hpp"
#include "server/inventory/host_vars.hpp"
#include "server/inventory/secrets.hpp"

namespace xcp::service {

Assignments parse_assignments(const std::vector<std::string>& texts)
{
    Assignments out;
    for (const auto& text : texts) {
        auto [key, value] = inventory::split_assignment(text);
        if (key.empty()) {
            // Do not echo it: it may be a password typed without its key.
            throw AdminError("a setting must be KEY=VALUE (see `xcp-pxe host set --help` for the keys)");
        }
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

std::string mac_argument(std::string_view text)
{
    auto mac = net::normalize_mac(text);
    if (!mac) {
        throw AdminError("'" + std::string(text) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
    }
    return *mac;
}

void apply_settings(inventory::Host& host, const Assignments& settings, const boot::Profiles& profiles)
{
    for (const auto& [key, value] : settings) {
        if (key == "profile") {
            try {
                (void)profiles.load(value);
            } catch (const boot::TemplateError& e) {
                throw AdminError("host " + host.mac + ": " + e.what());
            }
        }
        if (auto why = inventory::set_host_value(host, key, value); !why.empty()) {
            throw AdminError("host " + host.mac + ": " + why);
        }
    }
}

inventory::Host new_host(std::string_view mac_text, const std::string& profile, const Assignments& settings,
                         const boot::Profiles& profiles)
{
    inventory::Host host;
    host.mac = mac_argument(mac_text);
    apply_settings(host, {{"profile", profile}}, profiles);
    apply_settings(host, settings, profiles);
    return inventory::request_install(std::move(host), inventory::NextMode::install, inventory::new_token());
}

inventory::Host request(inventory::Inventory& inventory, const std::string& mac, inventory::NextMode mode,
                        const std::string& who)
{
    std::optional<inventory::Host> result;
    const bool found = inventory.update(mac, [&](inventory::Host& host) {
        host = inventory::request_install(std::move(host), mode, inventory::new_token());
        result = host;
        inventory::Event e;
        e.source = who;
        e.message = std::string(to_string(mode)) + " requested";
        return std::optional(e);
    });
    if (!found) {
        throw AdminError("host " + mac + " is not in the inventory (add it with `xcp-pxe host add`)");
    }
    return *result;
}

inventory::Host request_restore_from_server(inventory::Inventory& inventory, const std::string& mac,
                                            const std::vector<std::string>& kept, const std::string& id,
                                            const std::string& who)
{
    if (kept.empty()) {
        throw AdminError("no backup of " + mac + " is kept by this server: an upgrade whose answerfile came from it "
                         "makes one");
    }
    const auto chosen = id.empty() ? kept.front() : id;
    if (std::find(kept.begin(), kept.end(), chosen) == kept.end()) {
        throw AdminError("host " + mac + " has no backup " + util::printable(chosen, 40) +
                         " here (see `xcp-pxe host backups " + mac + "`)");
    }
    // One transaction: a crash cannot leave a plain reinstall, which would
    // make the host another. In a shared inventory, a server that lacks the
    // backup refuses the install for the same reason.
    std::optional<inventory::Host> result;
    inventory.update(mac, [&](inventory::Host& host) {
        host = inventory::request_install(std::move(host), inventory::NextMode::reinstall, inventory::new_token());
        host.vars["restore-backup"] = chosen;
        result = host;
        inventory::Event e;
        e.source = who;
        e.message = "reinstall requested, then restore of backup " + chosen + " from the server";
        return std::optional(e);
    });
    if (!result) {
        throw AdminError("host " + mac + " is not in the inventory (add it with `xcp-pxe host add`)");
    }
    return *result;
}

}  // namespace xcp::service
