#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace xcp::cli {

// One CSV line (RFC 4180: fields may be quoted, "" is a quote inside quotes).
// Throws std::invalid_argument on an unterminated quote.
std::vector<std::string> split_csv_line(std::string_view line);

}  // namespace xcp::cli
