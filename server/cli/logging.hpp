#pragma once

#include <string>

namespace xcp::cli {

// One logger for the whole process, to stderr: time, level, message.
// Throws std::invalid_argument for an unknown level name.
void setup_logging(const std::string& level);

}  // namespace xcp::cli
