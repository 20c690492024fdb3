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

DeclaredEncoding declared_encoding(std::string_view text)
{
    const auto starts = [&](std::string_view bytes) { return text.substr(0, bytes.size()) == bytes; };
    using namespace std::string_view_literals;
    if (starts("\xFE\xFF"sv) || starts("\xFF\xFE"sv) || starts("\x00\x00\xFE\xFF"sv) || starts("\x00<\x00?"sv) ||
        starts("<\x00?\x00"sv)) {
        return {XmlEncoding::converted, "UTF-16/32"};
    }
    if (starts("\xEF\xBB\xBF"sv)) {
        text.remove_prefix(3);
    }
    if (text.substr(0, 5) != "<?xml") {
        return {};
    }
    const auto decl = text.substr(0, text.find("?>"));
    const auto at = decl.find("encoding");
    if (at == std::string_view::npos) {
        return {};
    }
    const auto open = decl.find_first_of("\"'", at);
    const auto close = open == std::string_view::npos ? open : decl.find(decl[open], open + 1);
    if (close == std::string_view::npos) {
        return {XmlEncoding::unsupported, std::string(decl.substr(at, 40))};
    }
    std::string name(decl.substr(open + 1, close - open - 1));
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "utf-8" || lower == "utf8") {
        return {XmlEncoding::utf8, name};
    }
    // What pugixml converts by itself. A UTF-16/32 declaration in a file whose
    // bytes are not UTF-16/32 (tested above) is read as UTF-8, and checked so.
    if (lower == "iso-8859-1" || lower == "latin1") {
        return {XmlEncoding::converted, name};
    }
    if (lower == "utf-16" || lower == "utf-32") {
        return {XmlEncoding::utf8, name};
    }
    return {XmlEncoding::unsupported, name};
}

std::vector<std::string_view> split(std::string_view text, char separator)
{
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (true) {
        const auto end = text.find(separator, start);
        out.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) {
            return out;
        }
        start = end + 1;
    }
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

namespace {

void append_escaped(std::string& out, unsigned char u)
{
    constexpr char hex[] = "0123456789abcdef";
    out += "\\x";
    out += hex[u >> 4];
    out += hex[u & 0xF];
}

}  // namespace

std::string printable(std::string_view text, std::size_t max)
{
    std::string out;
    for (const char c : text.substr(0, max)) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isprint(u) != 0 && c != '\\') {
            out += c;
        } else {
            append_escaped(out, u);
        }
    }
    if (text.size() > max) {
        out += "...(" + std::to_string(text.size()) + " bytes)";
    }
    return out;
}

namespace {

// The length of the well-formed UTF-8 sequence at the start of `text`
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view text)
{
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const auto lead = byte(0);
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the second byte's range
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (text.size() < length || byte(1) < low || byte(1) > high) {
        return 0;
    }
    for (std::size_t i = 2; i < length; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xbf) {
            return 0;
        }
    }
    return length;
}

// Control characters (but those in `keep`), C1 controls (U+0080 to U+009F,
// which a terminal obeys too) and bytes that are not well-formed UTF-8, as
// \xNN: the result is valid UTF-8, which PostgreSQL requires of text.
std::string escape_controls_except(std::string_view text, std::string_view keep)
{
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const char c = text[i];
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x80) {
            if ((u >= 0x20 && u != 0x7f) || keep.find(c) != std::string_view::npos) {
                out += c;
            } else {
                append_escaped(out, u);
            }
            ++i;
            continue;
        }
        const auto length = utf8_sequence(text.substr(i));
        const bool c1_control = length == 2 && u == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0;
        if (length == 0 || c1_control) {
            append_escaped(out, u);
            ++i;
            continue;
        }
        out.append(text.substr(i, length));
        i += length;
    }
    return out;
}

}  // namespace

std::string escape_controls(std::string_view text)
{
    return escape_controls_except(text, {});
}

std::string escape_controls_but_lines(std::string_view text)
{
    return escape_controls_except(text, "\n\t");
}

}  // namespace xcp::util
