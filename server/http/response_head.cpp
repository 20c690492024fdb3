#include "server/http/response_head.hpp"

#include <charconv>

namespace xcp::http {

namespace beast_http = boost::beast::http;

namespace {

void append_number(std::string& out, std::uint64_t n)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    out.append(digits, end);
}

}  // namespace

void write_response_head(std::string& out, beast_http::status status, unsigned version,
                         const beast_http::fields& fields, std::optional<std::uint64_t> content_length,
                         bool keep_alive)
{
    out.clear();
    out += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    append_number(out, static_cast<unsigned>(status));
    out += ' ';
    out += beast_http::obsolete_reason(status);
    out += "\r\n";
    for (const auto& field : fields) {
        const auto name = field.name();
        // These three are the server's to say.
        if (name == beast_http::field::server || name == beast_http::field::content_length ||
            name == beast_http::field::connection) {
            continue;
        }
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "Server: xcp-pxe\r\n";
    if (content_length) {
        out += "Content-Length: ";
        append_number(out, *content_length);
        out += "\r\n";
    }
    if (version == 10 && keep_alive) {
        out += "Connection: keep-alive\r\n";
    } else if (version != 10 && !keep_alive) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
}

}  // namespace xcp::http
