// The inventory's times: ISO 8601 UTC, to the millisecond.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::inventory {

using TimePoint = std::chrono::system_clock::time_point;

// "2026-12-02T19:40:00.123Z"
std::string format_utc(TimePoint t);
std::string now_utc();
// Reads what format_utc writes, and the same without milliseconds (records
// written before times had them); nullopt for anything else.
std::optional<TimePoint> parse_utc(std::string_view text);

}  // namespace xcp::inventory
