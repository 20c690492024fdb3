#pragma once

#include "server/files/confined_root.hpp"
#include "server/http/handler.hpp"

#include <string>

namespace xcp::http {

// GET or HEAD of one file of a confined root: Content-Length, ETag and
// If-None-Match, Last-Modified, one byte range (206, or 416). `path` comes
// from files::normalize_path. `refusal` receives the reason of a 403 or 404
// for the log.
Reply serve_file(const files::ConfinedRoot& root, const std::string& path, const Request& request,
                 std::string& refusal);

// "ino-size-mtime" in hex, quoted: changes whenever the file does.
std::string etag_of(const struct stat& st);

}  // namespace xcp::http
