#include "server/dhcp/packet.hpp"

#include <boost/asio/ip/address_v4.hpp>

#include <algorithm>
#include <cstdio>

namespace xcp::dhcp {
namespace {

constexpr std::size_t header_size = 236;
constexpr std::array<std::uint8_t, 4> magic{99, 130, 83, 99};

std::uint32_t be32(const std::uint8_t* p)
{
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void put32(std::vector<std::uint8_t>& out, std::uint32_t v)
{
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

std::string fixed_text(const std::uint8_t* p, std::size_t n)
{
    const auto* end = std::find(p, p + n, std::uint8_t{0});
    return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(end - p)};
}

// Reads TLV options from `area` into `out`; false with a reason on overrun.
bool read_options(std::span<const std::uint8_t> area, std::map<std::uint8_t, std::vector<std::uint8_t>>& out,
                  std::string& reason, const char* where)
{
    std::size_t i = 0;
    while (i < area.size()) {
        const auto code = area[i];
        if (code == option::end) {
            return true;
        }
        if (code == option::pad) {
            ++i;
            continue;
        }
        if (i + 1 >= area.size()) {
            reason = std::string("option ") + std::to_string(code) + " in " + where + " has no length";
            return false;
        }
        const std::size_t length = area[i + 1];
        if (i + 2 + length > area.size()) {
            reason = std::string("option ") + std::to_string(code) + " in " + where + " runs past the end (" +
                     std::to_string(length) + " bytes)";
            return false;
        }
        auto& value = out[code];
        value.insert(value.end(), area.begin() + static_cast<std::ptrdiff_t>(i + 2),
                     area.begin() + static_cast<std::ptrdiff_t>(i + 2 + length));
        i += 2 + length;
    }
    return true;  // no end option: accepted, as most servers do
}

}  // namespace

std::string_view to_string(MessageType type)
{
    switch (type) {
    case MessageType::discover: return "DISCOVER";
    case MessageType::offer: return "OFFER";
    case MessageType::request: return "REQUEST";
    case MessageType::decline: return "DECLINE";
    case MessageType::ack: return "ACK";
    case MessageType::nak: return "NAK";
    case MessageType::release: return "RELEASE";
    case MessageType::inform: return "INFORM";
    }
    return "?";
}

std::optional<MessageType> Packet::message_type() const
{
    const auto it = options.find(option::message_type);
    if (it == options.end() || it->second.size() != 1 || it->second[0] < 1 || it->second[0] > 8) {
        return std::nullopt;
    }
    return static_cast<MessageType>(it->second[0]);
}

Mac Packet::mac() const
{
    Mac m{};
    std::copy_n(chaddr.begin(), 6, m.begin());
    return m;
}

std::optional<std::string_view> Packet::text(std::uint8_t code) const
{
    const auto it = options.find(code);
    if (it == options.end()) {
        return std::nullopt;
    }
    return std::string_view(reinterpret_cast<const char*>(it->second.data()), it->second.size());
}

std::optional<Ipv4> Packet::address(std::uint8_t code) const
{
    const auto it = options.find(code);
    if (it == options.end() || it->second.size() != 4) {
        return std::nullopt;
    }
    return be32(it->second.data());
}

void Packet::set(std::uint8_t code, std::string_view value)
{
    options[code].assign(value.begin(), value.end());
}

void Packet::set_address(std::uint8_t code, Ipv4 value)
{
    std::vector<std::uint8_t> v;
    put32(v, value);
    options[code] = std::move(v);
}

void Packet::set_u32(std::uint8_t code, std::uint32_t value)
{
    set_address(code, value);
}

std::variant<Packet, ParseError> parse(std::span<const std::uint8_t> bytes)
{
    if (bytes.size() < header_size + magic.size()) {
        return ParseError{"truncated header (" + std::to_string(bytes.size()) + " bytes)"};
    }
    if (!std::equal(magic.begin(), magic.end(), bytes.begin() + header_size)) {
        return ParseError{"no DHCP magic cookie (a BOOTP packet?)"};
    }
    Packet p;
    const auto* b = bytes.data();
    p.op = b[0];
    p.htype = b[1];
    p.hlen = b[2];
    p.hops = b[3];
    p.xid = be32(b + 4);
    p.secs = static_cast<std::uint16_t>((b[8] << 8) | b[9]);
    p.flags = static_cast<std::uint16_t>((b[10] << 8) | b[11]);
    p.ciaddr = be32(b + 12);
    p.yiaddr = be32(b + 16);
    p.siaddr = be32(b + 20);
    p.giaddr = be32(b + 24);
    std::copy_n(b + 28, 16, p.chaddr.begin());
    if (p.op != 1 && p.op != 2) {
        return ParseError{"op " + std::to_string(p.op) + " is neither request nor reply"};
    }
    if (p.htype != 1 || p.hlen != 6) {
        return ParseError{"hardware type " + std::to_string(p.htype) + " length " + std::to_string(p.hlen) +
                          " is not Ethernet"};
    }
    std::string reason;
    if (!read_options(bytes.subspan(header_size + magic.size()), p.options, reason, "options")) {
        return ParseError{reason};
    }
    // Option overload (52): 1 file, 2 sname, 3 both hold more options.
    const auto overload = p.options.find(option::overload);
    const std::uint8_t which = overload != p.options.end() && overload->second.size() == 1 ? overload->second[0] : 0;
    if (which & 1U) {
        if (!read_options(bytes.subspan(108, 128), p.options, reason, "file")) {
            return ParseError{reason};
        }
    } else {
        p.file = fixed_text(b + 108, 128);
    }
    if (which & 2U) {
        if (!read_options(bytes.subspan(44, 64), p.options, reason, "sname")) {
            return ParseError{reason};
        }
    } else {
        p.sname = fixed_text(b + 44, 64);
    }
    return p;
}

std::vector<std::uint8_t> build(const Packet& p)
{
    std::vector<std::uint8_t> out;
    out.reserve(548);
    out.push_back(p.op);
    out.push_back(p.htype);
    out.push_back(p.hlen);
    out.push_back(p.hops);
    put32(out, p.xid);
    out.push_back(static_cast<std::uint8_t>(p.secs >> 8));
    out.push_back(static_cast<std::uint8_t>(p.secs));
    out.push_back(static_cast<std::uint8_t>(p.flags >> 8));
    out.push_back(static_cast<std::uint8_t>(p.flags));
    for (const auto a : {p.ciaddr, p.yiaddr, p.siaddr, p.giaddr}) {
        put32(out, a);
    }
    out.insert(out.end(), p.chaddr.begin(), p.chaddr.end());
    std::array<std::uint8_t, 64> sname{};
    std::copy_n(p.sname.begin(), std::min<std::size_t>(p.sname.size(), 63), sname.begin());
    out.insert(out.end(), sname.begin(), sname.end());
    std::array<std::uint8_t, 128> file{};
    std::copy_n(p.file.begin(), std::min<std::size_t>(p.file.size(), 127), file.begin());
    out.insert(out.end(), file.begin(), file.end());
    out.insert(out.end(), magic.begin(), magic.end());
    // Message type first: some ROMs look for it there.
    const auto emit = [&](std::uint8_t code, const std::vector<std::uint8_t>& value) {
        // Values over 255 bytes are split into several options (RFC 3396).
        std::size_t at = 0;
        do {
            const auto n = std::min<std::size_t>(value.size() - at, 255);
            out.push_back(code);
            out.push_back(static_cast<std::uint8_t>(n));
            out.insert(out.end(), value.begin() + static_cast<std::ptrdiff_t>(at),
                       value.begin() + static_cast<std::ptrdiff_t>(at + n));
            at += n;
        } while (at < value.size());
    };
    if (const auto it = p.options.find(option::message_type); it != p.options.end()) {
        emit(it->first, it->second);
    }
    for (const auto& [code, value] : p.options) {
        if (code != option::message_type && code != option::pad && code != option::end) {
            emit(code, value);
        }
    }
    out.push_back(option::end);
    if (out.size() < 300) {
        out.resize(300, 0);
    }
    return out;
}

std::string to_string(Ipv4 address)
{
    return boost::asio::ip::address_v4(address).to_string();
}

std::optional<Ipv4> parse_ipv4(std::string_view text)
{
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address_v4(std::string(text), ec);
    if (ec) {
        return std::nullopt;
    }
    return a.to_uint();
}

std::string to_string(const Mac& mac)
{
    char text[18];
    std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    return text;
}

}  // namespace xcp::dhcp
