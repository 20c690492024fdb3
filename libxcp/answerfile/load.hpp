#pragma once

#include "libxcp/answerfile/parser.hpp"

#include <filesystem>

namespace xcp::answerfile {

// Reads and parses a file, refusing to read more than max_answerfile_bytes.
// A file that cannot be read is one error diagnostic naming the reason.
ParseResult load_file(const std::filesystem::path& path, const ParseOptions& options = {});

}  // namespace xcp::answerfile
