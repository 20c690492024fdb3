#include "installer-agent/disk/fat_directory.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace xcp::installer {
namespace {

constexpr unsigned char end_marker = 0x00;
constexpr unsigned char deleted = 0xe5;
constexpr unsigned char long_name_part = 0x0f;
constexpr unsigned char volume_label = 0x08;

// "grub.cfg" as it is stored: "GRUB    CFG"; nullopt when not 8.3.
std::optional<std::array<char, 11>> stored_name(std::string_view name)
{
    const auto dot = name.find('.');
    const auto base = name.substr(0, dot);
    const auto ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    if (base.empty() || base.size() > 8 || ext.size() > 3 || ext.find('.') != std::string_view::npos) {
        return std::nullopt;
    }
    std::array<char, 11> out{};
    out.fill(' ');
    for (std::size_t i = 0; i < base.size(); ++i) {
        out[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(base[i])));
    }
    for (std::size_t i = 0; i < ext.size(); ++i) {
        out[8 + i] = static_cast<char>(std::toupper(static_cast<unsigned char>(ext[i])));
    }
    return out;
}

bool whole_number(std::string_view s, std::uint32_t& out)
{
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::optional<std::size_t> find_short_entry(std::span<const unsigned char> directory, std::string_view name)
{
    const auto wanted = stored_name(name);
    if (!wanted) {
        return std::nullopt;
    }
    for (std::size_t i = 0; (i + 1) * fat_entry_size <= directory.size(); ++i) {
        const auto entry = directory.subspan(i * fat_entry_size, fat_entry_size);
        if (entry[0] == end_marker) {
            return std::nullopt;
        }
        const auto attributes = entry[11];
        if (entry[0] == deleted || attributes == long_name_part || (attributes & volume_label) != 0) {
            continue;
        }
        bool same = true;
        for (std::size_t k = 0; k < wanted->size() && same; ++k) {
            same = std::toupper(entry[k]) == static_cast<unsigned char>((*wanted)[k]);
        }
        if (same) {
            return i;
        }
    }
    return std::nullopt;
}

void exchange_entry_contents(std::span<unsigned char> directory, std::size_t a, std::size_t b)
{
    auto* first = directory.data() + a * fat_entry_size;
    auto* second = directory.data() + b * fat_entry_size;
    // First cluster, high half (FAT32) at 20, low half at 26; size at 28.
    for (const auto& [at, n] : {std::pair{20, 2}, std::pair{26, 2}, std::pair{28, 4}}) {
        std::swap_ranges(first + at, first + at + n, second + at);
    }
}

std::optional<std::vector<std::uint32_t>> parse_cluster_chain(std::string_view text)
{
    const auto start = text.find(" <");
    if (start == std::string_view::npos) {
        return std::nullopt;
    }
    // Each fragment in its brackets ("<4> <20>"), or ranges in one ("<4-6 9>").
    std::string rest(text.substr(start));
    while (!rest.empty() && (rest.back() == '\n' || rest.back() == ' ')) {
        rest.pop_back();
    }
    if (rest.find_first_not_of(" <>-0123456789") != std::string::npos || rest.back() != '>') {
        return std::nullopt;
    }
    std::vector<std::uint32_t> chain;
    constexpr std::uint64_t most = 1U << 20;  // far more than any directory's clusters
    std::string_view ranges(rest);
    while (!ranges.empty()) {
        const auto end = ranges.find_first_of(" <>");
        const auto range = ranges.substr(0, end);
        ranges = end == std::string_view::npos ? std::string_view() : ranges.substr(end + 1);
        if (range.empty()) {
            continue;
        }
        const auto dash = range.find('-');
        std::uint32_t from = 0;
        std::uint32_t to = 0;
        const auto first = range.substr(0, dash);
        const auto last = dash == std::string_view::npos ? first : range.substr(dash + 1);
        if (!whole_number(first, from) || !whole_number(last, to) || from < 2 || to < from ||
            chain.size() + (to - from) >= most) {
            return std::nullopt;
        }
        for (auto c = from; c <= to; ++c) {
            chain.push_back(c);
        }
    }
    if (chain.empty()) {
        return std::nullopt;
    }
    return chain;
}

}  // namespace xcp::installer
