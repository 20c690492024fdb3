#include "libxcp/net/address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

namespace xcp::net {
namespace {

template <int Family, std::size_t Size>
bool parses_as(std::string_view text)
{
    if (text.empty() || text.size() > 64) {
        return false;
    }
    const std::string copy(text);  // inet_pton needs a terminated string
    std::array<unsigned char, Size> out{};
    return inet_pton(Family, copy.c_str(), out.data()) == 1;
}

}  // namespace

bool is_ipv4(std::string_view text) { return parses_as<AF_INET, 4>(text); }
bool is_ipv6(std::string_view text) { return parses_as<AF_INET6, 16>(text); }
bool is_ip(std::string_view text) { return is_ipv4(text) || is_ipv6(text); }

bool is_ipv4_netmask(std::string_view text)
{
    if (!is_ipv4(text)) {
        return false;
    }
    const std::string copy(text);
    in_addr addr{};
    inet_pton(AF_INET, copy.c_str(), &addr);
    const std::uint32_t mask = ntohl(addr.s_addr);
    // Contiguous ones from the top: the inverted mask plus one is a power of two.
    const std::uint32_t inverted = ~mask;
    return (inverted & (inverted + 1)) == 0;
}

bool is_ipv6_with_prefix(std::string_view text)
{
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return false;
    }
    const auto prefix_text = text.substr(slash + 1);
    int prefix = -1;
    const auto [end, ec] = std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
    return ec == std::errc{} && end == prefix_text.data() + prefix_text.size() && prefix >= 0 && prefix <= 128 &&
           is_ipv6(text.substr(0, slash));
}

bool is_hostname(std::string_view text)
{
    if (text.empty() || text.size() > 253) {
        return false;
    }
    if (text.back() == '.') {
        text.remove_suffix(1);
    }
    std::size_t start = 0;
    while (start <= text.size()) {
        auto dot = text.find('.', start);
        if (dot == std::string_view::npos) {
            dot = text.size();
        }
        const auto label = text.substr(start, dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        const bool ok = std::all_of(label.begin(), label.end(), [](unsigned char c) {
            return std::isalnum(c) != 0 || c == '-';
        });
        if (!ok) {
            return false;
        }
        start = dot + 1;
    }
    return true;
}

std::optional<std::string> normalize_mac(std::string_view text)
{
    std::string hex;
    for (const char c : text) {
        if (std::isxdigit(static_cast<unsigned char>(c)) != 0) {
            hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        } else if (c != ':' && c != '-' && c != '.') {
            return std::nullopt;
        }
    }
    if (hex.size() != 12) {
        return std::nullopt;
    }
    // Separators, when present, must sit between whole groups of the same form.
    const bool plain = text.size() == 12;
    const bool sixes = text.size() == 17 && (text[2] == ':' || text[2] == '-');
    const bool cisco = text.size() == 14 && text[4] == '.' && text[9] == '.';
    if (sixes) {
        for (std::size_t i = 2; i < 17; i += 3) {
            if (text[i] != text[2]) {
                return std::nullopt;
            }
        }
    }
    if (!plain && !sixes && !cisco) {
        return std::nullopt;
    }
    std::string out;
    for (std::size_t i = 0; i < 12; i += 2) {
        if (!out.empty()) {
            out += ':';
        }
        out += hex.substr(i, 2);
    }
    return out;
}

}  // namespace xcp::net
