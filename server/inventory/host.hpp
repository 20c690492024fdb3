// A host the server knows, and what happens to it: the inventory's domain,
// without storage.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::inventory {

// What the host does the next time it network-boots with netboot on.
enum class NextMode { none, install, reinstall, upgrade, restore };
enum class HostState { new_, booting, installing, installed, failed };

std::string_view to_string(NextMode mode);
std::string_view to_string(HostState state);
std::optional<NextMode> next_mode_from(std::string_view text);
std::optional<HostState> host_state_from(std::string_view text);

struct Host {
    std::string mac;  // aa:bb:cc:dd:ee:ff
    std::string hostname;
    std::string profile = "default";
    std::map<std::string, std::string> vars;  // see host_vars.hpp
    NextMode next_mode = NextMode::install;
    bool netboot = true;
    HostState state = HostState::new_;
    std::optional<int> percent;
    std::string step;
    std::string reason;  // why it failed
    std::string release;  // empty: the configured default boot files
    std::optional<std::string> token;  // set while an install is requested
    std::string created, updated;  // ISO 8601 UTC
    // The server that last heard from the host, when several share the
    // inventory; set by the inventory as it records the host's events.
    std::string seen_by;

    // Marked for installation: its answerfile may be served.
    [[nodiscard]] bool install_requested() const { return netboot && next_mode != NextMode::none && token; }
    bool operator==(const Host&) const = default;
};

enum class Final { success, failure };

// A report about a host's install: from the agent (events API), the vendor
// installer (report URL), or the server itself (boot config served).
struct Event {
    std::int64_t id = 0;
    std::string at;      // ISO 8601 UTC
    std::string source;  // agent, installer, server, admin
    std::string step;
    std::optional<int> percent;
    std::string message;
    std::optional<Final> final;
    std::int64_t repeats = 1;  // the same event again, coalesced into this one
    // A fetch (TFTP, HTTP): what it moved and how long it took. A repeat
    // keeps the latest.
    std::optional<std::int64_t> bytes{};
    std::optional<std::int64_t> duration_ms{};
    std::string server{};  // the server that recorded it; empty: the CLI
};

// The installer's log a host posted when its install failed.
struct HostLog {
    std::string at;
    std::string source;  // agent, installer
    std::string text;
};

std::string_view to_string(Final final);

// An xcp-pxe server sharing the inventory, as it registered itself.
struct ServerRecord {
    std::string name;
    std::string segment;  // the network it serves, as the operator names it
    std::string address;  // where its hosts reach it (http://...)
    std::string started, heartbeat;  // ISO 8601 UTC
};

}  // namespace xcp::inventory
