// Progress of an install: a line on the console for the person at the
// screen, and, when the answerfile came from an xcp-pxe server, an event to
// it (POST /api/v1/hosts/<token>/events). Reporting never stops an install.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace xcp::installer {

struct ProgressEvent {
    int percent = 0;
    std::string step;     // partition, mkfs, fetch, ...
    std::string message;  // one sentence
    std::optional<bool> success;  // set on the last event only
    // The disk the install is on, sent with every event: the server keeps
    // it once the install succeeds, and names it in the host's next upgrade.
    std::string disk{};
};

// The server's events URL for an answerfile served at
// http://host[:port]/answerfile/<token> with xcp-pxe's token shape (32
// lower-case hex digits); nullopt for any other URL.
std::optional<std::string> events_url_for(const std::string& answerfile_url);

// The JSON body the server's events endpoint takes.
std::string event_json(const ProgressEvent& e);

struct PostResult {
    int status = 0;       // the HTTP status, 0 when there was no answer
    std::string problem;  // "" once the server said 2xx
    std::string body{};   // the server's answer
    std::string sha256{};     // its X-Checksum-SHA256, when it sent one
    std::string backup_id{};  // its X-Backup-Id
};
// `headers`: more fields, name then value.
PostResult post_event(const std::string& url, const std::string& body, std::chrono::seconds timeout,
                      const std::string& content_type = "application/json",
                      const std::vector<std::pair<std::string, std::string>>& headers = {});

// GET, as post_event does POST (a short-lived loop, a deadline on each step).
PostResult get_from_server(const std::string& url, std::chrono::seconds timeout);

// The sibling of an events URL (.../hosts/<token>/events): "log", "backups".
// "" when `events_url` does not end in /events.
std::string sibling_url(const std::string& events_url, std::string_view name);

// The most of its log a failed install sends the server (its tail).
inline constexpr std::size_t max_log_bytes = 1024 * 1024;

class Progress {
public:
    // `events_url` empty: console only. On failure, the log's tail goes to
    // the sibling /log URL before the final event.
    Progress(std::ostream& console, std::string events_url);
    void report(const ProgressEvent& e);
    void step(int percent, std::string step, std::string message)
    {
        report({percent, std::move(step), std::move(message), std::nullopt});
    }
    // The primary disk every later event names.
    void set_disk(std::string disk) { disk_ = std::move(disk); }
    [[nodiscard]] int events_sent() const { return sent_; }
    // Every console line so far: the install log copied onto the new system.
    [[nodiscard]] const std::string& log() const { return log_; }
    void note(const std::string& line);  // a log line that is not a step
    // Sends the log's tail to the server (once): before anything that may
    // end the token's use (a report script, the failure event).
    void send_log();

private:
    std::ostream& console_;
    std::string url_;
    std::string log_;
    std::string disk_;
    int sent_ = 0;
    bool server_gone_ = false;
    bool log_sent_ = false;  // after a failure, later events are not tried for long
};

}  // namespace xcp::installer
