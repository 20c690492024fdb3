#include "server/service/provisioning_service.hpp"

#include "server/boot/answerfile_render.hpp"
#include "server/boot/host_values.hpp"
#include "server/files/path.hpp"
#include "server/http/static_files.hpp"
#include "server/inventory/host_state.hpp"
#include "server/inventory/host_vars.hpp"
#include "server/inventory/secrets.hpp"
#include "server/service/host_admin.hpp"
#include "server/service/host_json.hpp"

#include "libxcp/net/address.hpp"
#include "libxcp/util/text.hpp"

#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <array>

namespace xcp::service {
namespace {

using http::beast_http::status;
using http::beast_http::verb;
using http::text_reply;

http::Reply json_reply(status s, const nlohmann::json& body)
{
    return text_reply(s, body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "application/json");
}

http::Reply error_json(status s, const std::string& message)
{
    return json_reply(s, nlohmann::json{{"error", message}});
}

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

// Everything an answerfile is made from, in one string: the profile's text
// and the host's fields that templates and shaping read.
std::string render_inputs(const inventory::Host& h, const std::string& profile_text, const std::string& repository)
{
    std::string out = profile_text + '\0' + repository;
    for (const auto* field : {&h.mac, &h.hostname, &h.profile, &h.release}) {
        out += '\0';
        out += *field;
    }
    out += '\0';
    out += to_string(h.next_mode);
    for (const auto& [k, v] : h.vars) {
        out += '\0' + k + '=' + v;
    }
    return out;
}

}  // namespace

http::Reply ProvisioningService::too_many(const inventory::Host& host)
{
    if (++rate_limited_ % 1000 == 1) {
        spdlog::warn("host {}: events or reports over {} a second; refused with 429 ({} so far)", host.mac,
                     settings_.host_events_per_second, rate_limited_);
    }
    auto r = error_json(status::too_many_requests, "too many events from this host; slow down");
    r.headers.set(http::beast_http::field::retry_after, "1");
    return r;
}

ProvisioningService::ProvisioningService(ServiceSettings settings, inventory::Inventory& inventory,
                                         const boot::Profiles& profiles, const boot::BootTemplates& templates,
                                         const files::ConfinedRoot& http_root, const files::ConfinedRoot& tftp_root)
    : settings_(std::move(settings)), inventory_(inventory), profiles_(profiles), templates_(&templates),
      http_root_(http_root), tftp_root_(tftp_root),
      host_limiter_(settings_.host_events_per_second, settings_.host_events_per_second * 10)
{
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
        const bool known = after.empty() || after == "/events" ||
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
    // The same tests, on the same forms of the path, as handle() routes by:
    // a request that reads the inventory is never handled on the I/O thread.
    if (path.starts_with("/answerfile/") || path.starts_with("/api/") || path == "/metrics" || path == "/ipxe" ||
        path == "/boot.ipxe" || path.starts_with("/ipxe/")) {
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
    auto host = inventory_.find(mac);
    const auto release = host && !host->release.empty() ? inventory_.find_release(host->release) : std::nullopt;
    if (boot::boots_installer(host)) {
        const char* loader_name = loader == boot::Loader::pxelinux ? "pxelinux" : loader == boot::Loader::grub ? "grub" : "iPXE";
        inventory_.update(mac, [&](inventory::Host& h) {
            h = inventory::mark_booting(std::move(h));
            inventory::Event e;
            e.source = "server";
            e.step = "boot";
            e.message = std::string(loader_name) + " install config served to " + client.to_string();
            return std::optional(e);
        });
        // A missing boot file is the operator's to fix; the host still gets
        // its config, and the log says what will fail.
        const auto files = boot::boot_files_for(*host, settings_.site, release ? &*release : nullptr);
        for (const auto& f : {files.xen, files.kernel, files.image}) {
            if (!f.empty() && std::holds_alternative<files::OpenRefused>(tftp_root_.open(f))) {
                spdlog::warn("host {}: boot file {} is missing under the TFTP root {}", mac, f,
                             tftp_root_.path().string());
            }
        }
        spdlog::info("host {}: {} config for its {} served to {}", mac, loader_name, to_string(host->next_mode),
                     client.to_string());
    }
    return templates_->host_config(loader, host, settings_.site, settings_.unknown_hosts, release ? &*release : nullptr);
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

http::Reply ProvisioningService::handle(const http::Request& request, const http::Client& client)
{
    const auto parsed = boost::urls::parse_origin_form(request.target());
    if (!parsed) {
        return text_reply(status::bad_request, "bad request target\n");
    }
    const std::string path = parsed->path();
    const auto method = request.method();
    const bool get = method == verb::get || method == verb::head;

    if (path.starts_with("/answerfile/") && get) {
        return answerfile(std::string_view(path).substr(12), client);
    }
    if (path.starts_with("/api/v1/report/") && get) {
        const auto it = parsed->params().find("status");
        return report(std::string_view(path).substr(15),
                      it == parsed->params().end() || !(*it).has_value ? std::string() : std::string((*it).value));
    }
    if (path.starts_with("/api/v1/report-script/") && get) {
        return report_script(std::string_view(path).substr(22));
    }
    if (path.starts_with("/api/v1/hosts/") && path.ends_with("/events") && method == verb::post) {
        const auto token = std::string_view(path).substr(14, path.size() - 14 - 7);
        if (looks_like_token(token)) {
            return agent_event(token, request);
        }
    }
    if (path.starts_with("/api/v1/")) {
        return admin(request, path);
    }
    if (path == "/metrics" && get) {
        return metrics();
    }
    if ((path == "/ipxe" || path == "/boot.ipxe") && get) {
        return ipxe({}, client);
    }
    if (path.starts_with("/ipxe/") && get) {
        return ipxe(std::string_view(path).substr(6), client);
    }
    if (!get) {
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

http::Reply ProvisioningService::answerfile(std::string_view token, const http::Client& client)
{
    auto host = inventory_.find_by_token(token);
    if (!host || !host->install_requested()) {
        spdlog::warn("http {}: answerfile asked for with an unknown or used-up token", client.address.to_string());
        return not_found();
    }
    // The token is as public as PXE makes it (anyone can fetch a pending
    // host's boot config by its MAC). The answerfile carries the root
    // password's hash: served only while the host boots or installs, and,
    // with --bind-tokens-to-address, only to the address our DHCP leased to
    // that MAC.
    if (host->state != inventory::HostState::booting && host->state != inventory::HostState::installing) {
        spdlog::warn("http {}: answerfile of host {} asked for before the host booted its installer; refused",
                     client.address.to_string(), host->mac);
        return not_found();
    }
    if (settings_.bind_tokens_to_address) {
        const auto leased = inventory_.lease_of(host->mac);
        if (leased && *leased != client.address.to_string()) {
            spdlog::warn("http {}: answerfile of host {} refused: its lease is {}", client.address.to_string(),
                         host->mac, *leased);
            inventory::Event event;
            event.source = "server";
            event.step = "answerfile";
            event.message = "answerfile refused to " + client.address.to_string() + ", not the host's leased address " +
                            *leased;
            inventory_.add_event(host->mac, event);
            return text_reply(status::forbidden, "this answerfile is for another address\n");
        }
    }
    try {
        auto text = profiles_.text(host->profile);
        const auto release = host->release.empty() ? std::nullopt : inventory_.find_release(host->release);
        const auto* recorded = release ? &*release : nullptr;
        const auto inputs = render_inputs(*host, text, boot::repository_url(*host, settings_.site, recorded));
        auto& cached = answerfile_cache_[*host->token];
        if (cached.inputs != inputs) {
            auto rendered = boot::render_answerfile(profiles_.from_text(host->profile, std::move(text)), *host,
                                                    settings_.site, recorded);
            for (const auto& w : rendered.warnings) {
                spdlog::warn("host {}: {}", host->mac, w);
            }
            if (answerfile_cache_.size() > 4096) {
                answerfile_cache_.clear();  // tokens of hosts long installed
                answerfile_cache_[*host->token] = {inputs, std::move(rendered.xml)};
            } else {
                cached = {inputs, std::move(rendered.xml)};
            }
        }
        ++answerfiles_served_;
        // The first fetch starts the install; later ones (an installer that
        // retries) change nothing and write nothing.
        if (host->state != inventory::HostState::installing) {
            inventory_.update(host->mac, [&](inventory::Host& h) {
                inventory::Event e;
                e.source = "server";
                e.step = "answerfile";
                e.percent = 0;
                e.message = "answerfile (" + std::string(to_string(h.next_mode)) + ", profile " + h.profile +
                            ") served to " + client.address.to_string();
                h = inventory::apply_event(std::move(h), e);
                return std::optional(e);
            });
            spdlog::info("host {}: answerfile for its {} served to {}", host->mac, to_string(host->next_mode),
                         client.address.to_string());
        }
        return text_reply(status::ok, answerfile_cache_.at(*host->token).xml, "text/xml");
    } catch (const std::exception& e) {
        ++answerfile_failures_;
        const std::string reason = std::string("answerfile not served: ") + e.what();
        spdlog::error("host {}: {}", host->mac, reason);
        inventory::Event event;
        event.source = "server";
        event.step = "answerfile";
        event.message = reason;
        inventory_.add_event(host->mac, event);
        return text_reply(status::internal_server_error, "the answerfile for this host is not valid; see the server log\n");
    }
}

http::Reply ProvisioningService::report(std::string_view token, const std::string& value)
{
    auto host = inventory_.find_by_token(token);
    if (!host) {
        return not_found();
    }
    if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos || value.size() > 3) {
        return text_reply(status::bad_request, "status=0 (success) or status=N (failure) is required\n");
    }
    inventory::Event e;
    e.source = "installer";
    e.step = "complete";
    e.final = value == "0" ? inventory::Final::success : inventory::Final::failure;
    e.message = value == "0" ? "the installer reported success"
                             : "the installer reported failure (status " + std::string(value) + ")";
    inventory_.update(host->mac, [&](inventory::Host& h) {
        h = inventory::apply_event(std::move(h), e);
        return std::optional(e);
    });
    spdlog::info("host {}: {}", host->mac, e.message);
    return text_reply(status::ok, "recorded\n");
}

http::Reply ProvisioningService::report_script(std::string_view token)
{
    auto host = inventory_.find_by_token(token);
    if (!host) {
        return not_found();
    }
    const auto url = boot::report_url(settings_.site, std::string(token));
    std::string script = "#!/bin/sh\n"
                         "# xcp-pxe: the installer runs installation-complete scripts with 0 (success)\n"
                         "# or 1 (failure); tell the server which.\n"
                         "status=${1:-1}\n"
                         "url=\"" + url + "?status=$status\"\n"
                         "wget -q -O /dev/null \"$url\" 2>/dev/null || curl -fsS -o /dev/null \"$url\"\n";
    return text_reply(status::ok, std::move(script), "text/x-shellscript");
}

http::Reply ProvisioningService::agent_event(std::string_view token, const http::Request& request)
{
    auto host = inventory_.find_by_token(token);
    if (!host) {
        return error_json(status::not_found, "unknown or used-up token");
    }
    const auto body = nlohmann::json::parse(request.body(), nullptr, false);
    if (!body.is_object()) {
        return error_json(status::bad_request, "the body must be a JSON object");
    }
    inventory::Event e;
    e.source = "agent";
    // What a host sends reaches logs and the operator's terminal: control
    // characters are escaped here, once, before it is stored.
    if (body.contains("step")) {
        if (!body["step"].is_string() || body["step"].get<std::string>().size() > 64) {
            return error_json(status::bad_request, "step must be a string of at most 64 characters");
        }
        e.step = util::escape_controls(body["step"].get<std::string>());
    }
    if (body.contains("percent") && !body["percent"].is_null()) {
        const auto& p = body["percent"];
        // get<int>() would wrap 4294967346 to 50: compare as the JSON number it is.
        const bool in_range = (p.is_number_unsigned() && p.get<std::uint64_t>() <= 100) ||
                              (p.is_number_integer() && !p.is_number_unsigned() && p.get<std::int64_t>() >= 0 &&
                               p.get<std::int64_t>() <= 100);
        if (!in_range) {
            return error_json(status::bad_request, "percent must be an integer from 0 to 100");
        }
        e.percent = static_cast<int>(p.get<std::int64_t>());
    }
    if (body.contains("message")) {
        if (!body["message"].is_string()) {
            return error_json(status::bad_request, "message must be a string");
        }
        e.message = util::escape_controls(std::string_view(body["message"].get<std::string>()).substr(0, 1024));
    }
    if (body.contains("final") && !body["final"].is_null()) {
        const auto final = body["final"].is_string() ? body["final"].get<std::string>() : std::string();
        if (final == "success") {
            e.final = inventory::Final::success;
        } else if (final == "failure") {
            e.final = inventory::Final::failure;
        } else {
            return error_json(status::bad_request, "final must be null, \"success\" or \"failure\"");
        }
    }
    std::string disk;
    if (body.contains("disk") && !body["disk"].is_null()) {
        if (!body["disk"].is_string()) {
            return error_json(status::bad_request, "disk must be a string");
        }
        disk = body["disk"].get<std::string>();
        inventory::Host probe;
        if (const auto why = inventory::set_host_value(probe, "install-disk", disk); !why.empty()) {
            return error_json(status::bad_request, "disk: " + why);
        }
    }
    // A final event is never refused: it ends the install (and the token's
    // use), and losing it would leave the host installing forever.
    if (!e.final && !host_limiter_.allow(host->mac, std::chrono::steady_clock::now())) {
        return too_many(*host);
    }
    inventory::Host updated;
    inventory_.update(host->mac, [&](inventory::Host& h) {
        if (!disk.empty()) {
            (void)inventory::set_host_value(h, "install-disk", disk);
        }
        h = inventory::apply_event(std::move(h), e);
        updated = h;
        return std::optional(e);
    });
    if (e.final) {
        spdlog::info("host {}: install {}{}{}", host->mac, to_string(*e.final), e.message.empty() ? "" : ": ",
                     e.message);
    }
    return json_reply(status::ok, nlohmann::json{{"state", to_string(updated.state)}});
}

http::Reply ProvisioningService::admin(const http::Request& request, std::string_view path)
{
    const auto auth = request[http::beast_http::field::authorization];
    if (settings_.api_token.empty()) {
        return error_json(status::forbidden, "the admin API is off: no API token is configured");
    }
    if (!auth.starts_with("Bearer ") || !inventory::equal_secrets(auth.substr(7), settings_.api_token)) {
        auto r = error_json(status::unauthorized, "a valid bearer token is required");
        r.headers.set(http::beast_http::field::www_authenticate, "Bearer");
        return r;
    }
    const auto method = request.method();
    try {
        if (path == "/api/v1/hosts" || path == "/api/v1/hosts/") {
            if (method == verb::get) {
                nlohmann::json list = nlohmann::json::array();
                for (const auto& h : inventory_.list()) {
                    list.push_back(host_to_json(h));
                }
                return json_reply(status::ok, list);
            }
            if (method == verb::post) {
                const auto body = nlohmann::json::parse(request.body(), nullptr, false);
                if (!body.is_object() || !body.contains("mac") || !body["mac"].is_string()) {
                    return error_json(status::bad_request, "the body must be a JSON object with a \"mac\"");
                }
                const auto profile = body.value("profile", std::string("default"));
                (void)profiles_.load(profile);
                Assignments settings;
                if (body.contains("settings") && body["settings"].is_object()) {
                    for (const auto& [k, v] : body["settings"].items()) {
                        settings.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
                    }
                }
                if (body.contains("hostname") && body["hostname"].is_string()) {
                    settings.emplace_back("hostname", body["hostname"].get<std::string>());
                }
                auto host = new_host(body["mac"].get<std::string>(), profile, settings);
                inventory_.add(host);
                spdlog::info("admin API: host {} added with profile {}", host.mac, host.profile);
                return json_reply(status::created, host_to_json(*inventory_.find(host.mac), &settings_.site));
            }
            return error_json(status::method_not_allowed, "use GET or POST");
        }
        if (path.starts_with("/api/v1/hosts/")) {
            auto rest = path.substr(14);
            std::string_view action;
            if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
                action = rest.substr(slash + 1);
                rest = rest.substr(0, slash);
            }
            const auto mac = mac_argument(rest);
            if (action == "events" && method == verb::get) {
                if (!inventory_.find(mac)) {
                    return error_json(status::not_found, "host " + mac + " is not in the inventory");
                }
                nlohmann::json list = nlohmann::json::array();
                for (const auto& e : inventory_.events(mac)) {
                    list.push_back(event_to_json(e));
                }
                return json_reply(status::ok, list);
            }
            if (!action.empty() && method == verb::post) {
                const auto mode = inventory::next_mode_from(action);
                if (!mode || *mode == inventory::NextMode::none) {
                    return error_json(status::not_found, "unknown action " + std::string(action));
                }
                const auto host = service::request(inventory_, mac, *mode, "admin API");
                return json_reply(status::ok, host_to_json(host, &settings_.site));
            }
            if (!action.empty()) {
                return error_json(status::not_found, "unknown action " + std::string(action));
            }
            if (method == verb::get) {
                const auto host = inventory_.find(mac);
                return host ? json_reply(status::ok, host_to_json(*host, &settings_.site))
                            : error_json(status::not_found, "host " + mac + " is not in the inventory");
            }
            if (method == verb::patch) {
                const auto body = nlohmann::json::parse(request.body(), nullptr, false);
                if (!body.is_object()) {
                    return error_json(status::bad_request, "the body must be a JSON object of settings");
                }
                Assignments settings;
                for (const auto& [k, v] : body.items()) {
                    settings.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
                }
                std::optional<inventory::Host> changed;
                const bool found = inventory_.update(mac, [&](inventory::Host& h) {
                    apply_settings(h, settings);
                    changed = h;
                    inventory::Event e;
                    e.source = "admin";
                    e.message = "settings changed through the admin API";
                    return std::optional(e);
                });
                return found ? json_reply(status::ok, host_to_json(*changed, &settings_.site))
                             : error_json(status::not_found, "host " + mac + " is not in the inventory");
            }
            if (method == verb::delete_) {
                return inventory_.remove(mac) ? json_reply(status::ok, nlohmann::json{{"removed", mac}})
                                              : error_json(status::not_found, "host " + mac + " is not in the inventory");
            }
            return error_json(status::method_not_allowed, "use GET, PATCH or DELETE");
        }
    } catch (const AdminError& e) {
        return error_json(status::bad_request, e.what());
    } catch (const boot::TemplateError& e) {
        return error_json(status::bad_request, e.what());
    } catch (const inventory::InventoryError& e) {
        return error_json(status::conflict, e.what());
    }
    return error_json(status::not_found, "no such API endpoint");
}

http::Reply ProvisioningService::ipxe(std::string_view mac_text, const http::Client& client)
{
    if (mac_text.empty()) {
        return text_reply(status::ok, templates_->generic_config(boot::Loader::ipxe, settings_.site, settings_.unknown_hosts));
    }
    const auto mac = net::normalize_mac(mac_text);
    if (!mac) {
        return text_reply(status::bad_request, "not a MAC address\n");
    }
    return text_reply(status::ok, host_boot_config(boot::Loader::ipxe, *mac, client.address));
}

http::Reply ProvisioningService::metrics()
{
    std::string out;
    const auto counter = [&](const char* name, const char* help, std::uint64_t value, const std::string& labels = {}) {
        // A labelled family's later members pass no help: it is printed once.
        if (*help != '\0') {
            out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
        }
        out += std::string(name) + labels + " " + std::to_string(value) + "\n";
    };
    if (tftp_counters_ != nullptr) {
        const auto& t = *tftp_counters_;
        counter("xcp_tftp_requests_total", "TFTP read requests", t.requests);
        counter("xcp_tftp_transfers_total", "TFTP transfers by outcome", t.completed, "{outcome=\"completed\"}");
        counter("xcp_tftp_transfers_total", "", t.failed, "{outcome=\"failed\"}");
        counter("xcp_tftp_transfers_total", "", t.refused, "{outcome=\"refused\"}");
        counter("xcp_tftp_malformed_total", "TFTP packets dropped as malformed", t.malformed);
        counter("xcp_tftp_bytes_total", "TFTP bytes acknowledged by clients", t.bytes);
    }
    if (http_counters_ != nullptr) {
        const auto& h = *http_counters_;
        counter("xcp_http_requests_total", "HTTP requests", h.requests);
        counter("xcp_http_responses_total", "HTTP responses by status class", h.responses_2xx, "{class=\"2xx\"}");
        counter("xcp_http_responses_total", "", h.responses_3xx, "{class=\"3xx\"}");
        counter("xcp_http_responses_total", "", h.responses_4xx, "{class=\"4xx\"}");
        counter("xcp_http_responses_total", "", h.responses_5xx, "{class=\"5xx\"}");
        counter("xcp_http_bytes_total", "HTTP body bytes sent", h.bytes);
        counter("xcp_http_rate_limited_total", "HTTP requests refused by the per-client rate limit", h.rate_limited);
        counter("xcp_http_refused_connections_total", "HTTP connections refused by a connection cap",
                h.refused_connections);
        counter("xcp_http_timeouts_total", "HTTP connections closed by a timeout", h.timeouts);
    }
    counter("xcp_answerfiles_served_total", "Answerfiles served", answerfiles_served_);
    counter("xcp_answerfile_errors_total", "Answerfiles not served because the result was invalid",
            answerfile_failures_);
    out += "# HELP xcp_hosts Hosts in the inventory by state\n# TYPE xcp_hosts gauge\n";
    const auto counts = inventory_.count_by_state();
    for (const auto state : {inventory::HostState::new_, inventory::HostState::booting, inventory::HostState::installing,
                             inventory::HostState::installed, inventory::HostState::failed}) {
        const auto it = counts.find(state);
        out += "xcp_hosts{state=\"" + std::string(to_string(state)) + "\"} " +
               std::to_string(it == counts.end() ? 0 : it->second) + "\n";
    }
    return text_reply(status::ok, std::move(out), "text/plain; version=0.0.4");
}

}  // namespace xcp::service
