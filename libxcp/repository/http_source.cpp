#include "libxcp/repository/http_source.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
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

constexpr std::uint64_t max_manifest = 64U * 1024 * 1024;

// Not worth a retry: the server answered, and the answer is final.
struct Final : SourceError {
    using SourceError::SourceError;
};
struct NotFound : Final {
    using Final::Final;
};

}  // namespace

HttpSource::HttpSource(const std::string& url) : HttpSource(url, Settings{}) {}

HttpSource::HttpSource(const std::string& url, Settings settings) : url_(url), settings_(settings)
{
    const auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "http" || parsed->host().empty()) {
        throw SourceError("'" + url + "' is not an http://host[:port]/path URL" +
                          (parsed && parsed->scheme() == "https" ? " (https sources are not written yet)" : ""));
    }
    host_ = parsed->host();
    port_ = parsed->has_port() ? std::string(parsed->port()) : "80";
    base_path_ = parsed->path();
    if (base_path_.empty() || base_path_.back() != '/') {
        base_path_ += '/';
    }
}

// One GET from `offset` on, body bytes to `sink`, `offset` advanced by each
// byte delivered (also when the transfer is then cut). Throws SourceError
// (retryable) or Final.
static void get_once(const std::string& host, const std::string& port, const std::string& target,
                     std::uint64_t& offset, std::chrono::seconds timeout, std::uint64_t limit,
                     const std::function<void(std::span<const std::byte>)>& sink, const std::string& what)
{
    asio::io_context io;
    beast::tcp_stream stream(io);
    asio::ip::tcp::resolver resolver(io);
    beast::error_code ec;
    const auto endpoints = resolver.resolve(host, port, ec);
    if (ec) {
        throw Final(what + ": cannot resolve " + host + ": " + ec.message());
    }
    stream.expires_after(timeout);
    stream.connect(endpoints, ec);
    if (ec) {
        throw SourceError(what + ": cannot connect to " + host + ":" + port + ": " + ec.message());
    }
    http::request<http::empty_body> request{http::verb::get, target, 11};
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "xcp-installer");
    if (offset > 0) {
        request.set(http::field::range, "bytes=" + std::to_string(offset) + "-");
    }
    stream.expires_after(timeout);
    http::write(stream, request, ec);
    if (ec) {
        throw SourceError(what + ": " + ec.message());
    }
    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    stream.expires_after(timeout);
    http::read_header(stream, buffer, parser, ec);
    if (ec) {
        throw SourceError(what + ": " + ec.message());
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
        stream.expires_after(timeout);
        http::read(stream, buffer, parser, ec);
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
            throw SourceError(what + ": cut after " + std::to_string(offset) + " bytes: " + ec.message());
        }
    }
}

void HttpSource::stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink)
{
    if (!safe_relative_path(path)) {
        throw SourceError(path + ": not a path inside the repository");
    }
    const auto target = base_path_ + path;
    std::uint64_t offset = 0;
    auto pause = settings_.first_pause;
    for (int attempt = 1;; ++attempt) {
        try {
            get_once(host_, port_, target, offset, settings_.io_timeout, UINT64_MAX, sink, url_ + path);
            return;
        } catch (const Final&) {
            throw;
        } catch (const SourceError& e) {
            if (attempt >= settings_.attempts) {
                throw SourceError(std::string(e.what()) + " (gave up after " + std::to_string(attempt) + " attempts)");
            }
            // What arrived was hashed already: go on from there.
            ++resumes_;
            std::this_thread::sleep_for(pause);
            pause *= 2;
        }
    }
}

std::optional<std::string> HttpSource::read_small(const std::string& path)
{
    std::string text;
    try {
        // A manifest restarts from the top on a retry: it is small.
        const auto target = base_path_ + path;
        auto pause = settings_.first_pause;
        for (int attempt = 1;; ++attempt) {
            text.clear();
            std::uint64_t offset = 0;
            try {
                get_once(host_, port_, target, offset, settings_.io_timeout, max_manifest,
                         [&](std::span<const std::byte> b) { text.append(reinterpret_cast<const char*>(b.data()), b.size()); },
                         url_ + path);
                return text;
            } catch (const Final&) {
                throw;
            } catch (const SourceError&) {
                if (attempt >= settings_.attempts) {
                    throw;
                }
                std::this_thread::sleep_for(pause);
                pause *= 2;
            }
        }
    } catch (const NotFound&) {
        return std::nullopt;
    }
}

}  // namespace xcp::repository
