#include "installer-agent/report/progress.hpp"

#include "libxcp/repository/connect.hpp"
#include "libxcp/util/text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <nlohmann/json.hpp>

#include <cstdio>

namespace xcp::installer {

namespace beast = boost::beast;
namespace http = beast::http;

std::optional<std::string> events_url_for(const std::string& answerfile_url)
{
    const auto parsed = boost::urls::parse_absolute_uri(answerfile_url);
    if (!parsed || parsed->scheme() != "http") {
        return std::nullopt;
    }
    const std::string path = parsed->path();
    const auto at = path.rfind("/answerfile/");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    // xcp-pxe's tokens: 32 lower-case hex digits. Anything else is another
    // server's answerfile, which takes no events and keeps no backups.
    const auto token = path.substr(at + 12);
    if (token.size() != 32 || token.find_first_not_of("0123456789abcdef") != std::string::npos) {
        return std::nullopt;
    }
    return "http://" + std::string(parsed->encoded_authority()) + path.substr(0, at) + "/api/v1/hosts/" + token +
           "/events";
}

std::string sibling_url(const std::string& events_url, std::string_view name)
{
    if (!events_url.ends_with("/events")) {
        return {};
    }
    return events_url.substr(0, events_url.size() - std::string_view("events").size()) + std::string(name);
}

std::string event_json(const ProgressEvent& e)
{
    nlohmann::json j{{"percent", e.percent}, {"step", e.step.substr(0, 64)}, {"message", e.message}};
    if (e.success) {
        j["final"] = *e.success ? "success" : "failure";
    }
    if (!e.disk.empty()) {
        j["disk"] = e.disk;
    }
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

using repository::checked;

// Asynchronous, so that the stream's deadline applies to every step: a
// server that stops answering cannot hold up the install.
boost::asio::awaitable<PostResult> exchange(http::verb verb, std::string host, std::string port, std::string target,
                                            std::string body, std::chrono::seconds timeout, std::string content_type,
                                            std::vector<std::pair<std::string, std::string>> headers)
{
    std::optional<beast::tcp_stream> connected;
    try {
        connected.emplace(co_await repository::connect_to(host, port, timeout, "events"));
    } catch (const repository::SourceError& e) {
        co_return PostResult{0, e.what()};
    }
    auto& stream = *connected;
    http::request<http::string_body> request{verb, target, 11};
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "xcp-installer");
    if (verb == http::verb::post) {
        request.set(http::field::content_type, content_type);
    }
    for (const auto& [name, value] : headers) {
        request.set(name, value);
    }
    request.body() = std::move(body);
    request.prepare_payload();
    stream.expires_after(timeout);
    if (auto [ec, n] = co_await http::async_write(stream, request, checked); ec) {
        co_return PostResult{0, "cannot send to " + host + ": " + ec.message()};
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(1ULL << 30);  // a restored backup (the server bounds what it keeps)
    stream.expires_after(timeout);
    if (auto [ec, n] = co_await http::async_read(stream, buffer, parser, checked); ec) {
        co_return PostResult{0, "no answer from " + host + ": " + ec.message()};
    }
    auto response = parser.release();
    const auto status = static_cast<int>(response.result_int());
    if (status / 100 != 2) {
        co_return PostResult{status,
                             "the server answered " + std::to_string(status) + ": " +
                                 std::string(util::trim(std::string_view(response.body()).substr(0, 200))),
                             response.body()};
    }
    co_return PostResult{status, {}, std::move(response.body()), std::string(response["X-Checksum-SHA256"]),
                         std::string(response["X-Backup-Id"])};
}

}  // namespace

namespace {

// One request on a loop of its own, so that every step has its deadline.
PostResult exchange_with(http::verb verb, const std::string& url, std::string body, std::chrono::seconds timeout,
                         std::string content_type, std::vector<std::pair<std::string, std::string>> headers,
                         const char* failure)
{
    const auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "http") {
        return {0, url + " is not an http:// URL"};
    }
    boost::asio::io_context io;
    PostResult result;
    boost::asio::co_spawn(io,
                          exchange(verb, parsed->host(), parsed->has_port() ? std::string(parsed->port()) : "80",
                                   std::string(parsed->encoded_path()), std::move(body), timeout,
                                   std::move(content_type), std::move(headers)),
                          [&](std::exception_ptr e, PostResult r) {
                              result = e ? PostResult{0, failure} : std::move(r);
                          });
    io.run();
    return result;
}

}  // namespace

PostResult post_event(const std::string& url, const std::string& body, std::chrono::seconds timeout,
                      const std::string& content_type, const std::vector<std::pair<std::string, std::string>>& headers)
{
    return exchange_with(http::verb::post, url, body, timeout, content_type, headers, "cannot post the event");
}

PostResult get_from_server(const std::string& url, std::chrono::seconds timeout)
{
    return exchange_with(http::verb::get, url, {}, timeout, {}, {}, "cannot ask the server");
}

Progress::Progress(std::ostream& console, std::string events_url) : console_(console), url_(std::move(events_url)) {}

void Progress::note(const std::string& line)
{
    console_ << line << std::endl;
    log_ += line + "\n";
}

void Progress::send_log()
{
    const auto log_url = sibling_url(url_, "log");
    if (log_sent_ || log_url.empty()) {
        return;
    }
    log_sent_ = true;
    const std::string_view tail =
        log_.size() > max_log_bytes ? std::string_view(log_).substr(log_.size() - max_log_bytes) : log_;
    const auto posted = post_event(log_url, std::string(tail), std::chrono::seconds(10), "text/plain");
    if (!posted.problem.empty()) {
        note("xcp-installer: cannot send the log to the server (" + posted.problem + ")");
    }
}

void Progress::report(const ProgressEvent& e)
{
    char head[16];
    std::snprintf(head, sizeof head, "[%3d%%] ", e.percent);
    const auto line = head + e.step + ": " + e.message;
    console_ << line << std::endl;
    log_ += line + "\n";
    if (url_.empty()) {
        return;
    }
    // A server that stopped answering gets a short timeout for the rest, so
    // that reporting cannot stretch the install; the final event always tries.
    const auto timeout = server_gone_ && !e.success ? std::chrono::seconds(1) : std::chrono::seconds(10);
    auto sent = e;
    if (sent.disk.empty()) {
        sent.disk = disk_;
    }
    if (e.success && !*e.success) {
        send_log();
    }
    const auto posted = post_event(url_, event_json(sent), timeout);
    const auto status = posted.status;
    const auto& problem = posted.problem;
    if (problem.empty()) {
        ++sent_;
        server_gone_ = false;
        return;
    }
    if (e.success && status == 404) {
        // An installation-complete script (the server's report script) has
        // already told the server, which then retired the token.
        note("xcp-installer: the server already has the outcome");
        return;
    }
    if (!server_gone_) {
        note("xcp-installer: cannot report progress to the server (" + problem + "); going on");
    }
    server_gone_ = true;
}

}  // namespace xcp::installer
