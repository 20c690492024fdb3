// Small text helpers shared by the parsers.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::util {

std::string_view trim(std::string_view text);

// Whole decimal number, no sign other than '-', no trailing text.
std::optional<long long> to_int(std::string_view text);

// Offset of the first byte that breaks UTF-8, or nullopt when all is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

enum class XmlEncoding {
    utf8,         // no BOM, no declaration, or one naming UTF-8: must be valid UTF-8
    converted,    // UTF-16/32 or ISO-8859-1: the XML parser converts it to UTF-8
    unsupported,  // declared, but nothing we can read; `name` says which
};
struct DeclaredEncoding {
    XmlEncoding kind = XmlEncoding::utf8;
    std::string name;
};

// What the byte-order mark or the XML declaration says the encoding is.
DeclaredEncoding declared_encoding(std::string_view text);

// Text from the network or a file, safe for a log line or a message: bytes
// outside printable ASCII and backslashes become \xNN, and it is cut at `max`.
std::string printable(std::string_view text, std::size_t max = 200);
// Control characters (C0, DEL and C1) and bytes that are not well-formed
// UTF-8 become \xNN; everything else, UTF-8 and backslashes included, is
// kept. For what others send that reaches a log, a terminal or the inventory:
// no line breaks, no escape sequences, always valid UTF-8 (a text
// PostgreSQL accepts, even when a message was cut inside a character).
std::string escape_controls(std::string_view text);
// The same, but line breaks and tabs are kept: a log to be shown as lines.
std::string escape_controls_but_lines(std::string_view text);

// The pieces between separators, empty ones included: "a,,b" is a, "", b.
std::vector<std::string_view> split(std::string_view text, char separator);

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` within `max_distance` edits, if any.
std::optional<std::string_view> closest(std::string_view word, std::span<const std::string_view> candidates,
                                        std::size_t max_distance);

}  // namespace xcp::util
