// The admin API, behind its bearer token: hosts listed, added, shown,
// changed, removed and marked for an install mode. Changes are checked by the
// same functions as the CLI's (host_admin.hpp).
#pragma once

#include "server/backup/backup_store.hpp"
#include "server/boot/profiles.hpp"
#include "server/boot/site.hpp"
#include "server/http/router.hpp"
#include "server/inventory/inventory.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace xcp::service {

class AdminApi {
public:
    // `api_token` empty: the API is off (403).
    AdminApi(std::string api_token, inventory::Inventory& inventory, const boot::Profiles& profiles,
             const boot::Site& site);

    // Adds the routes under /api/v1/hosts to `router`; `router` must know
    // the {mac} parameter.
    void add_routes(http::Router& router);

    // The bearer token checked: nullopt when it is good, else the reply.
    [[nodiscard]] std::optional<http::Reply> refusal(const http::Request& request) const;

    // Where installers' backups are kept; none: listed as none kept.
    void keep_backups(const backup::BackupStore* store) { backups_ = store; }

private:
    http::Reply list_hosts();
    http::Reply add_host(const http::Request& request);
    http::Reply host_events(const std::string& mac);
    http::Reply request_mode(const std::string& mac, std::string_view action, const http::Request& request);
    http::Reply show_host(const std::string& mac);
    http::Reply host_log(const std::string& mac);
    http::Reply host_backups(const std::string& mac);
    http::Reply backup_file(const std::string& mac, const std::string& id);
    http::Reply change_host(const std::string& mac, const http::Request& request);
    http::Reply remove_host(const std::string& mac);

    std::string api_token_;
    inventory::Inventory& inventory_;
    const boot::Profiles& profiles_;
    const boot::Site& site_;
    const backup::BackupStore* backups_ = nullptr;
    // Each host's build duration, by the newest event it was computed from:
    // a list (the operator's page polls it) reads the events of the hosts
    // whose events changed, not of every host.
    struct Build {
        std::int64_t last_event_id = 0;
        std::string last_event;
        std::optional<std::int64_t> build_ms;
        std::string started;
    };
    std::unordered_map<std::string, Build> builds_;
};

}  // namespace xcp::service
