// What arrives on a transfer port: ACK, ERROR, or anything else.
#include "server/tftp/packet.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace xcp::tftp;
    const auto reply = parse_reply(std::span(reinterpret_cast<const std::byte*>(data), size));
    if (const auto* e = std::get_if<ErrorPacket>(&reply)) {
        (void)make_error(static_cast<ErrorCode>(e->code % 9), e->message);
    }
    return 0;
}
