// RFC 2347 option negotiation: which of a client's options we accept, and the
// values we answer in the OACK. Pure.
#pragma once

#include "server/tftp/packet.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace xcp::tftp {

struct OptionLimits {
    // 1468 = 1500-byte Ethernet MTU - 20 (IP) - 8 (UDP) - 4 (TFTP): no fragments.
    std::uint16_t max_blksize = 1468;
    // RFC 7440 allows 65535; gains flatten above 64 and some clients fail above it.
    std::uint16_t max_windowsize = 64;
    // RFC 2349 timeouts above this are not acknowledged, so the server's own
    // (shorter, backed-off) retransmit timer applies. curl asks for several
    // seconds, which turns every lost packet into a multi-second stall.
    std::uint8_t max_timeout_s = 255;
};

struct Negotiated {
    std::uint16_t blksize = 512;    // RFC 1350 default
    std::uint16_t windowsize = 1;   // lock-step
    std::uint8_t timeout_s = 0;     // 0: the server's own retransmit timeout
    std::vector<Option> oack;       // what to send back; empty: no OACK, start with DATA 1
};

// `file_size` answers tsize. Unknown options and invalid values are ignored, as
// RFC 2347 says: the client then falls back to the defaults.
Negotiated negotiate(std::span<const Option> requested, const OptionLimits& limits, std::uint64_t file_size);

}  // namespace xcp::tftp
