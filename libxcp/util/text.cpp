#include "libxcp/util/text.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

namespace xcp::util {

std::string_view trim(std::string_view text)
{
    const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!text.empty() && space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::optional<long long> to_int(std::string_view text)
{
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text)
{
    const auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        const std::uint8_t c = s[i];
        std::size_t len = 0;
        std::uint32_t min = 0;
        if (c == 0) {
            return i;  // NUL never occurs in an XML document
        }
        if (c < 0x80) {
            ++i;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            min = 0x10000;
        } else {
            return i;
        }
        if (i + len > n) {
            return i;
        }
        std::uint32_t cp = c & (0x7F >> len);
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) {
                return i;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return i;
        }
        i += len;
    }
    return std::nullopt;
}

bool declares_non_utf8_encoding(std::string_view text)
{
    const auto starts = [&](std::string_view bytes) { return text.substr(0, bytes.size()) == bytes; };
    using namespace std::string_view_literals;
    if (starts("\xFE\xFF"sv) || starts("\xFF\xFE"sv) || starts("\x00\x00\xFE\xFF"sv) || starts("\x00<\x00?"sv) ||
        starts("<\x00?\x00"sv)) {
        return true;  // UTF-16/32, with or without BOM
    }
    if (!starts("<?xml")) {
        return false;
    }
    const auto end = text.find("?>");
    std::string decl(text.substr(0, end));
    std::transform(decl.begin(), decl.end(), decl.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto enc = decl.find("encoding");
    if (enc == std::string::npos) {
        return false;
    }
    const auto value = decl.substr(enc);
    return value.find("utf-8") == std::string::npos && value.find("utf8") == std::string::npos;
}

std::size_t edit_distance(std::string_view a, std::string_view b)
{
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> candidates,
                                        std::size_t max_distance)
{
    if (word.size() > 64) {
        return std::nullopt;  // no name is that long; spare the quadratic work
    }
    std::optional<std::string_view> best;
    std::size_t best_distance = max_distance + 1;
    for (const auto candidate : candidates) {
        const auto d = edit_distance(word, candidate);
        if (d < best_distance) {
            best = candidate;
            best_distance = d;
        }
    }
    return best;
}

}  // namespace xcp::util
