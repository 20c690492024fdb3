#pragma once

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/status.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace xcp::http {

// The status line and header of a response, as sent: the handler's fields,
// then Server, Content-Length (when given) and Connection where the version's
// default does not already say it. Written straight into `out` (cleared
// first) so that a connection reuses one buffer for every response.
void write_response_head(std::string& out, boost::beast::http::status status, unsigned version,
                         const boost::beast::http::fields& fields, std::optional<std::uint64_t> content_length,
                         bool keep_alive);

}  // namespace xcp::http
