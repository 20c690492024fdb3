// DHCPv4 messages (RFC 2131, options RFC 2132): parse and build. Knows
// nothing of PXE or of the product.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::dhcp {

using Ipv4 = std::uint32_t;  // host byte order
using Mac = std::array<std::uint8_t, 6>;

namespace option {
inline constexpr std::uint8_t pad = 0, subnet_mask = 1, router = 3, dns = 6, hostname = 12, domain = 15,
                              vendor_specific = 43, requested_ip = 50, lease_time = 51, overload = 52,
                              message_type = 53, server_id = 54, parameter_list = 55, message = 56,
                              renewal_time = 58, rebinding_time = 59, vendor_class = 60, client_id = 61,
                              tftp_server = 66, bootfile = 67, user_class = 77, client_arch = 93,
                              client_ndi = 94, client_uuid = 97, ipxe_encap = 175, end = 255;
}  // namespace option

enum class MessageType : std::uint8_t {
    discover = 1, offer = 2, request = 3, decline = 4, ack = 5, nak = 6, release = 7, inform = 8
};
std::string_view to_string(MessageType type);

struct Packet {
    std::uint8_t op = 1;  // 1 request, 2 reply
    std::uint8_t htype = 1, hlen = 6, hops = 0;
    std::uint32_t xid = 0;
    std::uint16_t secs = 0, flags = 0;
    Ipv4 ciaddr = 0, yiaddr = 0, siaddr = 0, giaddr = 0;
    std::array<std::uint8_t, 16> chaddr{};
    std::string sname, file;  // without their NUL padding
    // Options by code; a code sent several times is one concatenated value
    // (RFC 3396).
    std::map<std::uint8_t, std::vector<std::uint8_t>> options;

    [[nodiscard]] std::optional<MessageType> message_type() const;
    [[nodiscard]] Mac mac() const;
    [[nodiscard]] bool broadcast() const { return (flags & 0x8000U) != 0; }
    [[nodiscard]] std::optional<std::string_view> text(std::uint8_t code) const;
    [[nodiscard]] std::optional<Ipv4> address(std::uint8_t code) const;
    [[nodiscard]] bool has(std::uint8_t code) const { return options.contains(code); }

    void set(std::uint8_t code, std::string_view text);
    void set_address(std::uint8_t code, Ipv4 value);
    void set_u32(std::uint8_t code, std::uint32_t value);
};

struct ParseError {
    std::string reason;  // "truncated header (120 bytes)", for the log
};

// Refuses what no client sends: a short header, no magic cookie, an option
// running past the end. sname/file are read as options when option 52 says.
std::variant<Packet, ParseError> parse(std::span<const std::uint8_t> bytes);

// At least 300 bytes, as BOOTP relays and old ROMs expect.
std::vector<std::uint8_t> build(const Packet& packet);

std::string to_string(Ipv4 address);
std::optional<Ipv4> parse_ipv4(std::string_view text);
std::string to_string(const Mac& mac);

}  // namespace xcp::dhcp
