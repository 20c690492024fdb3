// Where the installer reads from: repositories and small files (the
// answerfile, scripts) by URL or path.
#pragma once

#include "libxcp/repository/verify.hpp"

#include <memory>
#include <string>

namespace xcp::installer {

// A repository at a directory, file:///path or http://host[:port]/path.
// Throws SourceError with one sentence for anything else.
std::unique_ptr<repository::Source> open_repository(const std::string& where);

// A whole small file from http://, file:// or a path. Throws SourceError.
std::string fetch_text(const std::string& where);

}  // namespace xcp::installer
