// TFTP wire format (RFC 1350, with RFC 2347 options). Pure: bytes in, values
// out, and back. Nothing here knows about sockets or files.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::tftp {

enum class Opcode : std::uint16_t { rrq = 1, wrq = 2, data = 3, ack = 4, error = 5, oack = 6 };

enum class ErrorCode : std::uint16_t {
    not_defined = 0,
    file_not_found = 1,
    access_violation = 2,
    disk_full = 3,
    illegal_operation = 4,
    unknown_tid = 5,
    file_exists = 6,
    no_such_user = 7,
    option_refused = 8,  // RFC 2347
};

struct Option {
    std::string name;   // lower-cased: option names are case-insensitive
    std::string value;
};

// RFC 2347 leaves the number open; real clients send at most five.
inline constexpr std::size_t max_options = 32;

struct Request {
    Opcode opcode = Opcode::rrq;  // rrq or wrq
    std::string filename;         // as sent
    std::string mode;             // lower-cased: "octet", "netascii", "mail"
    std::vector<Option> options;  // in the order sent, at most max_options
};

struct Ack {
    std::uint16_t block = 0;
};

struct ErrorPacket {
    std::uint16_t code = 0;
    std::string message;
};

// Why a packet could not be read, for a debug log line.
struct Malformed {
    std::string reason;
};

// What the listening port receives: a request, or something else.
std::variant<Request, Malformed> parse_request(std::span<const std::byte> packet);

// What a transfer port receives from its client.
std::variant<Ack, ErrorPacket, Malformed> parse_reply(std::span<const std::byte> packet);

std::vector<std::byte> make_error(ErrorCode code, std::string_view message);
std::vector<std::byte> make_oack(std::span<const Option> options);
std::array<std::byte, 4> make_data_header(std::uint16_t block);

std::string_view describe(ErrorCode code);

}  // namespace xcp::tftp
