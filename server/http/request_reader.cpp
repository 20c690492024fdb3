#include "server/http/request_reader.hpp"

#include <algorithm>
#include <iterator>

namespace xcp::http {

namespace beast = boost::beast;

namespace {

// Headers, trailers and chunk lines wait in the buffer until they are whole;
// body bytes are taken out as they arrive. So the buffer bounds everything
// but the body, and the body has its own limit.
std::size_t buffer_limit(const RequestLimits& limits)
{
    return 2 * limits.max_header_bytes + 4096;
}

}  // namespace

RequestReader::RequestReader(RequestLimits limits) : limits_(limits), buffer_(buffer_limit(limits))
{
    on_chunk_ = [this](std::uint64_t size, beast::string_view extensions, beast::error_code& ec) {
        if (!extensions.empty()) {
            ec = beast_http::error::bad_chunk_extension;
            return;
        }
        if (size == 0) {
            // The trailer's fields are added to the header's after this call.
            final_chunk_ = true;
            fields_before_trailer_ =
                static_cast<std::size_t>(std::distance(parser_->get().begin(), parser_->get().end()));
        }
    };
    reset();
}

void RequestReader::reset()
{
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(std::max(limits_.max_body_bytes, limits_.largest_body_bytes));
    body_limit_.reset();
    parser_->eager(true);
    parser_->on_chunk_header(on_chunk_);
    final_chunk_ = false;
    fields_before_trailer_ = 0;
}

beast::flat_buffer::mutable_buffers_type RequestReader::prepare()
{
    return buffer_.prepare(std::min<std::size_t>(buffer_.max_size() - buffer_.size(), 16384));
}

void RequestReader::commit(std::size_t n)
{
    buffer_.commit(n);
}

std::optional<RequestReader::Refused> RequestReader::over_body_limit()
{
    if (!parser_->is_header_done()) {
        return std::nullopt;
    }
    if (!body_limit_) {
        std::optional<std::size_t> asked;
        if (limits_.body_limit) {
            asked = limits_.body_limit(parser_->get());
        }
        const auto largest = std::max(limits_.max_body_bytes, limits_.largest_body_bytes);
        body_limit_ = std::min(asked.value_or(limits_.max_body_bytes), largest);
    }
    const auto length = parser_->content_length();
    if ((length && *length > *body_limit_) || parser_->get().body().size() > *body_limit_) {
        return Refused{beast_http::status::payload_too_large,
                       "the body is over " + std::to_string(*body_limit_) + " bytes"};
    }
    return std::nullopt;
}

RequestReader::Outcome RequestReader::parse()
{
    using beast_http::status;
    beast::error_code ec;
    try {
        while (buffer_.size() > 0 && !parser_->is_done()) {
            const auto used = parser_->put(buffer_.data(), ec);
            buffer_.consume(used);
            if (ec == beast_http::error::need_more) {
                ec = {};
                break;
            }
            if (ec || used == 0) {
                break;
            }
            if (auto refused = over_body_limit()) {
                return std::move(*refused);
            }
        }
    } catch (const std::exception& e) {
        // basic_fields throws std::length_error for a name or value over 64 KiB.
        return Refused{status::request_header_fields_too_large, std::string("a field is too large (") + e.what() + ")"};
    }
    if (ec == beast_http::error::header_limit) {
        return Refused{status::request_header_fields_too_large, "the header is over " +
                                                                    std::to_string(limits_.max_header_bytes) + " bytes"};
    }
    if (ec == beast_http::error::body_limit) {
        return Refused{status::payload_too_large,
                       "the body is over " +
                           std::to_string(body_limit_.value_or(std::max(limits_.max_body_bytes, limits_.largest_body_bytes))) +
                           " bytes"};
    }
    if (ec == beast_http::error::bad_chunk_extension) {
        return Refused{status::bad_request, "chunk extensions are not accepted"};
    }
    if (ec) {
        return Refused{status::bad_request, ec.message()};
    }
    if (!parser_->is_done()) {
        if (buffer_.size() >= buffer_.max_size()) {
            return Refused{status::request_header_fields_too_large,
                           "header, chunk or trailer lines over " + std::to_string(buffer_.max_size()) + " bytes"};
        }
        return NeedMore{};
    }
    if (final_chunk_ && static_cast<std::size_t>(std::distance(parser_->get().begin(), parser_->get().end())) !=
                            fields_before_trailer_) {
        return Refused{status::bad_request, "trailer fields are not accepted"};
    }
    return parser_->release();
}

}  // namespace xcp::http
