#include "server/service/provisioning_service.hpp"

#include "server/boot/answerfile_render.hpp"
#include "server/boot/host_values.hpp"
#include "server/files/path.hpp"
#include "server/http/static_files.hpp"
#include "server/inventory/host_vars.hpp"
#include "server/service/boot_config_reply.hpp"
#include "server/service/boot_observations.hpp"
#include "server/service/host_admin.hpp"
#include "server/service/host_change.hpp"
#include "server/service/host_requests.hpp"
#include "server/service/json_reply.hpp"
#include "server/service/metrics.hpp"

#include "libxcp/checksum/digest.hpp"
#include "libxcp/net/address.hpp"
#include "libxcp/util/text.hpp"

#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <fstream>

namespace xcp::service {
namespace {

using http::beast_http::status;
using http::beast_http::verb;
using http::text_reply;

http::Reply not_found()
{
    return text_reply(status::not_found, "not found\n");
}

// The prefixes whose next segment is a token: never logged as is.
constexpr std::array token_prefixes{std::string_view("/answerfile/"), std::string_view("/api/v1/report/"),
                                    std::string_view("/api/v1/report-script/"), std::string_view("/api/v1/hosts/")};

bool looks_like_token(std::string_view s)
{
    return s.size() == 32 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

http::Reply ProvisioningService::too_many(const std::string& mac)
{
    if (++rate_limited_ % 1000 == 1) {
        spdlog::warn("host {}: events or reports over {} a second; refused with 429 ({} so far)", mac,
                     settings_.host_events_per_second, rate_limited_);
    }
    auto r = error_json(status::too_many_requests, "too many events from this host; slow down");
    r.headers.set(http::beast_http::field::retry_after, "1");
    return r;
}

ProvisioningService::ProvisioningService(ServiceSettings settings, inventory::Inventory& inventory,
                                         const boot::Profiles& profiles, const boot::BootTemplates& templates,
                                         const files::ConfinedRoot& http_root, const files::ConfinedRoot& tftp_root)
    : settings_(std::move(settings)), inventory_(inventory), profiles_(profiles),
      admin_(settings_.api_token, inventory, profiles, settings_.site), templates_(&templates),
      http_root_(http_root), tftp_root_(tftp_root),
      host_limiter_(settings_.host_events_per_second, settings_.host_events_per_second * 10)
{
    add_routes();
}

// Redacted after decoding, on the path the router matches: /%61nswerfile/T
// is routed as /answerfile/T, so it is logged as /answerfile/<token>.
std::string ProvisioningService::loggable_target(std::string_view raw) const
{
    const auto parsed = boost::urls::parse_origin_form(raw);
    if (!parsed) {
        return "<not a request target>";  // not routed either; may hold anything
    }
    const std::string decoded =
        std::string(parsed->path()) + (parsed->has_query() ? "?" + std::string(parsed->encoded_query()) : "");
    const std::string_view target = decoded;
    for (const auto prefix : token_prefixes) {
        if (!target.starts_with(prefix)) {
            continue;
        }
        const auto rest = target.substr(prefix.size());
        const auto end = rest.find_first_of("/?");
        const auto segment = rest.substr(0, end);
        // /api/v1/hosts/<mac> is no secret; anything else there may be a token.
        if (prefix == "/api/v1/hosts/" && (segment.empty() || net::normalize_mac(segment))) {
            return util::printable(target, 300);
        }
        // Keep only the suffixes these routes use; the rest is the client's
        // and may repeat the token.
        const auto after = end == std::string_view::npos ? std::string_view() : rest.substr(end);
        const bool known = after.empty() || after == "/events" || after == "/log" || after == "/backups" ||
                           after == "/restore" ||
                           (after.starts_with("/log?source=") && after.size() <= 30 &&
                            after.find_first_not_of("abcdefghijklmnopqrstuvwxyz", 12) == std::string_view::npos) ||
                           (after.starts_with("?status=") && after.size() <= 11 &&
                            after.find_first_not_of("0123456789", 8) == std::string_view::npos);
        return std::string(prefix) + "<token>" + (known ? std::string(after) : "<...>");
    }
    return util::printable(target, 300);
}

bool ProvisioningService::waits(const http::Request& request) const
{
    const auto parsed = boost::urls::parse_origin_form(request.target());
    if (!parsed) {
        return false;
    }
    const std::string path = parsed->path();
    if (path == "/ui" || path.starts_with("/ui/")) {
        return false;  // the page's own files: plain files, like the roots'
    }
    // Routed requests read the inventory: never handled on the I/O thread.
    if (path.starts_with("/api/v1/") ||
        !std::holds_alternative<http::Router::NoRoute>(router_.match(request.method(), path))) {
        return true;
    }
    const auto normalized = files::normalize_path(path);
    const auto* relative = std::get_if<std::string>(&normalized);
    return relative != nullptr && relative->starts_with("boot/") &&
           boot::classify_tftp_path(std::string_view(*relative).substr(5)).has_value();
}

std::string ProvisioningService::host_boot_config(boot::Loader loader, const std::string& mac,
                                                  const boost::asio::ip::address& client)
{
    const auto host = inventory_.find(mac);
    const auto release = host && !host->release.empty() ? inventory_.find_release(host->release) : std::nullopt;
    std::vector<std::string> missing;
    for (const auto& f : installer_boot_files(host, settings_.site, release ? &*release : nullptr)) {
        if (std::holds_alternative<files::OpenRefused>(tftp_root_.open(f))) {
            if (!settings_.shared_inventory) {
                spdlog::warn("host {}: boot file {} is missing under the TFTP root {}", mac, f,
                             tftp_root_.path().string());
                continue;
            }
            missing.push_back(f);
        }
    }
    auto decided = decide_boot_config(*templates_, loader, mac, host, release ? &*release : nullptr, settings_.site,
                                      settings_.unknown_hosts, client.to_string(), missing);
    if (host && recorder_ != nullptr) {
        // The client asked for this MAC's config: its later TFTP and HTTP
        // fetches are that host's.
        recorder_->tie(client, mac);
    }
    if (decided.change) {
        apply_change(inventory_, *decided.change);
        if (!missing.empty()) {
            spdlog::warn("host {}: {}", mac, decided.change->event.message);
        } else {
            spdlog::info("host {}: {} config for its {} served to {}", mac, loader_name(loader),
                         to_string(host->next_mode), client.to_string());
        }
    }
    return std::move(decided.text);
}

std::optional<std::string> ProvisioningService::generated_tftp_file(std::string_view path,
                                                                    const boost::asio::ip::address& client)
{
    const auto request = boot::classify_tftp_path(path);
    if (!request) {
        return std::nullopt;
    }
    try {
        if (!request->mac) {
            return templates_->generic_config(request->loader, settings_.site, settings_.unknown_hosts);
        }
        return host_boot_config(request->loader, *request->mac, client);
    } catch (const std::exception& e) {
        spdlog::error("boot config {} for {}: {}", path, client.to_string(), e.what());
        return std::nullopt;
    }
}

void ProvisioningService::add_routes()
{
    router_.param("token", [](std::string_view s) -> std::variant<std::string, http::ParamRefused> {
        if (looks_like_token(s)) {
            return std::string(s);
        }
        return http::ParamRefused{status::not_found, "unknown or used-up token"};
    });
    router_.param("mac", [](std::string_view s) -> std::variant<std::string, http::ParamRefused> {
        if (auto mac = net::normalize_mac(s)) {
            return *mac;
        }
        return http::ParamRefused{status::bad_request,
                                  "'" + util::printable(s, 64) + "' is not a MAC address (aa:bb:cc:dd:ee:ff)"};
    });
    const auto get = std::vector{verb::get};
    const auto post = std::vector{verb::post};
    router_.add(get, "/answerfile/{token}", [this](const http::RouteRequest& r) {
        return answerfile(r.params[0], r.client);
    });
    router_.add(get, "/api/v1/report/{token}", [this](const http::RouteRequest& r) {
        return report(r.params[0], r.query_value("status").value_or(""));
    });
    router_.add(get, "/api/v1/report-script/{token}", [this](const http::RouteRequest& r) {
        return report_script(r.params[0]);
    });
    router_.add(post, "/api/v1/hosts/{token}/events", [this](const http::RouteRequest& r) {
        return agent_event(r.params[0], r.request);
    });
    router_.add(post, "/api/v1/hosts/{token}/log", [this](const http::RouteRequest& r) {
        return host_log(r.params[0], r);
    });
    router_.add(post, "/api/v1/hosts/{token}/backups", [this](const http::RouteRequest& r) {
        return backup_upload(r.params[0], r.request);
    });
    router_.add(get, "/api/v1/hosts/{token}/restore", [this](const http::RouteRequest& r) {
        return restore_archive(r.params[0]);
    });
    router_.add(get, "/metrics", [this](const http::RouteRequest&) { return metrics(); });
    router_.add(get, "/ui", [](const http::RouteRequest&) {
        auto r = text_reply(status::moved_permanently, "see /ui/\n");
        r.headers.set(http::beast_http::field::location, "/ui/");
        return r;
    });
    router_.add(get, "/ui/{...}", [this](const http::RouteRequest& r) {
        return ui_file(r.params.empty() ? std::string() : r.params[0], r.request);
    });
    for (const auto* path : {"/ipxe", "/boot.ipxe"}) {
        router_.add(get, path, [this](const http::RouteRequest& r) { return ipxe({}, r.client); });
    }
    router_.add(get, "/ipxe/{mac}", [this](const http::RouteRequest& r) { return ipxe(r.params[0], r.client); });

    admin_.add_routes(router_);
}

http::Reply ProvisioningService::handle(const http::Request& request, const http::Client& client)
{
    const auto parsed = boost::urls::parse_origin_form(request.target());
    if (!parsed) {
        return text_reply(status::bad_request, "bad request target\n");
    }
    const std::string path = parsed->path();
    const bool api = path.starts_with("/api/v1/");
    const auto refuse = [&](status s, const std::string& message) {
        return api ? error_json(s, message) : text_reply(s, message + "\n");
    };
    // Errors by kind, in one place: the operator's or client's mistake is a
    // 4xx with its sentence; anything else is a 500, logged with its context.
    try {
        auto match = router_.match(request.method(), path);
        if (auto* found = std::get_if<http::Router::Found>(&match)) {
            // A copy: encoded_query() converts to std::string_view through a temporary std::string.
            const std::string encoded_query = parsed->has_query() ? std::string(parsed->encoded_query()) : std::string();
            auto query = http::parse_query(encoded_query);
            if (!query) {
                return refuse(status::bad_request, "bad query string");
            }
            const http::RouteRequest routed{request, client, std::move(found->params), std::move(*query)};
            return (*found->handler)(routed);
        }
        if (const auto* bad = std::get_if<http::Router::BadParameter>(&match)) {
            return refuse(bad->status, bad->reason);
        }
        if (const auto* other = std::get_if<http::Router::MethodNotAllowed>(&match)) {
            auto r = refuse(status::method_not_allowed, "method not allowed; use " + other->allow);
            r.headers.set(http::beast_http::field::allow, other->allow);
            return r;
        }
        if (api) {
            if (auto refused = admin_.refusal(request)) {
                return std::move(*refused);
            }
            return error_json(status::not_found, "no such API endpoint");
        }
    } catch (const AdminError& e) {
        return refuse(status::bad_request, e.what());
    } catch (const boot::TemplateError& e) {
        return refuse(status::bad_request, e.what());
    } catch (const inventory::InventoryConflict& e) {
        return refuse(status::conflict, e.what());
    } catch (const inventory::InventoryUnavailable& e) {
        spdlog::error("http {} {} {}: {}", client.address.to_string(), std::string(request.method_string()),
                      loggable_target(request.target()), e.what());
        auto r = refuse(status::service_unavailable, "the inventory cannot be reached; try again shortly");
        r.headers.set(http::beast_http::field::retry_after, "5");
        return r;
    } catch (const std::exception& e) {
        spdlog::error("http {} {} {}: {}", client.address.to_string(), std::string(request.method_string()),
                      loggable_target(request.target()), e.what());
        return refuse(status::internal_server_error, "internal error; see the server log");
    }
    if (request.method() != verb::get && request.method() != verb::head) {
        auto r = text_reply(status::method_not_allowed, "method not allowed\n");
        r.headers.set(http::beast_http::field::allow, "GET, HEAD");
        return r;
    }
    const auto normalized = files::normalize_path(path);
    if (const auto* refused = std::get_if<files::PathRefused>(&normalized)) {
        spdlog::warn("http {}: {} refused: {}", client.address.to_string(), loggable_target(request.target()),
                     refused->reason);
        return text_reply(status::forbidden, "forbidden\n");
    }
    const auto& relative = std::get<std::string>(normalized);
    if (relative.starts_with("boot/")) {
        return boot_file(relative.substr(5), request, client);
    }
    std::string refusal;
    auto reply = http::serve_file(http_root_, relative, request, refusal);
    if (reply.status == status::forbidden) {
        spdlog::warn("http {}: {} refused: {}", client.address.to_string(), relative, refusal);
    }
    return reply;
}

http::Reply ProvisioningService::boot_file(const std::string& path, const http::Request& request,
                                           const http::Client& client)
{
    // lpxelinux and iPXE fetch the same files over HTTP: generated configs
    // first, as over TFTP.
    if (auto text = generated_tftp_file(path, client.address)) {
        return text_reply(status::ok, std::move(*text));
    }
    std::string refusal;
    auto reply = http::serve_file(tftp_root_, path, request, refusal);
    if (reply.status == status::forbidden) {
        spdlog::warn("http {}: boot/{} refused: {}", client.address.to_string(), path, refusal);
    }
    return reply;
}

std::optional<http::Reply> ProvisioningService::answer_now(const http::Request& request, const http::Client& client)
{
    constexpr std::string_view prefix = "/answerfile/";
    const std::string_view target = request.target();
    if (changes_ == nullptr || request.method() != verb::get || !target.starts_with(prefix) ||
        !looks_like_token(target.substr(prefix.size()))) {
        return std::nullopt;  // anything else, an encoded path included, goes the slow way
    }
    auto reply =
        ready_answerfiles_.reply(target.substr(prefix.size()), changes_->generation(), client.address.to_string());
    if (reply) {
        ++answerfiles_served_;
        ++answerfiles_at_once_;
    }
    return reply;
}

http::Reply ProvisioningService::answerfile(std::string_view token, const http::Client& client)
{
    // Read before the inventory: a write after it makes what is kept stale.
    const auto generation = changes_ != nullptr ? changes_->generation() : 0;
    const auto address = client.address.to_string();
    auto host = inventory_.find_by_token(token);
    const auto leased =
        host && settings_.bind_tokens_to_address ? inventory_.lease_of(host->mac) : std::optional<std::string>();
    if (auto refused = decide_answerfile_access(host, address, leased)) {
        spdlog::warn("http {}: {}", address, refused->why);
        if (refused->change) {
            apply_change(inventory_, *refused->change);
        }
        return std::move(refused->reply);
    }
    try {
        boot::AnswerfileInputs inputs{profiles_.file(host->profile).string(), profiles_.text(host->profile), *host,
                                      settings_.site,
                                      host->release.empty() ? std::nullopt : inventory_.find_release(host->release)};
        auto& cached = answerfile_cache_[*host->token];
        if (!cached.inputs || *cached.inputs != inputs) {
            auto rendered = boot::render_answerfile(inputs);
            for (const auto& w : rendered.warnings) {
                spdlog::warn("host {}: {}", host->mac, w);
            }
            if (answerfile_cache_.size() > 4096) {
                answerfile_cache_.clear();  // tokens of hosts long installed
                answerfile_cache_[*host->token] = {std::move(inputs), std::move(rendered.xml)};
            } else {
                cached = {std::move(inputs), std::move(rendered.xml)};
            }
        }
        ++answerfiles_served_;
        const auto& xml = answerfile_cache_.at(*host->token).xml;
        if (const auto started = answerfile_served(*host, address)) {
            apply_change(inventory_, *started);
            spdlog::info("host {}: answerfile for its {} served to {}", host->mac, to_string(host->next_mode), address);
        } else if (changes_ != nullptr && !std::filesystem::is_symlink(profiles_.file(host->profile))) {
            // (A symlinked profile's target may change where no watch sees it.)
            ready_answerfiles_.keep(*host->token, {generation, *host, leased, xml});
        }
        return text_reply(status::ok, xml, "text/xml");
    } catch (const inventory::InventoryUnavailable& e) {
        spdlog::error("host {}: answerfile not served: {}", host->mac, e.what());
        return text_reply(status::service_unavailable, "the inventory cannot be reached; try again shortly\n");
    } catch (const std::exception& e) {
        ++answerfile_failures_;
        const std::string reason = std::string("answerfile not served: ") + e.what();
        spdlog::error("host {}: {}", host->mac, reason);
        apply_change(inventory_, answerfile_failed(*host, reason));
        return text_reply(status::internal_server_error, "the answerfile for this host is not valid; see the server log\n");
    }
}

http::Reply ProvisioningService::report(std::string_view token, const std::string& value)
{
    auto decided = decide_report(inventory_.find_by_token(token), value);
    if (auto* refused = std::get_if<http::Reply>(&decided)) {
        return std::move(*refused);
    }
    const auto& change = std::get<HostChange>(decided);
    apply_change(inventory_, change);
    spdlog::info("host {}: {}", change.mac, change.event.message);
    return text_reply(status::ok, "recorded\n");
}

http::Reply ProvisioningService::report_script(std::string_view token)
{
    auto host = inventory_.find_by_token(token);
    if (!host) {
        return not_found();
    }
    const auto url = boot::report_url(settings_.site, std::string(token));
    const auto log = boot::log_url(settings_.site, std::string(token)) + "?source=installer";
    // On failure, the tail of the installer's log goes first: the report
    // ends the token's use.
    std::string script = "#!/bin/sh\n"
                         "# xcp-pxe: the installer runs installation-complete scripts with 0 (success)\n"
                         "# or 1 (failure); tell the server which, and on failure send it the log.\n"
                         "status=${1:-1}\n"
                         "log=${XCP_INSTALL_LOG:-/tmp/install-log}\n"
                         "if [ \"$status\" != 0 ] && [ -f \"$log\" ]; then\n"
                         "  tail -c " + std::to_string(settings_.max_log_bytes) + " \"$log\" > /tmp/xcp-pxe-log-tail 2>/dev/null\n"
                         "  wget -q -O /dev/null --post-file=/tmp/xcp-pxe-log-tail \"" + log + "\" 2>/dev/null ||\n"
                         "    curl -fsS -o /dev/null --data-binary @/tmp/xcp-pxe-log-tail \"" + log + "\"\n"
                         "fi\n"
                         "url=\"" + url + "?status=$status\"\n"
                         "wget -q -O /dev/null \"$url\" 2>/dev/null || curl -fsS -o /dev/null \"$url\"\n";
    return text_reply(status::ok, std::move(script), "text/x-shellscript");
}

http::Reply ProvisioningService::agent_event(std::string_view token, const http::Request& request)
{
    auto decided = decide_agent_event(inventory_.find_by_token(token), request.body());
    if (auto* refused = std::get_if<http::Reply>(&decided)) {
        return std::move(*refused);
    }
    const auto& change = std::get<HostChange>(decided);
    // A final event is never refused: it ends the install (and the token's
    // use), and losing it would leave the host installing forever.
    if (!change.event.final && !host_limiter_.allow(change.mac, std::chrono::steady_clock::now())) {
        return too_many(change.mac);
    }
    const auto updated = apply_change(inventory_, change);
    if (!updated) {
        return error_json(status::not_found, "unknown or used-up token");
    }
    if (change.event.final) {
        spdlog::info("host {}: install {}{}{}", change.mac, to_string(*change.event.final),
                     change.event.message.empty() ? "" : ": ", change.event.message);
    }
    return json_reply(status::ok, nlohmann::json{{"state", to_string(updated->state)}});
}

std::optional<std::size_t> ProvisioningService::body_limit(const http::Request& header) const
{
    const std::string_view target = header.target();
    const auto path = target.substr(0, target.find('?'));
    if (header.method() == verb::post && path.starts_with("/api/v1/hosts/") && path.ends_with("/log")) {
        return settings_.max_log_bytes;
    }
    if (header.method() == verb::post && path.starts_with("/api/v1/hosts/") && path.ends_with("/backups") &&
        backups_ != nullptr) {
        return settings_.max_backup_bytes;
    }
    return std::nullopt;
}

void ProvisioningService::served(const http::Served& served)
{
    if (recorder_ == nullptr) {
        return;
    }
    if (auto fetch = fetch_from_http(served)) {
        recorder_->record(std::move(*fetch));
    }
}

// What a failing installer posts: the tail of its log. Kept with the host
// (the last one), shown on its page and by `host log`.
http::Reply ProvisioningService::host_log(std::string_view token, const http::RouteRequest& r)
{
    auto decided = decide_host_log(inventory_.find_by_token(token), r.query_value("source").value_or("agent"),
                                   r.request.body());
    if (auto* refused = std::get_if<http::Reply>(&decided)) {
        return std::move(*refused);
    }
    const auto& change = std::get<HostChange>(decided);
    if (!host_limiter_.allow(change.mac, std::chrono::steady_clock::now())) {
        return too_many(change.mac);
    }
    if (!apply_change(inventory_, change)) {
        return error_json(status::not_found, "unknown or used-up token");
    }
    spdlog::info("host {}: {} posted its log ({} bytes)", change.mac, change.event.source, r.request.body().size());
    return json_reply(status::ok, nlohmann::json{{"stored", r.request.body().size()}});
}

// An upgrading installer's archive of what it carries over, sent before it
// writes anything; it goes on only when this answers 200 with the same
// SHA-256. Kept whole or not at all: the body is all here before this runs.
http::Reply ProvisioningService::backup_upload(std::string_view token, const http::Request& request)
{
    if (backups_ == nullptr) {
        return error_json(status::not_found, "this server keeps no backups");
    }
    const auto host = inventory_.find_by_token(token);
    const auto& body = request.body();
    const auto computed = checksum::hex_of(checksum::Algorithm::sha256, body);
    if (auto refused = refuse_backup(host, request["X-Checksum-SHA256"], computed)) {
        spdlog::warn("host {}: backup of {} bytes refused ({})", host ? host->mac : std::string("with an unknown token"),
                     body.size(), static_cast<int>(refused->status));
        return std::move(*refused);
    }
    if (!host_limiter_.allow(host->mac, std::chrono::steady_clock::now())) {
        return too_many(host->mac);
    }
    const auto kept = backups_->store(host->mac, body, computed, std::chrono::system_clock::now());
    apply_change(inventory_, backup_kept(*host, kept.id, kept.size, kept.sha256));
    spdlog::info("host {}: backup {} kept ({} bytes, SHA-256 {})", host->mac, kept.id, kept.size, kept.sha256);
    return json_reply(status::ok, nlohmann::json{{"id", kept.id}, {"sha256", kept.sha256}, {"size", kept.size}});
}

// What a fresh install asks before it plans: the archive `host restore MAC
// --from-server` chose for the install this token belongs to, or 404.
http::Reply ProvisioningService::restore_archive(std::string_view token)
{
    const auto host = inventory_.find_by_token(token);
    if (!host || !host->install_requested()) {
        return error_json(status::not_found, "unknown or used-up token");
    }
    const auto pending = host->vars.find("restore-backup");
    if (pending == host->vars.end()) {
        return error_json(status::not_found, "no restore from a backup is asked for this install");
    }
    const auto& id = pending->second;
    const auto file = backups_ != nullptr ? backups_->file(host->mac, id) : std::nullopt;
    std::string bytes;
    if (file) {
        std::ifstream in(*file, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    if (!file || bytes.empty()) {
        // Never a fresh install instead: the host would come back as another.
        spdlog::error("host {}: backup {} is to be restored but this server does not keep it", host->mac, id);
        return error_json(status::conflict, "backup " + id + " is to be restored, but this server does not keep it: "
                                            "boot the host from the server that does (`xcp-pxe host backups " +
                                            host->mac + "` there)");
    }
    HostChange sent;
    sent.mac = host->mac;
    sent.event.source = "server";
    sent.event.step = "backup";
    sent.event.message = "backup " + id + " sent to be restored";
    apply_change(inventory_, sent);
    spdlog::info("host {}: backup {} sent to be restored ({} bytes)", host->mac, id, bytes.size());
    auto reply = text_reply(status::ok, std::move(bytes), "application/zstd");
    reply.headers.set("X-Checksum-SHA256", checksum::hex_of(checksum::Algorithm::sha256, reply.body));
    reply.headers.set("X-Backup-Id", id);
    return reply;
}

http::Reply ProvisioningService::ui_file(const std::string& rest, const http::Request& request)
{
    if (ui_root_ == nullptr) {
        return not_found();
    }
    std::string refusal;
    auto reply = http::serve_file(*ui_root_, rest.empty() ? std::string("index.html") : rest, request, refusal);
    // The page reads the token from its URL's fragment and keeps it in
    // sessionStorage: nothing else may run in its origin's name.
    reply.headers.set("Content-Security-Policy",
                      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                      "frame-ancestors 'none'");
    reply.headers.set("Referrer-Policy", "no-referrer");
    reply.headers.set("X-Content-Type-Options", "nosniff");
    return reply;
}

// `mac`: normalized, or empty for the generic script.
http::Reply ProvisioningService::ipxe(std::string_view mac_text, const http::Client& client)
{
    if (mac_text.empty()) {
        return text_reply(status::ok, templates_->generic_config(boot::Loader::ipxe, settings_.site, settings_.unknown_hosts));
    }
    return text_reply(status::ok, host_boot_config(boot::Loader::ipxe, std::string(mac_text), client.address));
}

http::Reply ProvisioningService::metrics()
{
    std::optional<HostCounts> hosts;
    try {
        hosts = HostCounts{inventory_.count_by_state(), inventory_.count_stalled()};
    } catch (const inventory::InventoryUnavailable&) {  // NOLINT(bugprone-empty-catch): shown as xcp_inventory_up 0
    }
    const AnswerfileCounters answerfiles{answerfiles_served_.load(), answerfile_failures_, answerfiles_at_once_.load()};
    return text_reply(status::ok,
                      render_metrics(tftp_counters_, http_counters_, answerfiles, hosts,
                                     recorder_ ? std::optional(BootEventCounters{recorder_->recorded(), recorder_->dropped()})
                                               : std::nullopt,
                                     inventory_.health()),
                      "text/plain; version=0.0.4");
}

}  // namespace xcp::service
