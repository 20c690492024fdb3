// Small text helpers shared by the parsers.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace xcp::util {

std::string_view trim(std::string_view text);

// Whole decimal number, no sign other than '-', no trailing text.
std::optional<long long> to_int(std::string_view text);

// Offset of the first byte that breaks UTF-8, or nullopt when all is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

// True when the text starts with a byte-order mark or an XML declaration naming
// an encoding other than UTF-8 (the XML parser converts those itself).
bool declares_non_utf8_encoding(std::string_view text);

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` within `max_distance` edits, if any.
std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> candidates,
                                        std::size_t max_distance);

}  // namespace xcp::util
