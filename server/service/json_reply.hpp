// JSON replies of the service's APIs.
#pragma once

#include "server/http/handler.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace xcp::service {

// Invalid UTF-8 in a value (a path echoed back) is replaced, never thrown on.
http::Reply json_reply(http::beast_http::status status, const nlohmann::json& body);
// {"error": message}
http::Reply error_json(http::beast_http::status status, const std::string& message);

}  // namespace xcp::service
