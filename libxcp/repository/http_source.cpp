#include "libxcp/repository/http_source.hpp"

#include "libxcp/repository/connect.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <thread>

namespace xcp::repository {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

using Final = FinalError;
using NotFound = NotFoundError;

}  // namespace

HttpSource::HttpSource(const std::string& url) : HttpSource(url, Settings{}) {}

HttpSource::HttpSource(const std::string& url, Settings settings) : RetryingSource(settings), url_(url)
{
    const auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || (parsed->scheme() != "http" && parsed->scheme() != "https") || parsed->host().empty()) {
        throw SourceError("'" + url + "' is not an http(s)://host[:port]/path URL");
    }
    host_ = parsed->host();
    const bool tls = parsed->scheme() == "https";
    port_ = parsed->has_port() ? std::string(parsed->port()) : tls ? "443" : "80";
    if (tls) {
        // The system's CAs (OpenSSL also reads SSL_CERT_FILE / SSL_CERT_DIR),
        // the peer verified, its name checked against the URL's host.
        tls_ = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
        tls_->set_default_verify_paths();
        tls_->set_verify_mode(asio::ssl::verify_peer);
        tls_->set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                          asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    }
    base_path_ = parsed->path();
    if (base_path_.empty() || base_path_.back() != '/') {
        base_path_ += '/';
    }
}

// Every step is an asynchronous operation under the stream's deadline:
// Beast's timeouts apply to asynchronous operations only, so a server that
// accepts and then stalls cannot hang the installer.

// The request and the response of one GET, on a plain or a TLS stream.
template <class Stream>
asio::awaitable<void> exchange(Stream& stream, const std::string& host, const std::string& target,
                               std::uint64_t& offset, std::chrono::seconds timeout, std::uint64_t limit,
                               const std::function<void(std::span<const std::byte>)>& sink, const std::string& what)
{
    auto& tcp = beast::get_lowest_layer(stream);
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "xcp-installer");
    if (offset > 0) {
        request.set(http::field::range, "bytes=" + std::to_string(offset) + "-");
    }
    tcp.expires_after(timeout);
    if (auto [ec, n] = co_await http::async_write(stream, request, checked); ec) {
        throw SourceError(what + ": " + ec.message());
    }
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    tcp.expires_after(timeout);
    if (auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, checked); ec) {
        throw SourceError(what + ": " + (ec == beast::error::timeout ? "no answer within " +
                                                                          std::to_string(timeout.count()) + " s"
                                                                    : ec.message()));
    }
    const auto status = parser.get().result_int();
    if (status == 404) {
        throw NotFound(what + ": 404 not found");
    }
    if (offset > 0 && status != 206) {
        throw Final(what + ": the server ignored the Range request (" + std::to_string(status) + ")");
    }
    if (status != 200 && status != 206) {
        throw Final(what + ": HTTP " + std::to_string(status));
    }
    std::array<char, 1 << 16> chunk{};
    while (!parser.is_done()) {
        parser.get().body().data = chunk.data();
        parser.get().body().size = chunk.size();
        tcp.expires_after(timeout);
        auto [ec, read] = co_await http::async_read(stream, buffer, parser, checked);
        if (ec == http::error::need_buffer) {
            ec = {};
        }
        const auto n = chunk.size() - parser.get().body().size;
        if (n > 0) {
            if (offset + n > limit) {
                throw Final(what + ": larger than " + std::to_string(limit) + " bytes");
            }
            sink(std::as_bytes(std::span(chunk.data(), n)));
            offset += n;
        }
        if (ec) {
            throw SourceError(what + ": cut after " + std::to_string(offset) + " bytes: " +
                              (ec == beast::error::timeout ? "stalled for " + std::to_string(timeout.count()) + " s"
                                                           : ec.message()));
        }
    }
}

// Strings by value: a coroutine's frame outlives the caller's temporaries.
asio::awaitable<void> get(std::string host, std::string port, asio::ssl::context* tls, std::string target,
                          std::uint64_t& offset, std::chrono::seconds timeout, std::uint64_t limit,
                          const std::function<void(std::span<const std::byte>)>& sink, std::string what)
{
    auto stream = co_await connect_to(host, port, timeout, what);
    if (tls == nullptr) {
        co_await exchange(stream, host, target, offset, timeout, limit, sink, what);
        co_return;
    }
    beast::ssl_stream<beast::tcp_stream> secure(std::move(stream), *tls);
    // SSL_set_tlsext_host_name is a macro with a C cast; this is what it does.
    if (SSL_ctrl(secure.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str())) != 1) {
        throw Final(what + ": cannot set the TLS server name " + host);
    }
    secure.set_verify_callback(asio::ssl::host_name_verification(host));
    beast::get_lowest_layer(secure).expires_after(timeout);
    if (auto [ec] = co_await secure.async_handshake(asio::ssl::stream_base::client, checked); ec) {
        // A certificate that does not verify will not verify on a retry.
        const bool verify = ec.category() == asio::error::get_ssl_category();
        const auto text = what + ": TLS handshake with " + host + ":" + port + " failed: " + ec.message() +
                          (verify ? " (the server's certificate is not trusted: add its CA to the system's, or "
                                    "point SSL_CERT_FILE at it)"
                                  : "");
        if (verify) {
            throw Final(text);
        }
        throw SourceError(text);
    }
    co_await exchange(secure, host, target, offset, timeout, limit, sink, what);
    beast::get_lowest_layer(secure).expires_after(std::chrono::seconds(2));
    co_await secure.async_shutdown(checked);  // the body is complete; a peer that just closes is fine
}

// One GET from `offset` on (see RetryingSource::fetch_once).
void HttpSource::fetch_once(const std::string& path, std::uint64_t& offset, std::uint64_t limit,
                            const std::function<void(std::span<const std::byte>)>& sink)
{
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io,
                   get(host_, port_, tls_.get(), base_path_ + path, offset, settings().io_timeout, limit, sink,
                       url_ + path),
                   [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace xcp::repository
