// Where the installer reads from: repositories and small files (the
// answerfile, scripts) by URL or path.
#pragma once

#include "libxcp/repository/verify.hpp"

#include <memory>
#include <string>

namespace xcp::installer {

// How a repository argument is described in --help.
inline constexpr const char* repository_help =
    "Repository: a directory, file:///path, http(s)://host[:port]/path, ftp://[user@]host/path or nfs://server:/path";

// A repository at a directory, file:///path, http(s)://, ftp:// or nfs://.
// Throws SourceError with one sentence for anything else.
std::unique_ptr<repository::Source> open_repository(const std::string& where);

// open_repository for a sub-command: null after printing why on stderr.
std::unique_ptr<repository::Source> open_repository_or_say(const std::string& where);

// "auto": lbzip2 when it is on PATH; "builtin": libarchive's own decoder.
std::string bzip2_program(const std::string& option);

// A whole small file from http://, file:// or a path. Throws SourceError.
std::string fetch_text(const std::string& where);

}  // namespace xcp::installer
