#include "server/inventory/timestamp.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace xcp::inventory {
namespace {

bool read_number(std::string_view text, std::size_t at, std::size_t digits, int& out)
{
    if (at + digits > text.size()) {
        return false;
    }
    const auto* first = text.data() + at;
    const auto [end, ec] = std::from_chars(first, first + digits, out);
    return ec == std::errc() && end == first + digits;
}

}  // namespace

std::string format_utc(TimePoint t)
{
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char out[48];
    const int n = std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                                static_cast<int>(ms % 1000));
    return {out, static_cast<std::size_t>(n)};
}

std::string now_utc()
{
    return format_utc(std::chrono::system_clock::now());
}

std::optional<TimePoint> parse_utc(std::string_view text)
{
    // YYYY-MM-DDTHH:MM:SS[.mmm]Z
    if (text.size() != 20 && text.size() != 24) {
        return std::nullopt;
    }
    std::tm tm{};
    int ms = 0;
    if (!read_number(text, 0, 4, tm.tm_year) || text[4] != '-' || !read_number(text, 5, 2, tm.tm_mon) ||
        text[7] != '-' || !read_number(text, 8, 2, tm.tm_mday) || text[10] != 'T' ||
        !read_number(text, 11, 2, tm.tm_hour) || text[13] != ':' || !read_number(text, 14, 2, tm.tm_min) ||
        text[16] != ':' || !read_number(text, 17, 2, tm.tm_sec)) {
        return std::nullopt;
    }
    if (text.size() == 24 && (text[19] != '.' || !read_number(text, 20, 3, ms))) {
        return std::nullopt;
    }
    if (text.back() != 'Z' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60) {
        return std::nullopt;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    const std::time_t seconds = timegm(&tm);
    return std::chrono::system_clock::from_time_t(seconds) + std::chrono::milliseconds(ms);
}

}  // namespace xcp::inventory
