#include "server/service/admin_api.hpp"

#include "server/backup/backup_json.hpp"
#include "server/inventory/host_state.hpp"
#include "server/inventory/secrets.hpp"
#include "server/service/host_admin.hpp"
#include "server/service/host_json.hpp"
#include "server/service/json_reply.hpp"
#include "server/service/timeline.hpp"

#include "libxcp/util/text.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <vector>

namespace xcp::service {
namespace {

using http::beast_http::status;
using http::beast_http::verb;

// A JSON object's members as settings: strings as they are, anything else
// as its JSON text (the setting's own check then refuses or takes it).
Assignments json_assignments(const nlohmann::json& object)
{
    Assignments out;
    for (const auto& [k, v] : object.items()) {
        out.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
    }
    return out;
}

}  // namespace

AdminApi::AdminApi(std::string api_token, inventory::Inventory& inventory, const boot::Profiles& profiles,
                   const boot::Site& site)
    : api_token_(std::move(api_token)), inventory_(inventory), profiles_(profiles), site_(site)
{
}

void AdminApi::add_routes(http::Router& router)
{
    const auto get = std::vector{verb::get};
    const auto post = std::vector{verb::post};
    // The bearer token first, then the handler.
    const auto admin = [this, &router](std::vector<verb> methods, std::string_view pattern, auto handler) {
        router.add(std::move(methods), pattern, [this, handler](const http::RouteRequest& r) {
            if (auto refused = refusal(r.request)) {
                return std::move(*refused);
            }
            return handler(r);
        });
    };
    for (const auto* path : {"/api/v1/hosts", "/api/v1/hosts/"}) {
        admin(get, path, [this](const http::RouteRequest&) { return list_hosts(); });
        admin(post, path, [this](const http::RouteRequest& r) { return add_host(r.request); });
    }
    admin(get, "/api/v1/hosts/{mac}/events", [this](const http::RouteRequest& r) { return host_events(r.params[0]); });
    admin(get, "/api/v1/hosts/{mac}/log", [this](const http::RouteRequest& r) { return host_log(r.params[0]); });
    admin(get, "/api/v1/hosts/{mac}/backups", [this](const http::RouteRequest& r) {
        return host_backups(r.params[0]);
    });
    admin(get, "/api/v1/hosts/{mac}/backups/{}", [this](const http::RouteRequest& r) {
        return backup_file(r.params[0], r.params[1]);
    });
    admin(post, "/api/v1/hosts/{mac}/{}", [this](const http::RouteRequest& r) {
        return request_mode(r.params[0], r.params[1], r.request);
    });
    admin(get, "/api/v1/hosts/{mac}", [this](const http::RouteRequest& r) { return show_host(r.params[0]); });
    admin({verb::patch}, "/api/v1/hosts/{mac}", [this](const http::RouteRequest& r) {
        return change_host(r.params[0], r.request);
    });
    admin({verb::delete_}, "/api/v1/hosts/{mac}", [this](const http::RouteRequest& r) {
        return remove_host(r.params[0]);
    });
}

std::optional<http::Reply> AdminApi::refusal(const http::Request& request) const
{
    if (api_token_.empty()) {
        return error_json(status::forbidden, "the admin API is off: no API token is configured");
    }
    const auto auth = request[http::beast_http::field::authorization];
    if (!auth.starts_with("Bearer ") || !inventory::equal_secrets(auth.substr(7), api_token_)) {
        auto r = error_json(status::unauthorized, "a valid bearer token is required");
        r.headers.set(http::beast_http::field::www_authenticate, "Bearer");
        return r;
    }
    return std::nullopt;
}

http::Reply AdminApi::list_hosts()
{
    std::map<std::string, inventory::Inventory::Activity> activity;
    for (auto& a : inventory_.activity()) {
        activity.emplace(a.mac, std::move(a));
    }
    nlohmann::json list = nlohmann::json::array();
    std::unordered_map<std::string, Build> builds;
    for (const auto& h : inventory_.list()) {
        auto j = host_to_json(h);
        const auto it = activity.find(h.mac);
        const auto last_id = it != activity.end() ? it->second.last_event_id : 0;
        const auto last = it != activity.end() ? it->second.last_event : std::string();
        j["stalled"] = it != activity.end() && !it->second.stalled_since.empty();
        j["last_event"] = last;
        auto cached = builds_.find(h.mac);
        if (cached == builds_.end() || cached->second.last_event_id != last_id || cached->second.last_event != last) {
            const auto timeline = build_timeline(inventory_.events(h.mac, 300));
            cached = builds_.insert_or_assign(h.mac, Build{last_id, last, timeline.build_ms, timeline.started}).first;
        }
        const auto& build = cached->second;
        j["build_ms"] = build.build_ms ? nlohmann::json(*build.build_ms) : nlohmann::json(nullptr);
        j["build_started"] = build.started;
        builds.insert_or_assign(h.mac, build);
        list.push_back(std::move(j));
    }
    builds_ = std::move(builds);  // hosts removed since are forgotten
    return json_reply(status::ok, list);
}

http::Reply AdminApi::add_host(const http::Request& request)
{
    const auto body = nlohmann::json::parse(request.body(), nullptr, false);
    if (!body.is_object() || !body.contains("mac") || !body["mac"].is_string()) {
        return error_json(status::bad_request, "the body must be a JSON object with a \"mac\"");
    }
    Assignments settings;
    if (body.contains("settings") && body["settings"].is_object()) {
        settings = json_assignments(body["settings"]);
    }
    if (body.contains("hostname") && body["hostname"].is_string()) {
        settings.emplace_back("hostname", body["hostname"].get<std::string>());
    }
    if (body.contains("profile") && !body["profile"].is_string()) {
        return error_json(status::bad_request, "profile must be a string");
    }
    const auto profile = body.value("profile", std::string("default"));
    auto host = new_host(body["mac"].get<std::string>(), profile, settings, profiles_);
    inventory_.add(host);
    spdlog::info("admin API: host {} added with profile {}", host.mac, host.profile);
    return json_reply(status::created, host_to_json(*inventory_.find(host.mac), &site_));
}

http::Reply AdminApi::host_events(const std::string& mac)
{
    if (!inventory_.find(mac)) {
        return error_json(status::not_found, "host " + mac + " is not in the inventory");
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : inventory_.events(mac)) {
        list.push_back(event_to_json(e));
    }
    return json_reply(status::ok, list);
}

http::Reply AdminApi::request_mode(const std::string& mac, std::string_view action, const http::Request& request)
{
    if (action == "restore" && !request.body().empty()) {
        // {"from_server": true} or {"from_server": "ID"}: a fresh install that applies a backup this server keeps.
        const auto body = nlohmann::json::parse(request.body(), nullptr, false);
        if (!body.is_object() || !body.contains("from_server") ||
            !(body["from_server"].is_string() || body["from_server"] == true)) {
            return error_json(status::bad_request,
                              "the body of a restore is {\"from_server\": true} or {\"from_server\": \"BACKUP-ID\"}");
        }
        std::vector<std::string> kept;
        for (const auto& b : backups_ != nullptr ? backups_->list(mac) : std::vector<backup::StoredBackup>()) {
            kept.push_back(b.id);
        }
        const auto id = body["from_server"].is_string() ? body["from_server"].get<std::string>() : std::string();
        if (!inventory_.find(mac)) {
            return error_json(status::not_found, "host " + mac + " is not in the inventory");
        }
        const auto host = service::request_restore_from_server(inventory_, mac, kept, id, "admin API");
        return json_reply(status::ok, host_to_json(host, &site_));
    }
    const auto mode = inventory::next_mode_from(action);
    if (!mode || *mode == inventory::NextMode::none) {
        return error_json(status::not_found, "unknown action " + util::printable(action, 64));
    }
    const auto host = service::request(inventory_, mac, *mode, "admin API");
    return json_reply(status::ok, host_to_json(host, &site_));
}

http::Reply AdminApi::show_host(const std::string& mac)
{
    const auto host = inventory_.find(mac);
    if (!host) {
        return error_json(status::not_found, "host " + mac + " is not in the inventory");
    }
    auto j = host_to_json(*host, &site_);
    for (const auto& a : inventory_.activity()) {
        if (a.mac == mac) {
            j["stalled"] = !a.stalled_since.empty();
            j["last_event"] = a.last_event;
        }
    }
    j["timeline"] = timeline_to_json(build_timeline(inventory_.events(mac)));
    j["has_log"] = inventory_.log(mac).has_value();
    return json_reply(status::ok, j);
}

http::Reply AdminApi::host_log(const std::string& mac)
{
    if (!inventory_.find(mac)) {
        return error_json(status::not_found, "host " + mac + " is not in the inventory");
    }
    const auto log = inventory_.log(mac);
    if (!log) {
        return error_json(status::not_found, "host " + mac + " has posted no log");
    }
    return json_reply(status::ok, nlohmann::json{{"mac", mac}, {"at", log->at}, {"source", log->source},
                                                 {"text", log->text}});
}

// Listed from this server's state directory: each server keeps the backups
// its own hosts' installers sent it.
http::Reply AdminApi::host_backups(const std::string& mac)
{
    const auto kept = backups_ != nullptr ? backups_->list(mac) : std::vector<backup::StoredBackup>();
    if (kept.empty() && !inventory_.find(mac)) {
        return error_json(status::not_found, "host " + mac + " is not in the inventory");
    }
    return json_reply(status::ok, backup::backups_json(mac, kept, backups_ != nullptr ? backups_->keep() : 0));
}

http::Reply AdminApi::backup_file(const std::string& mac, const std::string& id)
{
    const auto file = backups_ != nullptr ? backups_->file(mac, id) : std::nullopt;
    if (!file) {
        return error_json(status::not_found, "host " + mac + " has no backup " + util::printable(id, 40) + " here");
    }
    std::ifstream in(*file, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(in), {}};
    if (!in.good() && !in.eof()) {
        throw std::runtime_error("backup " + file->string() + " cannot be read");
    }
    auto reply = http::text_reply(status::ok, std::move(bytes), "application/zstd");
    reply.headers.set(http::beast_http::field::content_disposition, "attachment; filename=\"" + id + ".tar.zst\"");
    return reply;
}

http::Reply AdminApi::change_host(const std::string& mac, const http::Request& request)
{
    const auto body = nlohmann::json::parse(request.body(), nullptr, false);
    if (!body.is_object()) {
        return error_json(status::bad_request, "the body must be a JSON object of settings");
    }
    const auto settings = json_assignments(body);
    std::optional<inventory::Host> changed;
    const bool found = inventory_.update(mac, [&](inventory::Host& h) {
        apply_settings(h, settings, profiles_);
        changed = h;
        inventory::Event e;
        e.source = "admin";
        e.message = "settings changed through the admin API";
        return std::optional(e);
    });
    return found ? json_reply(status::ok, host_to_json(*changed, &site_))
                 : error_json(status::not_found, "host " + mac + " is not in the inventory");
}

http::Reply AdminApi::remove_host(const std::string& mac)
{
    return inventory_.remove(mac) ? json_reply(status::ok, nlohmann::json{{"removed", mac}})
                                  : error_json(status::not_found, "host " + mac + " is not in the inventory");
}

}  // namespace xcp::service
