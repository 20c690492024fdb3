#include "server/http/router.hpp"

#include <boost/url/parse_query.hpp>

#include <algorithm>
#include <stdexcept>

namespace xcp::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path)
{
    std::vector<std::string_view> out;
    if (path.starts_with('/')) {
        path.remove_prefix(1);
    }
    while (true) {
        const auto slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) {
            return out;
        }
        path.remove_prefix(slash + 1);
    }
}

bool allows(const std::vector<beast_http::verb>& methods, beast_http::verb method)
{
    if (methods.empty()) {
        return true;
    }
    const auto head_as_get = method == beast_http::verb::head ? beast_http::verb::get : method;
    return std::find(methods.begin(), methods.end(), head_as_get) != methods.end();
}

}  // namespace

std::optional<std::string> RouteRequest::query_value(std::string_view name) const
{
    for (const auto& [k, v] : query) {
        if (k == name) {
            return v;
        }
    }
    return std::nullopt;
}

void Router::param(std::string name, ParamParser parser)
{
    params_[std::move(name)] = std::move(parser);
}

void Router::add(std::vector<beast_http::verb> methods, std::string_view pattern, RouteHandler handler)
{
    Route route{std::move(methods), {}, std::move(handler)};
    for (const auto text : split_path(pattern)) {
        Segment s;
        if (text == "{}") {
            s.kind = Segment::Kind::any;
        } else if (text == "{...}") {
            s.kind = Segment::Kind::rest;
        } else if (text.size() > 2 && text.front() == '{' && text.back() == '}') {
            s.kind = Segment::Kind::param;
            s.text = text.substr(1, text.size() - 2);
            if (!params_.contains(s.text)) {
                throw std::logic_error("route " + std::string(pattern) + ": no parser for {" + s.text + "}");
            }
        } else {
            s.text = text;
        }
        if (!route.segments.empty() && route.segments.back().kind == Segment::Kind::rest) {
            throw std::logic_error("route " + std::string(pattern) + ": {...} must be last");
        }
        route.segments.push_back(std::move(s));
    }
    routes_.push_back(std::move(route));
}

Router::Match Router::match(beast_http::verb method, std::string_view path) const
{
    const auto segments = split_path(path);
    std::vector<std::string> allow;
    std::optional<ParamRefused> refused;
    for (const auto& route : routes_) {
        std::vector<std::string> values;
        bool matched = true;
        std::optional<ParamRefused> route_refusal;
        std::size_t i = 0;
        for (; i < route.segments.size() && matched; ++i) {
            const auto& s = route.segments[i];
            if (s.kind == Segment::Kind::rest) {
                break;
            }
            if (i >= segments.size() || (s.kind != Segment::Kind::literal && segments[i].empty())) {
                matched = false;  // an empty segment is no parameter: /things/ is not /things/{id}
                break;
            }
            switch (s.kind) {
            case Segment::Kind::literal:
                matched = segments[i] == s.text;
                break;
            case Segment::Kind::any:
                values.emplace_back(segments[i]);
                break;
            case Segment::Kind::param: {
                auto parsed = params_.find(s.text)->second(segments[i]);
                if (auto* value = std::get_if<std::string>(&parsed)) {
                    values.push_back(std::move(*value));
                } else if (!route_refusal) {
                    route_refusal = std::get<ParamRefused>(std::move(parsed));
                }
                break;
            }
            case Segment::Kind::rest:
                break;
            }
        }
        const bool takes_rest = i < route.segments.size() && route.segments[i].kind == Segment::Kind::rest;
        if (!matched || (!takes_rest && segments.size() != route.segments.size())) {
            continue;
        }
        if (takes_rest) {
            std::string rest;
            for (auto j = i; j < segments.size(); ++j) {
                rest += (j == i ? "" : "/") + std::string(segments[j]);
            }
            values.push_back(std::move(rest));
        }
        if (route_refusal) {
            refused = refused ? refused : route_refusal;
            continue;
        }
        if (allows(route.methods, method)) {
            return Found{&route.handler, std::move(values)};
        }
        for (const auto m : route.methods) {
            const std::string name(beast_http::to_string(m));
            if (std::find(allow.begin(), allow.end(), name) == allow.end()) {
                allow.push_back(name);
            }
            if (m == beast_http::verb::get && std::find(allow.begin(), allow.end(), "HEAD") == allow.end()) {
                allow.emplace_back("HEAD");
            }
        }
    }
    if (!allow.empty()) {
        std::string text;
        for (const auto& m : allow) {
            text += (text.empty() ? "" : ", ") + m;
        }
        return MethodNotAllowed{std::move(text)};
    }
    if (refused) {
        return BadParameter{refused->status, std::move(refused->reason)};
    }
    return NoRoute{};
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view encoded)
{
    if (encoded.empty()) {
        return std::vector<std::pair<std::string, std::string>>();
    }
    const auto params = boost::urls::parse_query(boost::core::string_view(encoded.data(), encoded.size()));
    if (!params) {
        return std::nullopt;
    }
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& p : *params) {
        out.emplace_back(p.key.decode(), p.has_value ? p.value.decode() : std::string());
    }
    return out;
}

}  // namespace xcp::http
