#pragma once

#include "server/http/handler.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xcp::http {

struct RequestLimits {
    std::size_t max_header_bytes = 8192;
    std::size_t max_body_bytes = 64 * 1024;
    // A route may take more (a host's log): the limit for a request, asked
    // once its header is in; never above largest_body_bytes.
    std::function<std::optional<std::size_t>(const Request& header)> body_limit;
    std::size_t largest_body_bytes = 0;  // 0: max_body_bytes
};

// Bytes in, one request out: the only place the server parses what a client
// sends, so the fuzz target drives exactly this. Beast's parser throws on a
// field over 64 KiB (a trailer escapes the header limit), and every throw is
// turned into a refusal here. Chunk extensions and trailers are refused:
// nothing here uses them, and they sit outside Beast's limits.
class RequestReader {
public:
    struct NeedMore {};
    struct Refused {
        beast_http::status status = beast_http::status::bad_request;
        std::string reason;
    };
    using Outcome = std::variant<NeedMore, Request, Refused>;

    explicit RequestReader(RequestLimits limits);
    RequestReader(const RequestReader&) = delete;
    RequestReader& operator=(const RequestReader&) = delete;

    // Starts the next request; bytes already buffered (pipelining) are kept.
    void reset();
    // Where the next read goes, and how much of it was filled.
    [[nodiscard]] boost::beast::flat_buffer::mutable_buffers_type prepare();
    void commit(std::size_t n);
    // Parses what is buffered.
    Outcome parse();
    // Whether anything of the current request has arrived (for timeouts' logs).
    [[nodiscard]] bool started() const { return buffer_.size() > 0 || parser_->got_some(); }

private:
    std::optional<Refused> over_body_limit();

    RequestLimits limits_;
    boost::beast::flat_buffer buffer_;
    std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
    // Beast keeps a reference to the callback: it lives here.
    std::function<void(std::uint64_t, std::string_view, boost::beast::error_code&)> on_chunk_;
    std::size_t fields_before_trailer_ = 0;
    bool final_chunk_ = false;
    std::optional<std::size_t> body_limit_;  // this request's, once its header is in
};

}  // namespace xcp::http
