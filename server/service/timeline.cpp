#include "server/service/timeline.hpp"

#include "server/inventory/timestamp.hpp"

#include <algorithm>

namespace xcp::service {
namespace {

using inventory::Event;

// The phase an event belongs to; nullopt for what is not part of a build
// (an operator's change, a stall).
std::optional<std::string> phase_of(const Event& e, bool after_report)
{
    if (e.final || (e.source == "installer" && e.step == "complete")) {
        return "report";
    }
    if (e.step == "log") {
        return std::nullopt;  // a failure log posted: news, not a phase
    }
    if (e.source == "dhcp") {
        return after_report ? std::optional<std::string>() : "dhcp";
    }
    if (e.source == "tftp" || e.source == "http") {
        if (after_report) {
            return e.step == "config" ? std::optional<std::string>("local boot") : std::nullopt;
        }
        return e.step == "kernel" ? "kernel and image" : e.step;
    }
    if (after_report) {
        return std::nullopt;
    }
    if (e.source == "server" && e.step == "boot") {
        return "config";
    }
    if (e.step == "answerfile") {
        return "answerfile";
    }
    if (e.source == "agent") {
        return e.step.empty() ? "installer" : e.step;
    }
    return std::nullopt;
}

std::int64_t ms_between(inventory::TimePoint a, inventory::TimePoint b)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

}  // namespace

Timeline build_timeline(const std::vector<Event>& events)
{
    Timeline t;
    // The latest build begins with the last install config served, or just
    // before it with the DHCP answer that led there; without one, after the
    // report before the last one.
    std::optional<std::size_t> boot;
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (events[i].source == "server" && events[i].step == "boot") {
            boot = i;
        }
    }
    std::size_t begin = 0;
    if (boot) {
        begin = *boot;
        for (std::size_t i = *boot; i-- > 0;) {
            // An operator's request (reinstall) or a report ends the search:
            // DHCP before them belongs to an earlier boot.
            if (events[i].final || events[i].source == "admin") {
                break;
            }
            if (events[i].source == "dhcp") {
                begin = i;
            }
        }
    } else {
        std::optional<std::size_t> last_final;
        std::optional<std::size_t> previous_final;
        for (std::size_t i = 0; i < events.size(); ++i) {
            if (events[i].final) {
                previous_final = last_final;
                last_final = i;
            }
        }
        if (previous_final) {
            begin = *previous_final + 1;
        }
    }

    bool after_report = false;
    std::optional<inventory::TimePoint> build_start;
    for (std::size_t i = begin; i < events.size(); ++i) {
        const auto& e = events[i];
        const auto phase = phase_of(e, after_report);
        const auto at = inventory::parse_utc(e.at);
        if (!phase || !at) {
            continue;
        }
        const auto start = *at - std::chrono::milliseconds(e.duration_ms.value_or(0));
        if (!build_start) {
            build_start = start;
            t.started = inventory::format_utc(start);
        }
        if (!t.spans.empty() && t.spans.back().phase == *phase) {
            auto& span = t.spans.back();
            span.end = inventory::format_utc(std::max(*at, *inventory::parse_utc(span.end)));
        } else {
            // An installer step lasts until the next phase begins.
            if (!t.spans.empty() && events[i].source == "agent") {
                auto& prev = t.spans.back();
                const auto prev_end = inventory::parse_utc(prev.end);
                if (prev_end && *prev_end < start && prev.phase != "dhcp" && prev.phase != "loader" &&
                    prev.phase != "kernel and image") {
                    prev.end = inventory::format_utc(start);
                }
            }
            t.spans.push_back({*phase, inventory::format_utc(start), inventory::format_utc(*at), 0, 0, 0});
        }
        auto& span = t.spans.back();
        span.bytes += e.bytes.value_or(0);
        span.events += e.repeats;
        if (*phase == "report" && t.finished.empty()) {
            t.outcome = e.final ? std::string(to_string(*e.final)) : std::string();
            t.finished = inventory::format_utc(*at);
            t.build_ms = ms_between(*build_start, *at);
            after_report = true;
        }
    }
    for (auto& span : t.spans) {
        span.ms = ms_between(*inventory::parse_utc(span.start), *inventory::parse_utc(span.end));
        auto it = std::find_if(t.phase_ms.begin(), t.phase_ms.end(),
                               [&](const auto& p) { return p.first == span.phase; });
        if (it == t.phase_ms.end()) {
            t.phase_ms.emplace_back(span.phase, span.ms);
        } else {
            it->second += span.ms;
        }
    }
    return t;
}

std::string format_duration(std::int64_t ms)
{
    if (ms < 0) {
        ms = 0;
    }
    if (ms < 10'000) {
        const auto tenths = (ms + 50) / 100;
        return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " s";
    }
    const auto s = ms / 1000;
    if (s < 3600) {
        return s < 60 ? std::to_string(s) + " s" : std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
    }
    return std::to_string(s / 3600) + " h " + std::to_string((s % 3600) / 60) + " min";
}

}  // namespace xcp::service
