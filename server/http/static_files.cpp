#include "server/http/static_files.hpp"

#include "libxcp/util/text.hpp"
#include "server/http/range.hpp"

#include <array>
#include <utility>
#include <ctime>

namespace xcp::http {
namespace {

std::string_view content_type(const std::string& path)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> types{{
        {"xml", "text/xml"},
        {"html", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"cfg", "text/plain"},
        {"txt", "text/plain"},
        {"ipxe", "text/plain"},
        {"treeinfo", "text/plain"},
        {"md5", "text/plain"},
        {"sha256", "text/plain"},
    }};
    const auto dot = path.rfind('.');
    const auto ext = dot == std::string::npos ? std::string_view() : std::string_view(path).substr(dot + 1);
    for (const auto& [e, type] : types) {
        if (e == ext) {
            return type;
        }
    }
    return "application/octet-stream";
}

std::string http_date(std::time_t t)
{
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[64];
    return {text, std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc)};
}

// If-None-Match: "*" or a list of (possibly weak) tags.
bool matches(std::string_view header, const std::string& etag)
{
    if (header == "*") {
        return true;
    }
    for (const auto piece : util::split(header, ',')) {
        auto tag = util::trim(piece);
        if (tag.starts_with("W/")) {
            tag.remove_prefix(2);
        }
        if (tag == etag) {
            return true;
        }
    }
    return false;
}

// RFC 9110 13.1.5: a Range is honoured only while If-Range still describes
// the file: the same strong entity tag (a weak one never matches), or the
// same Last-Modified date. Otherwise the whole, current file is sent, so that
// a resumed download never splices two versions.
bool if_range_holds(std::string_view header, const std::string& etag, const std::string& last_modified)
{
    const auto value = util::trim(header);
    if (value.starts_with("\"") || value.starts_with("W/")) {
        return value == etag;
    }
    return value == last_modified;
}

}  // namespace

std::string etag_of(const struct stat& st)
{
    const auto mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ULL +
                          static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
    char text[80];
    const int n = std::snprintf(text, sizeof text, "\"%llx-%llx-%llx\"", static_cast<unsigned long long>(st.st_ino),
                                static_cast<unsigned long long>(st.st_size),
                                static_cast<unsigned long long>(mtime_ns));
    return {text, static_cast<std::size_t>(n)};
}

Reply serve_file(const files::ConfinedRoot& root, const std::string& path, const Request& request,
                 std::string& refusal)
{
    auto opened = root.open(path);
    if (auto* refused = std::get_if<files::OpenRefused>(&opened)) {
        refusal = refused->reason;
        return refused->missing ? text_reply(beast_http::status::not_found, "not found\n")
                                : text_reply(beast_http::status::forbidden, "forbidden\n");
    }
    auto& file = std::get<files::OpenedFile>(opened);
    const auto size = static_cast<std::uint64_t>(file.st.st_size);
    const auto etag = etag_of(file.st);

    const auto last_modified = http_date(file.st.st_mtim.tv_sec);

    Reply reply;
    reply.headers.set(beast_http::field::etag, etag);
    reply.headers.set(beast_http::field::last_modified, last_modified);
    reply.headers.set(beast_http::field::accept_ranges, "bytes");
    if (const auto inm = request[beast_http::field::if_none_match]; !inm.empty() && matches(inm, etag)) {
        reply.status = beast_http::status::not_modified;
        return reply;
    }
    reply.headers.set(beast_http::field::content_type, content_type(path));

    std::uint64_t first = 0;
    std::uint64_t length = size;
    const auto if_range = request[beast_http::field::if_range];
    if (const auto range = request[beast_http::field::range];
        !range.empty() && (if_range.empty() || if_range_holds(if_range, etag, last_modified))) {
        const auto parsed = parse_range(range, size);
        if (std::holds_alternative<Unsatisfiable>(parsed)) {
            auto r = text_reply(beast_http::status::range_not_satisfiable, "range not satisfiable\n");
            r.headers.set(beast_http::field::content_range, "bytes */" + std::to_string(size));
            return r;
        }
        if (const auto* byte_range = std::get_if<ByteRange>(&parsed)) {
            first = byte_range->first;
            length = byte_range->last - byte_range->first + 1;
            reply.status = beast_http::status::partial_content;
            reply.headers.set(beast_http::field::content_range, "bytes " + std::to_string(first) + "-" +
                                                                    std::to_string(byte_range->last) + "/" +
                                                                    std::to_string(size));
        }
    }
    if (request.method() == beast_http::verb::head) {
        reply.head_length = length;
        return reply;
    }
    reply.file = FileSlice{std::move(file.fd), first, length};
    return reply;
}

}  // namespace xcp::http
