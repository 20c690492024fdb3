// Routes as a table: method, pattern and handler, with the path's parameters
// parsed once, by the parser named in the pattern. Knows nothing of the
// product: parsers and handlers are given by the caller.
#pragma once

#include "server/http/handler.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace xcp::http {

// What a route's handler is given.
struct RouteRequest {
    const Request& request;
    const Client& client;
    std::vector<std::string> params;                           // in pattern order, as parsed
    std::vector<std::pair<std::string, std::string>> query;  // decoded, in order

    [[nodiscard]] std::optional<std::string> query_value(std::string_view name) const;
};

using RouteHandler = std::function<Reply(const RouteRequest&)>;

// A parameter's text parsed: its value, or why it is not one (a sentence
// for a 400 when no other route takes the path).
struct ParamRefused {
    beast_http::status status = beast_http::status::bad_request;
    std::string reason;
};
using ParamParser = std::function<std::variant<std::string, ParamRefused>(std::string_view)>;

class Router {
public:
    // A named parameter kind used as {name} in patterns.
    void param(std::string name, ParamParser parser);

    // Pattern: "/answerfile/{token}", "/api/v1/hosts/{mac}/{action}". A
    // segment is a literal or a whole {parameter}; "{}" takes any one
    // non-empty segment as it is, and a last "{...}" takes the rest (zero or
    // more segments). `methods` empty: any method. GET also answers HEAD.
    void add(std::vector<beast_http::verb> methods, std::string_view pattern, RouteHandler handler);

    struct Found {
        const RouteHandler* handler = nullptr;
        std::vector<std::string> params;
    };
    struct MethodNotAllowed {
        std::string allow;  // "GET, HEAD, POST"
    };
    struct BadParameter {
        beast_http::status status;
        std::string reason;
    };
    struct NoRoute {};
    using Match = std::variant<Found, MethodNotAllowed, BadParameter, NoRoute>;

    // The first route whose pattern and method match `path` (decoded).
    // Else: 405 when a pattern matched with another method, a parameter's
    // refusal when one was refused, or no route.
    [[nodiscard]] Match match(beast_http::verb method, std::string_view path) const;

private:
    struct Segment {
        enum class Kind { literal, param, any, rest } kind = Kind::literal;
        std::string text;  // the literal, or the parameter's name
    };
    struct Route {
        std::vector<beast_http::verb> methods;
        std::vector<Segment> segments;
        RouteHandler handler;
    };
    std::map<std::string, ParamParser, std::less<>> params_;
    std::vector<Route> routes_;
};

// Splits a query string (no '?') into decoded name/value pairs; nullopt when
// it is not one.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view encoded);

}  // namespace xcp::http
