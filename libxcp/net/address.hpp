// Shapes of network values as they appear in answerfiles, configs and on the
// command line. Pure checks: no lookups, no sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xcp::net {

bool is_ipv4(std::string_view text);
bool is_ipv6(std::string_view text);
bool is_ip(std::string_view text);
// A dotted IPv4 netmask with contiguous ones (255.255.255.0, not 255.0.255.0).
bool is_ipv4_netmask(std::string_view text);
// addr/prefix, prefix 0..128.
bool is_ipv6_with_prefix(std::string_view text);
// An RFC 1123 host name or fully qualified domain name.
bool is_hostname(std::string_view text);

// A MAC address in any of the usual forms (aa:bb:.., aa-bb-.., aabb.ccdd.eeff,
// aabbccddeeff), normalized to lower-case colon form; nullopt if it is not one.
std::optional<std::string> normalize_mac(std::string_view text);

}  // namespace xcp::net
