#include "server/tftp/packet.hpp"

#include <algorithm>
#include <cctype>

namespace xcp::tftp {
namespace {

std::uint16_t read_u16(std::span<const std::byte> p, std::size_t at)
{
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[at]) << 8) | std::to_integer<unsigned>(p[at + 1]));
}

void put_u16(std::vector<std::byte>& out, std::uint16_t v)
{
    out.push_back(static_cast<std::byte>(v >> 8));
    out.push_back(static_cast<std::byte>(v & 0xFF));
}

void put_string(std::vector<std::byte>& out, std::string_view s)
{
    for (const char c : s) {
        out.push_back(static_cast<std::byte>(c));
    }
    out.push_back(std::byte{0});
}

// Reads a NUL-terminated string at `at`; nullopt-like false when unterminated.
bool read_string(std::span<const std::byte> p, std::size_t& at, std::string& out)
{
    const auto begin = p.begin() + static_cast<std::ptrdiff_t>(at);
    const auto nul = std::find(begin, p.end(), std::byte{0});
    if (nul == p.end()) {
        return false;
    }
    out.assign(reinterpret_cast<const char*>(p.data() + at), static_cast<std::size_t>(nul - begin));
    at += out.size() + 1;
    return true;
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

}  // namespace

std::variant<Request, Malformed> parse_request(std::span<const std::byte> packet)
{
    if (packet.size() < 4) {
        return Malformed{"packet of " + std::to_string(packet.size()) + " bytes is too short for a request"};
    }
    const auto opcode = read_u16(packet, 0);
    if (opcode != static_cast<std::uint16_t>(Opcode::rrq) && opcode != static_cast<std::uint16_t>(Opcode::wrq)) {
        return Malformed{"opcode " + std::to_string(opcode) + " is not a request"};
    }
    Request r;
    r.opcode = static_cast<Opcode>(opcode);
    std::size_t at = 2;
    if (!read_string(packet, at, r.filename)) {
        return Malformed{"file name is not NUL-terminated"};
    }
    if (!read_string(packet, at, r.mode)) {
        return Malformed{"request has no transfer mode"};
    }
    r.mode = lower(std::move(r.mode));
    // Options: name/value pairs to the end. A trailing half pair, or garbage
    // after the last NUL, is ignored as tftp-hpa does.
    while (at < packet.size() && r.options.size() < max_options) {
        Option o;
        if (!read_string(packet, at, o.name) || !read_string(packet, at, o.value)) {
            break;
        }
        o.name = lower(std::move(o.name));
        r.options.push_back(std::move(o));
    }
    return r;
}

std::variant<Ack, ErrorPacket, Malformed> parse_reply(std::span<const std::byte> packet)
{
    if (packet.size() < 4) {
        return Malformed{"packet of " + std::to_string(packet.size()) + " bytes is too short"};
    }
    const auto opcode = read_u16(packet, 0);
    if (opcode == static_cast<std::uint16_t>(Opcode::ack)) {
        return Ack{read_u16(packet, 2)};
    }
    if (opcode == static_cast<std::uint16_t>(Opcode::error)) {
        ErrorPacket e;
        e.code = read_u16(packet, 2);
        std::size_t at = 4;
        if (!read_string(packet, at, e.message)) {
            // Be lenient: some clients omit the NUL. Keep what fits a log line.
            e.message.assign(reinterpret_cast<const char*>(packet.data() + 4), std::min<std::size_t>(packet.size() - 4, 200));
        }
        return e;
    }
    return Malformed{"opcode " + std::to_string(opcode) + " is not expected from a reading client"};
}

std::vector<std::byte> make_error(ErrorCode code, std::string_view message)
{
    std::vector<std::byte> out;
    out.reserve(5 + message.size());
    put_u16(out, static_cast<std::uint16_t>(Opcode::error));
    put_u16(out, static_cast<std::uint16_t>(code));
    put_string(out, message);
    return out;
}

std::vector<std::byte> make_oack(std::span<const Option> options)
{
    std::vector<std::byte> out;
    put_u16(out, static_cast<std::uint16_t>(Opcode::oack));
    for (const auto& o : options) {
        put_string(out, o.name);
        put_string(out, o.value);
    }
    return out;
}

std::array<std::byte, 4> make_data_header(std::uint16_t block)
{
    return {std::byte{0}, static_cast<std::byte>(Opcode::data), static_cast<std::byte>(block >> 8),
            static_cast<std::byte>(block & 0xFF)};
}

std::string_view describe(ErrorCode code)
{
    switch (code) {
    case ErrorCode::not_defined: return "not defined";
    case ErrorCode::file_not_found: return "file not found";
    case ErrorCode::access_violation: return "access violation";
    case ErrorCode::disk_full: return "disk full";
    case ErrorCode::illegal_operation: return "illegal operation";
    case ErrorCode::unknown_tid: return "unknown transfer ID";
    case ErrorCode::file_exists: return "file exists";
    case ErrorCode::no_such_user: return "no such user";
    case ErrorCode::option_refused: return "option negotiation refused";
    }
    return "unknown";
}

}  // namespace xcp::tftp
