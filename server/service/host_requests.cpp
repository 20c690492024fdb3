#include "server/service/host_requests.hpp"

#include "server/inventory/host_vars.hpp"
#include "server/service/json_reply.hpp"

#include "libxcp/util/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace xcp::service {
namespace {

using http::beast_http::status;

http::Reply spent_token_json()
{
    return error_json(status::not_found, "unknown or used-up token");
}

HostChange change_for(const inventory::Host& host, std::string source, std::string step)
{
    HostChange c;
    c.mac = host.mac;
    c.event.source = std::move(source);
    c.event.step = std::move(step);
    return c;
}

}  // namespace

HostDecision decide_report(const std::optional<inventory::Host>& host, std::string_view value)
{
    if (!host) {
        return http::text_reply(status::not_found, "not found\n");
    }
    if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos || value.size() > 3) {
        return http::text_reply(status::bad_request, "status=0 (success) or status=N (failure) is required\n");
    }
    auto c = change_for(*host, "installer", "complete");
    c.moves_state = true;
    c.event.final = value == "0" ? inventory::Final::success : inventory::Final::failure;
    c.event.message = value == "0" ? "the installer reported success"
                                   : "the installer reported failure (status " + std::string(value) + ")";
    return c;
}

HostDecision decide_agent_event(const std::optional<inventory::Host>& host, std::string_view text)
{
    if (!host) {
        return spent_token_json();
    }
    const auto body = nlohmann::json::parse(text, nullptr, false);
    if (!body.is_object()) {
        return error_json(status::bad_request, "the body must be a JSON object");
    }
    auto c = change_for(*host, "agent", "");
    c.moves_state = true;
    auto& e = c.event;
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
    if (body.contains("disk") && !body["disk"].is_null()) {
        if (!body["disk"].is_string()) {
            return error_json(status::bad_request, "disk must be a string");
        }
        const auto disk = body["disk"].get<std::string>();
        inventory::Host probe;
        if (const auto why = inventory::set_host_value(probe, "install-disk", disk); !why.empty()) {
            return error_json(status::bad_request, "disk: " + why);
        }
        if (!disk.empty()) {
            c.install_disk = disk;
        }
    }
    return c;
}

HostDecision decide_host_log(const std::optional<inventory::Host>& host, std::string_view source,
                             std::string_view body)
{
    if (!host || !host->install_requested()) {
        return spent_token_json();
    }
    if (source != "agent" && source != "installer") {
        return error_json(status::bad_request, "source must be agent or installer");
    }
    auto c = change_for(*host, std::string(source), "log");
    c.event.message = "failure log posted (" + std::to_string(body.size()) + " bytes)";
    c.log = inventory::HostLog{{}, std::string(source), util::escape_controls_but_lines(body)};
    return c;
}

std::optional<http::Reply> refuse_backup(const std::optional<inventory::Host>& host, std::string_view claimed,
                                         std::string_view computed)
{
    // 401, not the 404 of other token routes: an installer that meets it
    // stops its upgrade, and says the token was refused.
    if (!host || !host->install_requested()) {
        return error_json(status::unauthorized, "unknown or used-up token: no backup is kept for it");
    }
    if (claimed.size() != 64 || claimed.find_first_not_of("0123456789abcdefABCDEF") != std::string_view::npos) {
        return error_json(status::bad_request, "X-Checksum-SHA256 must be the archive's SHA-256 in hex");
    }
    std::string sent(claimed);
    std::transform(sent.begin(), sent.end(), sent.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (sent != computed) {
        return error_json(status::unprocessable_entity, "the body's SHA-256 is " + std::string(computed) +
                                                            ", not the " + sent + " it was sent with: nothing was kept");
    }
    return std::nullopt;
}

HostChange backup_kept(const inventory::Host& host, const std::string& id, std::uint64_t size,
                       const std::string& sha256)
{
    auto c = change_for(host, "server", "backup");
    c.event.message = "backup " + id + " kept (" + std::to_string(size) + " bytes, SHA-256 " + sha256 + ")";
    return c;
}

std::optional<AnswerfileRefusal> decide_answerfile_access(const std::optional<inventory::Host>& host,
                                                          const std::string& client,
                                                          const std::optional<std::string>& leased)
{
    if (!host || !host->install_requested()) {
        return AnswerfileRefusal{http::text_reply(status::not_found, "not found\n"), std::nullopt,
                                 "answerfile asked for with an unknown or used-up token"};
    }
    // The token is as public as PXE makes it (anyone can fetch a pending
    // host's boot config by its MAC). The answerfile carries the root
    // password's hash: served only while the host boots or installs, and,
    // with --bind-tokens-to-address, only to the address our DHCP leased to
    // that MAC.
    if (host->state != inventory::HostState::booting && host->state != inventory::HostState::installing) {
        return AnswerfileRefusal{http::text_reply(status::not_found, "not found\n"), std::nullopt,
                                 "answerfile of host " + host->mac +
                                     " asked for before the host booted its installer; refused"};
    }
    if (leased && *leased != client) {
        auto c = change_for(*host, "server", "answerfile");
        c.event.message = "answerfile refused to " + client + ", not the host's leased address " + *leased;
        return AnswerfileRefusal{http::text_reply(status::forbidden, "this answerfile is for another address\n"),
                                 std::move(c),
                                 "answerfile of host " + host->mac + " refused: its lease is " + *leased};
    }
    return std::nullopt;
}

std::optional<HostChange> answerfile_served(const inventory::Host& host, const std::string& client)
{
    // The first fetch starts the install; later ones (an installer that
    // retries) change nothing and write nothing.
    if (host.state == inventory::HostState::installing) {
        return std::nullopt;
    }
    auto c = change_for(host, "server", "answerfile");
    c.moves_state = true;
    c.event.percent = 0;
    c.event.message = "answerfile (" + std::string(to_string(host.next_mode)) + ", profile " + host.profile +
                      ") served to " + client;
    return c;
}

HostChange answerfile_failed(const inventory::Host& host, const std::string& reason)
{
    auto c = change_for(host, "server", "answerfile");
    c.event.message = reason;
    return c;
}

}  // namespace xcp::service
