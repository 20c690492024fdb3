#include "server/service/json_reply.hpp"

namespace xcp::service {

http::Reply json_reply(http::beast_http::status status, const nlohmann::json& body)
{
    return http::text_reply(status, body.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                            "application/json");
}

http::Reply error_json(http::beast_http::status status, const std::string& message)
{
    return json_reply(status, nlohmann::json{{"error", message}});
}

}  // namespace xcp::service
