#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

namespace xcp::http {

struct WholeFile {};
struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t last = 0;  // inclusive
};
struct Unsatisfiable {};

// RFC 9110 section 14: one `bytes=` range (first-last, first-, -suffix) of a
// representation of `size` bytes. A header we cannot use (another unit,
// several ranges, bad syntax) means the whole file, as the RFC allows.
std::variant<WholeFile, ByteRange, Unsatisfiable> parse_range(std::string_view header, std::uint64_t size);

}  // namespace xcp::http
