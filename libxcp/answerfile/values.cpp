#include "libxcp/answerfile/values.hpp"

#include "libxcp/net/address.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace xcp::answerfile {
namespace {

bool all_chars(std::string_view text, std::string_view extra)
{
    return std::all_of(text.begin(), text.end(), [extra](unsigned char c) {
        return std::isalnum(c) != 0 || extra.find(static_cast<char>(c)) != std::string_view::npos;
    });
}

// Splits on '/', and checks each segment with `ok`; no empty, "." or ".." segment.
template <typename Pred>
bool segments_ok(std::string_view text, Pred ok)
{
    std::size_t start = 0;
    while (true) {
        const auto slash = text.find('/', start);
        const auto seg = text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (seg.empty() || seg == "." || seg == ".." || !ok(seg)) {
            return false;
        }
        if (slash == std::string_view::npos) {
            return true;
        }
        start = slash + 1;
    }
}

std::string lower(std::string_view text)
{
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

}  // namespace

std::optional<bool> parse_bool(std::string_view text)
{
    const auto l = lower(text);
    if (l == "yes" || l == "true") {
        return true;
    }
    if (l == "no" || l == "false") {
        return false;
    }
    return std::nullopt;
}

std::string canonical_disk(std::string_view text)
{
    constexpr std::string_view dev = "/dev/";
    if (text.substr(0, dev.size()) == dev) {
        text.remove_prefix(dev.size());
    }
    return std::string(text);
}

std::string check_disk_name(std::string_view text)
{
    if (text.empty()) {
        return "is empty; expected a disk name such as sda, /dev/nvme0n1 or disk/by-id/...";
    }
    const auto name = canonical_disk(text);
    if (name.size() > 255 ||
        !segments_ok(name, [](std::string_view seg) { return all_chars(seg, "._:+@,=-"); })) {
        return "is not a disk name; expected a device under /dev such as sda, /dev/nvme0n1 or disk/by-id/...";
    }
    return {};
}

std::string check_timezone(std::string_view text)
{
    const bool ok = !text.empty() && text.size() <= 64 && std::isalpha(static_cast<unsigned char>(text.front())) &&
                    segments_ok(text, [](std::string_view seg) { return all_chars(seg, "_+-"); }) &&
                    std::count(text.begin(), text.end(), '/') <= 3;
    return ok ? std::string{} : "is not a time zone name; expected a TZ name such as Europe/London or Etc/UTC";
}

std::string check_keymap(std::string_view text)
{
    const bool ok = !text.empty() && text.size() <= 32 && all_chars(text, "_.-");
    return ok ? std::string{} : "is not a keymap name; expected a name such as us, de or fr_CH";
}

std::string check_hostname(std::string_view text)
{
    return net::is_hostname(text) ? std::string{}
                                  : "is not a host name; expected letters, digits and hyphens in dot-separated "
                                    "labels of at most 63";
}

std::string check_source_location(SourceType type, std::string_view text)
{
    switch (type) {
    case SourceType::local:
        return {};
    case SourceType::nfs: {
        const auto colon = text.find(':');
        if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size() ||
            std::any_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c) != 0 || c < 0x20; })) {
            return "is not an NFS location; expected server:/path";
        }
        const auto server = text.substr(0, colon);
        if (!net::is_hostname(server) && !net::is_ipv4(server)) {
            return "names an NFS server that is not a host name or IPv4 address; expected server:/path";
        }
        return {};
    }
    case SourceType::url: {
        const auto parsed = boost::urls::parse_absolute_uri(text);
        if (!parsed) {
            return "is not a URL; expected http://, https://, ftp:// or file:///";
        }
        const auto scheme = lower(parsed->scheme());
        if (scheme == "file") {
            return parsed->path().empty() || parsed->path().front() != '/'
                       ? "is a file URL without an absolute path; expected file:///path"
                       : std::string{};
        }
        if (scheme != "http" && scheme != "https" && scheme != "ftp") {
            return "has the unsupported scheme " + scheme + "; expected http, https, ftp, file or nfs";
        }
        if (!parsed->has_authority() || parsed->encoded_host().empty()) {
            return "is a URL without a host; expected " + scheme + "://host/path";
        }
        return {};
    }
    }
    return {};
}

std::string check_password_hash(std::string_view text)
{
    const bool shape = text.size() >= 4 && text.front() == '$' && std::count(text.begin(), text.end(), '$') >= 3 &&
                       all_chars(text, "./$=,");
    return shape ? std::string{}
                 : "is not a crypt hash; type=\"hash\" takes a hash such as $6$salt$..., not the password itself";
}

}  // namespace xcp::answerfile
