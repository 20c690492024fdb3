#pragma once

#include "server/backup/backup_store.hpp"
#include "server/boot/answerfile_render.hpp"
#include "server/boot/boot_config.hpp"
#include "server/boot/profiles.hpp"
#include "server/boot/site.hpp"
#include "server/files/change_watch.hpp"
#include "server/files/confined_root.hpp"
#include "server/http/handler.hpp"
#include "server/http/rate_limiter.hpp"
#include "server/http/router.hpp"
#include "server/http/server.hpp"
#include "server/service/admin_api.hpp"
#include "server/service/boot_event_recorder.hpp"
#include "server/service/ready_answerfiles.hpp"
#include "server/inventory/inventory.hpp"
#include "server/tftp/server.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace xcp::service {

struct ServiceSettings {
    boot::Site site;
    boot::UnknownHosts unknown_hosts = boot::UnknownHosts::local;
    std::string api_token;  // bearer token of the admin API
    // Progress events a host may post, per second on average (bursts of ten
    // times that): its token is no secret on the boot network. Final events
    // and reports are never refused; each ends the token's use.
    double host_events_per_second = 5;
    bool bind_tokens_to_address = false;  // --bind-tokens-to-address
    // A failure log a host posts (POST /api/v1/hosts/<token>/log).
    std::size_t max_log_bytes = 1024 * 1024;
    // Several servers share the inventory, each with its own boot files: a
    // host whose installer files this server lacks is sent to its disk, with
    // an event saying why (another server may have them). One server alone
    // serves the config and warns, as the operator's root is the only one.
    bool shared_inventory = false;
    // An upgrading installer's archive (POST /api/v1/hosts/<token>/backups).
    std::size_t max_backup_bytes = 64U << 20;
};

// The product behind the protocols: which boot config and answerfile each
// host gets, what its reports do to its record, the admin API and metrics.
// The TFTP and HTTP servers call it through their small interfaces.
class ProvisioningService final : public http::Handler {
public:
    ProvisioningService(ServiceSettings settings, inventory::Inventory& inventory, const boot::Profiles& profiles,
                        const boot::BootTemplates& templates, const files::ConfinedRoot& http_root,
                        const files::ConfinedRoot& tftp_root);

    // The TFTP overlay: generated configs by path, nullopt for files.
    std::optional<std::string> generated_tftp_file(std::string_view path, const boost::asio::ip::address& client);

    http::Reply handle(const http::Request& request, const http::Client& client) override;
    [[nodiscard]] std::optional<std::size_t> body_limit(const http::Request& header) const override;
    [[nodiscard]] std::size_t largest_body_limit() const override
    {
        return std::max(settings_.max_log_bytes, backups_ != nullptr ? settings_.max_backup_bytes : 0);
    }
    // Boot files and configs fetched over HTTP become the host's events.
    void served(const http::Served& served) override;
    [[nodiscard]] std::string loggable_target(std::string_view target) const override;
    // Everything but plain files reads the inventory.
    [[nodiscard]] bool waits(const http::Request& request) const override;
    // An answerfile fetched again with nothing written since.
    [[nodiscard]] std::optional<http::Reply> answer_now(const http::Request& request,
                                                        const http::Client& client) override;

    // SIGHUP: boot configs from now on come from `templates` (loaded and
    // checked by the caller). Call it where the service's other calls run.
    void replace_templates(std::shared_ptr<const boot::BootTemplates> templates)
    {
        templates_ = templates.get();
        reloaded_templates_ = std::move(templates);
    }

    void watch(const tftp::ServerCounters* tftp, const http::ServerCounters* http)
    {
        tftp_counters_ = tftp;
        http_counters_ = http;
    }
    // Writes to the inventory's file and to the profiles: with it, answerfiles
    // fetched again are answered on the I/O threads until either changes
    // (a SQLite inventory on this machine; a shared one has no such watch).
    void watch_changes(files::ChangeWatch* changes) { changes_ = changes; }
    // Where hosts' boot fetches are recorded; none: not recorded.
    void record_boots(BootEventRecorder* recorder) { recorder_ = recorder; }
    // The operator's page (/ui/): its files.
    void serve_ui(const files::ConfinedRoot* root) { ui_root_ = root; }
    // Where installers' backups are kept; none: uploads are refused (404).
    void keep_backups(backup::BackupStore* store)
    {
        backups_ = store;
        admin_.keep_backups(store);
    }

private:
    http::Reply answerfile(std::string_view token, const http::Client& client);
    http::Reply report(std::string_view token, const std::string& value);
    http::Reply report_script(std::string_view token);
    http::Reply agent_event(std::string_view token, const http::Request& request);
    http::Reply host_log(std::string_view token, const http::RouteRequest& request);
    http::Reply backup_upload(std::string_view token, const http::Request& request);
    http::Reply restore_archive(std::string_view token);
    http::Reply ui_file(const std::string& rest, const http::Request& request);
    void add_routes();
    http::Reply ipxe(std::string_view mac, const http::Client& client);
    http::Reply metrics();
    http::Reply too_many(const std::string& mac);
    http::Reply boot_file(const std::string& path, const http::Request& request, const http::Client& client);

    // A host's config for `loader`; marks it booting when it is its installer.
    std::string host_boot_config(boot::Loader loader, const std::string& mac, const boost::asio::ip::address& client);

    ServiceSettings settings_;
    http::Router router_;
    inventory::Inventory& inventory_;
    const boot::Profiles& profiles_;
    AdminApi admin_;
    const boot::BootTemplates* templates_;
    std::shared_ptr<const boot::BootTemplates> reloaded_templates_;  // owns templates_ after a reload
    const files::ConfinedRoot& http_root_;
    const files::ConfinedRoot& tftp_root_;
    BootEventRecorder* recorder_ = nullptr;
    const files::ConfinedRoot* ui_root_ = nullptr;
    backup::BackupStore* backups_ = nullptr;
    const tftp::ServerCounters* tftp_counters_ = nullptr;
    const http::ServerCounters* http_counters_ = nullptr;
    // Rendered answerfiles by token, with the inputs they were made from:
    // an installer fetching again, or a benchmark, costs a lookup, not a
    // parse and validation. Any change to the host, its profile or release,
    // or the site misses.
    struct CachedAnswerfile {
        std::optional<boot::AnswerfileInputs> inputs;
        std::string xml;
    };
    std::unordered_map<std::string, CachedAnswerfile> answerfile_cache_;
    http::KeyedRateLimiter host_limiter_;
    std::uint64_t rate_limited_ = 0;
    files::ChangeWatch* changes_ = nullptr;
    ReadyAnswerfiles ready_answerfiles_;
    std::atomic<std::uint64_t> answerfiles_served_ = 0;
    std::atomic<std::uint64_t> answerfiles_at_once_ = 0;
    std::uint64_t answerfile_failures_ = 0;
};

}  // namespace xcp::service
