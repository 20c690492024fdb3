#pragma once

#include "libxcp/util/unique_fd.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::http {

namespace beast_http = boost::beast::http;
using Request = beast_http::request<beast_http::string_body>;

// Part of a file, sent with sendfile(2) so that it never passes through
// user space.
struct FileSlice {
    UniqueFd fd;
    std::uint64_t offset = 0;
    std::uint64_t length = 0;
};

// What a handler answers. The server adds Content-Length, Server, Date and
// Connection, and sends no body for HEAD.
struct Reply {
    beast_http::status status = beast_http::status::ok;
    beast_http::fields headers;
    std::string body;
    std::optional<FileSlice> file;  // instead of `body`
    std::uint64_t head_length = 0;  // HEAD: the length a GET would have sent
};

Reply text_reply(beast_http::status status, std::string body, std::string_view content_type = "text/plain");

struct Client {
    boost::asio::ip::address address;
    std::uint16_t port = 0;
};

// What the server did with one request, for the handler's records.
struct Served {
    Client client;
    beast_http::verb method = beast_http::verb::get;
    std::string target;  // as the client sent it
    beast_http::status status = beast_http::status::ok;
    std::uint64_t bytes = 0;  // body bytes sent
    double ms = 0;
    bool complete = true;
};

// The product's side of HTTP: the server knows nothing of hosts or tokens.
class Handler {
public:
    virtual ~Handler() = default;
    virtual Reply handle(const Request& request, const Client& client) = 0;
    // True when handling this request may wait on something slow (a
    // database lock): the server then calls handle() off its I/O thread, so
    // that static files and other connections go on meanwhile. Such calls
    // come from one thread at a time.
    [[nodiscard]] virtual bool waits(const Request& /*request*/) const { return false; }
    // A request that waits() may still be answered at once, on the I/O
    // thread, from what the handler knows without waiting; nullopt: it is
    // handled off the I/O thread as waits() says. Called from any I/O thread.
    [[nodiscard]] virtual std::optional<Reply> answer_now(const Request& /*request*/, const Client& /*client*/)
    {
        return std::nullopt;
    }
    // The request target as it may appear in a log (secrets in it replaced).
    [[nodiscard]] virtual std::string loggable_target(std::string_view target) const { return std::string(target); }
    // The largest body this request may have, asked once its header is in;
    // nullopt: the server's default. Runs on the I/O thread.
    [[nodiscard]] virtual std::optional<std::size_t> body_limit(const Request& /*header*/) const { return std::nullopt; }
    // The most body_limit() ever returns (0: it never raises the default).
    [[nodiscard]] virtual std::size_t largest_body_limit() const { return 0; }
    // A response was sent (or the connection ended during it). Runs on the
    // I/O thread: it must not wait.
    virtual void served(const Served& /*served*/) {}
};

}  // namespace xcp::http
