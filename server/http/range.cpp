#include "server/http/range.hpp"

#include <charconv>

namespace xcp::http {
namespace {

bool parse_number(std::string_view text, std::uint64_t& out)
{
    if (text.empty()) {
        return false;
    }
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end;
}

std::string_view trim_spaces(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

}  // namespace

std::variant<WholeFile, ByteRange, Unsatisfiable> parse_range(std::string_view header, std::uint64_t size)
{
    header = trim_spaces(header);
    if (!header.starts_with("bytes=")) {
        return WholeFile{};
    }
    const auto spec = trim_spaces(header.substr(6));
    if (spec.find(',') != std::string_view::npos) {
        return WholeFile{};
    }
    const auto dash = spec.find('-');
    if (dash == std::string_view::npos) {
        return WholeFile{};
    }
    const auto first_text = trim_spaces(spec.substr(0, dash));
    const auto last_text = trim_spaces(spec.substr(dash + 1));
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    if (first_text.empty()) {
        // Suffix: the last N bytes.
        if (!parse_number(last_text, last)) {
            return WholeFile{};
        }
        if (last == 0 || size == 0) {
            return Unsatisfiable{};
        }
        return ByteRange{last >= size ? 0 : size - last, size - 1};
    }
    if (!parse_number(first_text, first)) {
        return WholeFile{};
    }
    if (last_text.empty()) {
        last = size == 0 ? 0 : size - 1;
    } else if (!parse_number(last_text, last) || last < first) {
        return WholeFile{};
    }
    if (first >= size) {
        return Unsatisfiable{};
    }
    return ByteRange{first, last >= size ? size - 1 : last};
}

}  // namespace xcp::http
