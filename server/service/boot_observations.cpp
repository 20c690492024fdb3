#include "server/service/boot_observations.hpp"

#include "server/boot/boot_config.hpp"
#include "server/files/path.hpp"

#include "libxcp/net/address.hpp"

#include <boost/url/parse.hpp>

namespace xcp::service {
namespace {

// The MAC a per-host config's name holds: pxelinux.cfg/01-aa-bb-..., grub.cfg-..., ipxe/aa:bb:...
std::string mac_in(std::string_view path)
{
    if (path.starts_with("ipxe/")) {
        return net::normalize_mac(path.substr(5)).value_or("");
    }
    if (const auto config = boot::classify_tftp_path(path); config && config->mac) {
        return *config->mac;
    }
    return {};
}

std::int64_t whole_ms(double ms)
{
    return static_cast<std::int64_t>(ms + 0.5);
}

}  // namespace

std::optional<Fetch> fetch_from_tftp(const tftp::TransferResult& t)
{
    const auto step = fetch_step(t.path);
    if (!step) {
        return std::nullopt;
    }
    Fetch f;
    f.client = t.client.address();
    f.mac = mac_in(t.path);
    f.protocol = "tftp";
    f.step = std::string(*step);
    f.what = t.path;
    f.bytes = static_cast<std::int64_t>(t.bytes);
    f.duration_ms = whole_ms(std::chrono::duration<double, std::milli>(t.elapsed).count());
    f.retransmits = static_cast<std::int64_t>(t.retransmits);
    f.completed = t.completed;
    return f;
}

std::optional<Fetch> fetch_from_http(const http::Served& s)
{
    using http::beast_http::status;
    if (s.method != http::beast_http::verb::get || (s.status != status::ok && s.status != status::partial_content)) {
        return std::nullopt;
    }
    // Most requests are no boot fetch (packages, the API): a look at the raw
    // path first, before decoding.
    const std::string_view raw = s.target;
    if (!fetch_step(raw.substr(0, raw.find('?')))) {
        return std::nullopt;
    }
    const auto parsed = boost::urls::parse_origin_form(s.target);
    if (!parsed) {
        return std::nullopt;
    }
    const auto normalized = files::normalize_path(parsed->path());
    const auto* path = std::get_if<std::string>(&normalized);
    if (path == nullptr || path->starts_with("api/") || path->starts_with("answerfile/") ||
        path->starts_with("ui/")) {
        return std::nullopt;
    }
    const auto step = fetch_step(*path);
    if (!step) {
        return std::nullopt;
    }
    Fetch f;
    f.client = s.client.address;
    const std::string_view relative = *path;
    f.mac = mac_in(relative.starts_with("boot/") ? relative.substr(5) : relative);
    f.protocol = "http";
    f.step = std::string(*step);
    f.what = "/" + *path;
    f.bytes = static_cast<std::int64_t>(s.bytes);
    f.duration_ms = whole_ms(s.ms);
    f.completed = s.complete;
    return f;
}

std::optional<Fetch> fetch_from_dhcp(const dhcp::Answered& a)
{
    Fetch f;
    if (a.address != 0) {
        f.client = boost::asio::ip::address_v4(a.address);
    }
    f.mac = dhcp::to_string(a.mac);
    f.protocol = "dhcp";
    f.step = "dhcp";
    f.what = std::string(dhcp::to_string(a.reply));
    if (a.address != 0) {
        f.what += " " + dhcp::to_string(a.address);
    }
    if (!a.sent) {
        f.what += " to the network's DHCP server (seen)";
    }
    if (!a.file.empty()) {
        f.what += ", boot file " + a.file;
    }
    if (a.pxe) {
        f.what += " (" + std::string(dhcp::to_string(a.pxe->arch)) + (a.pxe->ipxe ? ", iPXE" : "") + ")";
    }
    return f;
}

}  // namespace xcp::service
