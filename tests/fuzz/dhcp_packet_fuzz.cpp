// What arrives on UDP 67 and 4011 from anyone: parse, classify, answer in
// proxy and in full mode, and read back what we would send.
#include "server/dhcp/leases.hpp"
#include "server/dhcp/packet.hpp"
#include "server/dhcp/pxe.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace xcp::dhcp;
    const auto parsed = parse(std::span(data, size));
    const auto* request = std::get_if<Packet>(&parsed);
    if (request == nullptr) {
        return 0;
    }
    const auto check = [](const Packet& reply) {
        const auto bytes = build(reply);
        const auto back = parse(bytes);
        if (!std::holds_alternative<Packet>(back) || std::get<Packet>(back).xid != reply.xid) {
            std::abort();  // what we send must read back
        }
    };
    const BootOffer offer{"pxelinux.0", 0x0a000001U};
    if (const auto client = classify(*request)) {
        check(proxy_reply(*request, *client, offer, 0x0a000001U, MessageType::offer));
    }
    const auto range = std::get<AddressRange>(parse_range("10.0.0.100,10.0.0.120"));
    const std::map<std::string, Ipv4> reservations{{"52:54:00:00:00:01", 0x0a000032U}};
    const std::vector<Lease> leases{{0x0a000064U, "52:54:00:00:00:02", 100, LeaseState::bound}};
    LeaseTable table(leases, reservations);
    FullSettings settings;
    settings.range = range;
    settings.server = 0x0a000001U;
    const auto out = full_reply(*request, settings, {range, table, 50}, std::nullopt);
    apply(table, out);  // what the helper does next, on hostile input too
    if (out.reply) {
        check(*out.reply);
        if (out.reply->yiaddr != 0 && !range.contains(out.reply->yiaddr) && out.reply->yiaddr != 0x0a000032U) {
            std::abort();  // an address from nowhere
        }
    }
    return 0;
}
