// DHCP and PXE, pure: packets in and out, the architecture table, proxy
// answers, lease allocation and expiry.
#include "server/dhcp/leases.hpp"
#include "server/dhcp/packet.hpp"
#include "server/dhcp/probe.hpp"
#include "server/dhcp/pxe.hpp"

#include <gtest/gtest.h>

namespace xcp::dhcp {
namespace {

std::vector<std::uint8_t> from_hex(std::string_view text)
{
    std::vector<std::uint8_t> out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
        out.push_back(static_cast<std::uint8_t>(std::stoul(std::string(text.substr(i, 2)), nullptr, 16)));
    }
    return out;
}

// A BOOTP header (236 bytes) for chaddr 52:54:00:12:34:56, xid 0x1234abcd,
// broadcast flag, then the cookie and `options` (hex), as a capture shows it.
std::vector<std::uint8_t> fixture(std::string_view options, std::string_view giaddr = "00000000")
{
    std::string hex = "01010600" "1234abcd" "0000" "8000" "00000000" "00000000" "00000000";
    hex += giaddr;
    hex += "525400123456" + std::string(20, '0');  // chaddr, 16 bytes
    hex += std::string(64 * 2 + 128 * 2, '0');      // sname, file
    hex += "63825363";
    hex += options;
    hex += "ff";
    return from_hex(hex);
}

// Option 60 "PXEClient:Arch:00000:UNDI:002001", 93 = 0, 94 = 1.2.1,
// 97 = 0 + 16-byte UUID: what QEMU's BIOS PXE ROM sends.
const std::string bios_discover = "350101" "3c20" "505845436c69656e743a417263683a30303030303a554e44493a303032303031"
                                  "5d020000" "5e03010201" "611100000102030405060708090a0b0c0d0e0f"
                                  "3707010306430c0d42";
// The same from OVMF: arch 7, UNDI 003016.
const std::string efi_discover = "350101" "3c20" "505845436c69656e743a417263683a30303030373a554e44493a303033303136"
                                 "5d020007" "5e03010300";
// iPXE: user class "iPXE" (77) and its encapsulated options (175).
const std::string ipxe_discover = "350101" "3c20" "505845436c69656e743a417263683a30303030303a554e44493a303032303031"
                                  "5d020000" "4d0469505845" "af03b10101";
const std::string plain_discover = "350101" "0c0468657265" "370401030f06";

Packet parsed(const std::vector<std::uint8_t>& bytes)
{
    auto r = parse(bytes);
    if (const auto* e = std::get_if<ParseError>(&r)) {
        ADD_FAILURE() << e->reason;
        return {};
    }
    return std::get<Packet>(r);
}

TEST(DhcpPacket, CapturedStyleDiscoversAreRead)
{
    const auto p = parsed(fixture(bios_discover));
    EXPECT_EQ(p.xid, 0x1234abcdU);
    EXPECT_TRUE(p.broadcast());
    EXPECT_EQ(to_string(p.mac()), "52:54:00:12:34:56");
    EXPECT_EQ(p.message_type(), MessageType::discover);
    EXPECT_EQ(p.text(option::vendor_class), "PXEClient:Arch:00000:UNDI:002001");
    EXPECT_EQ(p.options.at(option::client_uuid).size(), 17U);
    const auto c = classify(p);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->arch, ClientArch::bios);
    EXPECT_FALSE(c->ipxe);

    const auto efi = classify(parsed(fixture(efi_discover)));
    ASSERT_TRUE(efi);
    EXPECT_EQ(efi->arch, ClientArch::efi_x64);

    const auto ipxe = classify(parsed(fixture(ipxe_discover)));
    ASSERT_TRUE(ipxe);
    EXPECT_TRUE(ipxe->ipxe);

    EXPECT_FALSE(classify(parsed(fixture(plain_discover)))) << "no option 60: not a PXE client";

    const auto relayed = parsed(fixture(bios_discover, "0a000001"));
    EXPECT_EQ(to_string(relayed.giaddr), "10.0.0.1");
}

TEST(DhcpPacket, BuildThenParseKeepsEverything)
{
    Packet p;
    p.op = 2;
    p.xid = 42;
    p.yiaddr = *parse_ipv4("10.0.0.5");
    p.siaddr = *parse_ipv4("10.0.0.1");
    p.chaddr[0] = 0x52;
    p.file = "pxelinux.0";
    p.sname = "boot";
    p.options[option::message_type] = {2};
    p.set(option::vendor_class, "PXEClient");
    p.set(option::domain, std::string(600, 'd'));  // split into three options on the wire
    const auto bytes = build(p);
    EXPECT_GE(bytes.size(), 300U);
    EXPECT_EQ(bytes[240], option::message_type) << "message type first";
    const auto back = parsed(bytes);
    EXPECT_EQ(back.xid, 42U);
    EXPECT_EQ(back.yiaddr, p.yiaddr);
    EXPECT_EQ(back.file, "pxelinux.0");
    EXPECT_EQ(back.sname, "boot");
    EXPECT_EQ(back.text(option::domain)->size(), 600U) << "RFC 3396 concatenation";
}

TEST(DhcpPacket, MalformedPacketsAreRefusedWithTheReason)
{
    const auto reason = [](const std::vector<std::uint8_t>& bytes) {
        const auto r = parse(bytes);
        return std::holds_alternative<ParseError>(r) ? std::get<ParseError>(r).reason : std::string("parsed");
    };
    EXPECT_NE(reason({1, 1, 6}).find("truncated header (3 bytes)"), std::string::npos);
    auto no_cookie = fixture(plain_discover);
    no_cookie[236] = 0;
    EXPECT_NE(reason(no_cookie).find("no DHCP magic cookie"), std::string::npos);
    auto past_end = fixture("3c20" "5058");
    EXPECT_NE(reason(past_end).find("runs past the end"), std::string::npos);
    auto no_length = fixture("");
    no_length.back() = option::vendor_class;
    EXPECT_NE(reason(no_length).find("has no length"), std::string::npos);
    auto not_ethernet = fixture(plain_discover);
    not_ethernet[1] = 6;
    EXPECT_NE(reason(not_ethernet).find("not Ethernet"), std::string::npos);
}

TEST(DhcpPacket, OptionOverloadReadsFileAndSname)
{
    auto bytes = fixture("350101" "340103");  // overload: both
    // file field (offset 108) holds option 60 "PXEClient"; sname (44) holds 93.
    const auto vendor = from_hex("3c09505845436c69656e74ff");
    std::copy(vendor.begin(), vendor.end(), bytes.begin() + 108);
    const auto arch = from_hex("5d020007ff");
    std::copy(arch.begin(), arch.end(), bytes.begin() + 44);
    const auto p = parsed(bytes);
    EXPECT_TRUE(p.file.empty());
    const auto c = classify(p);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->arch, ClientArch::efi_x64);
    auto bad = fixture("350101" "340101");
    bad[108] = option::vendor_class;
    bad[109] = 200;
    EXPECT_TRUE(std::holds_alternative<ParseError>(parse(bad)));
}

TEST(DhcpPxe, ArchitectureTable)
{
    struct Row {
        std::uint16_t code;
        ClientArch arch;
    };
    for (const auto& [code, arch] : {Row{0, ClientArch::bios}, Row{6, ClientArch::efi_ia32}, Row{7, ClientArch::efi_x64},
                                     Row{9, ClientArch::efi_x64}, Row{16, ClientArch::efi_x64_http},
                                     Row{11, ClientArch::other}, Row{0xffff, ClientArch::other}}) {
        EXPECT_EQ(arch_from_code(code), arch) << code;
    }
}

TEST(DhcpPxe, ProxyOffersCarryNoAddress)
{
    const auto request = parsed(fixture(bios_discover));
    const auto client = *classify(request);
    const auto offer = proxy_reply(request, client, BootOffer{"pxelinux.0", *parse_ipv4("192.0.2.10")},
                                   *parse_ipv4("192.0.2.10"), MessageType::offer);
    EXPECT_EQ(offer.op, 2);
    EXPECT_EQ(offer.yiaddr, 0U);
    EXPECT_EQ(offer.xid, request.xid);
    EXPECT_EQ(offer.file, "pxelinux.0");
    EXPECT_EQ(to_string(offer.siaddr), "192.0.2.10");
    EXPECT_EQ(offer.text(option::vendor_class), "PXEClient");
    EXPECT_EQ(offer.options.at(option::client_uuid), request.options.at(option::client_uuid));
    EXPECT_TRUE(offer.has(option::vendor_specific));
    const auto efi_request = parsed(fixture(efi_discover));
    const auto efi = proxy_reply(efi_request, *classify(efi_request), BootOffer{"grubx64.efi", 1}, 1, MessageType::ack);
    EXPECT_FALSE(efi.has(option::vendor_specific)) << "no option 43 for EFI";
    EXPECT_FALSE(efi.has(option::client_uuid)) << "97 only when sent";
    EXPECT_EQ(efi.message_type(), MessageType::ack);
}

struct Pool : ::testing::Test {
    AddressRange range = std::get<AddressRange>(parse_range("10.0.0.100,10.0.0.103"));
    std::map<std::string, Ipv4> reservations{{"52:54:00:00:00:aa", *parse_ipv4("10.0.0.101")}};
    std::vector<Lease> leases;
    std::int64_t now = 1000;
    mutable LeaseTable table_;
    // The table as the vectors above say, rebuilt at each call.
    LeaseView view() const
    {
        table_ = LeaseTable(leases, reservations);
        return {range, table_, now};
    }
    static Ipv4 ip(const char* text) { return *parse_ipv4(text); }
};

TEST_F(Pool, RangesAreCheckedAndGetANetmask)
{
    EXPECT_EQ(to_string(range.netmask), "255.255.255.0");
    EXPECT_EQ(to_string(std::get<AddressRange>(parse_range("10.0.0.10,10.0.1.20")).netmask), "255.255.254.0");
    EXPECT_EQ(to_string(std::get<AddressRange>(parse_range("10.0.0.10, 10.0.0.20, 255.255.0.0")).netmask), "255.255.0.0");
    for (const auto* bad : {"10.0.0.10", "10.0.0.20,10.0.0.10", "a,b", "10.0.0.1,10.0.0.2,255.0.255.0", "1,2,3,4",
                            "10.0.0.1,10.9.0.1"}) {
        EXPECT_TRUE(std::holds_alternative<std::string>(parse_range(bad))) << bad;
    }
}

TEST(Probe, ADiscoverLikeAClientsAndOnlyAnOfferWithAnAddressNamesAServer)
{
    const Mac mac{0x52, 0x54, 0x00, 0x01, 0x02, 0x03};
    const auto sent = std::get<Packet>(parse(build(probe_discover(mac, 0x1234))));
    EXPECT_EQ(sent.message_type(), MessageType::discover);
    EXPECT_EQ(sent.xid, 0x1234U);
    EXPECT_TRUE(sent.broadcast()) << "the answer must reach a client without an address";
    EXPECT_EQ(sent.mac(), mac);
    EXPECT_FALSE(sent.has(option::vendor_class)) << "no PXEClient: a proxyDHCP server must stay quiet";

    Packet offer;
    offer.op = 2;
    offer.xid = 0x1234;
    offer.yiaddr = *parse_ipv4("10.0.0.57");
    offer.options[option::message_type] = {static_cast<std::uint8_t>(MessageType::offer)};
    offer.set_address(option::server_id, *parse_ipv4("10.0.0.3"));
    const auto source = *parse_ipv4("10.0.0.2");
    const auto found = server_answering(offer, 0x1234, source);
    ASSERT_TRUE(found);
    EXPECT_EQ(describe(*found), "10.0.0.2 (server identifier 10.0.0.3) offered 10.0.0.57");
    offer.set_address(option::server_id, source);
    EXPECT_EQ(describe(*server_answering(offer, 0x1234, source)), "10.0.0.2 offered 10.0.0.57");

    EXPECT_FALSE(server_answering(offer, 0x1235, source)) << "another transaction";
    auto proxy = offer;
    proxy.yiaddr = 0;
    EXPECT_FALSE(server_answering(proxy, 0x1234, source)) << "a proxy offer gives no address";
    auto request = offer;
    request.op = 1;
    EXPECT_FALSE(server_answering(request, 0x1234, source));
    auto nak = offer;
    nak.options[option::message_type] = {static_cast<std::uint8_t>(MessageType::nak)};
    EXPECT_FALSE(server_answering(nak, 0x1234, source));
}

TEST(AutoRange, TheLargerSideOfTheOwnAddressInItsNetwork)
{
    const auto ip = [](const char* text) { return *parse_ipv4(text); };
    const auto range = [&](const char* own, const char* mask) {
        const auto r = auto_range(ip(own), ip(mask));
        if (const auto* why = std::get_if<std::string>(&r)) {
            return "refused: " + *why;
        }
        const auto& a = std::get<AddressRange>(r);
        return to_string(a.first) + "-" + to_string(a.last) + "/" + to_string(a.netmask);
    };
    EXPECT_EQ(range("192.168.1.1", "255.255.255.0"), "192.168.1.2-192.168.1.254/255.255.255.0");
    EXPECT_EQ(range("192.168.1.254", "255.255.255.0"), "192.168.1.1-192.168.1.253/255.255.255.0");
    EXPECT_EQ(range("10.0.0.100", "255.255.255.0"), "10.0.0.101-10.0.0.254/255.255.255.0");
    EXPECT_EQ(range("10.0.0.200", "255.255.255.0"), "10.0.0.1-10.0.0.199/255.255.255.0");
    EXPECT_EQ(range("10.0.0.1", "255.255.255.252"), "10.0.0.2-10.0.0.2/255.255.255.252");
    EXPECT_EQ(range("10.0.0.1", "255.0.0.0"), "10.0.0.2-10.1.0.1/255.0.0.0") << "65536 at most";
    EXPECT_EQ(range("10.255.255.254", "255.0.0.0"), "10.254.255.254-10.255.255.253/255.0.0.0");
    EXPECT_EQ(range("10.0.0.1", "255.255.255.254"), "refused: the network 10.0.0.0/255.255.255.254 of 10.0.0.1 has "
                                                    "no room for a range beside this server");
    EXPECT_EQ(range("10.0.0.1", "255.255.255.255").substr(0, 8), "refused:");
    EXPECT_EQ(range("10.0.0.1", "255.0.255.0"), "refused: 255.0.255.0 is not a netmask");
    // Every range holds neither the own, network nor broadcast address, and
    // parse_range accepts it as written.
    for (const char* own : {"172.16.5.9", "172.16.5.1", "172.16.5.30", "172.16.5.17"}) {
        const auto r = std::get<AddressRange>(auto_range(ip(own), ip("255.255.255.224")));
        EXPECT_FALSE(r.contains(ip(own))) << own;
        EXPECT_FALSE(r.contains(ip("172.16.5.0")));
        EXPECT_FALSE(r.contains(ip("172.16.5.31")));
        EXPECT_TRUE(std::holds_alternative<AddressRange>(
            parse_range(to_string(r.first) + "," + to_string(r.last) + "," + to_string(r.netmask))));
    }
}

TEST_F(Pool, ReservationsFirstThenOwnLeaseThenRequestedThenTheNextFree)
{
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:aa", ip("10.0.0.102")), ip("10.0.0.101"));
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:01", std::nullopt), ip("10.0.0.100"));
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:01", ip("10.0.0.101")), ip("10.0.0.100"))
        << "never an address reserved for another";
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:01", ip("10.0.0.102")), ip("10.0.0.102"));
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:01", ip("10.9.9.9")), ip("10.0.0.100")) << "outside the range";
    leases.push_back({ip("10.0.0.103"), "52:54:00:00:00:01", now + 60, LeaseState::bound});
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:01", std::nullopt), ip("10.0.0.103")) << "its own lease";
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:02", ip("10.0.0.103")), ip("10.0.0.100"))
        << "not another's lease";
}

TEST_F(Pool, AReservationOnAnotherNetworkIsNotALease)
{
    reservations["52:54:00:00:00:bb"] = ip("192.168.9.9");
    EXPECT_EQ(choose_address(view(), "52:54:00:00:00:bb", std::nullopt), ip("10.0.0.100"));
    EXPECT_FALSE(may_bind(view(), "52:54:00:00:00:bb", ip("192.168.9.9")));
}

TEST_F(Pool, ExpiryDeclinesAndExhaustion)
{
    leases = {{ip("10.0.0.100"), "a", now + 10, LeaseState::bound},
              {ip("10.0.0.102"), "b", now + 3600, LeaseState::declined},
              {ip("10.0.0.103"), "c", now + 10, LeaseState::offered}};
    EXPECT_FALSE(choose_address(view(), "d", std::nullopt)) << "everything taken";
    EXPECT_FALSE(may_bind(view(), "d", ip("10.0.0.100")));
    now += 11;
    EXPECT_EQ(choose_address(view(), "d", std::nullopt), ip("10.0.0.100")) << "expired leases come back";
    EXPECT_FALSE(may_bind(view(), "b", ip("10.0.0.102"))) << "a declined address stays aside";
    now += 3600;
    EXPECT_TRUE(may_bind(view(), "d", ip("10.0.0.102")));
}

TEST_F(Pool, FullModeConversation)
{
    FullSettings s;
    s.range = range;
    s.server = ip("10.0.0.1");
    s.router = ip("10.0.0.1");
    s.dns = {ip("10.0.0.2")};
    auto discover = parsed(fixture(plain_discover));
    auto out = full_reply(discover, s, view(), std::nullopt);
    ASSERT_TRUE(out.reply);
    EXPECT_EQ(out.reply->message_type(), MessageType::offer);
    EXPECT_EQ(to_string(out.reply->yiaddr), "10.0.0.100");
    EXPECT_EQ(out.reply->address(option::router), ip("10.0.0.1"));
    EXPECT_EQ(out.reply->address(option::server_id), ip("10.0.0.1"));
    ASSERT_TRUE(out.store);
    EXPECT_EQ(out.store->state, LeaseState::offered);
    leases.push_back(*out.store);

    auto request = parsed(fixture("350103" "32040a000064" "36040a000001"));
    out = full_reply(request, s, view(), std::nullopt);
    ASSERT_TRUE(out.reply);
    EXPECT_EQ(out.reply->message_type(), MessageType::ack);
    EXPECT_EQ(out.store->state, LeaseState::bound);
    EXPECT_EQ(out.store->expires, now + 3600);

    auto taken = parsed(fixture("350103" "32040a000065"));  // asks for the reserved .101
    out = full_reply(taken, s, view(), std::nullopt);
    ASSERT_TRUE(out.reply);
    EXPECT_EQ(out.reply->message_type(), MessageType::nak);

    auto other_server = parsed(fixture("350103" "32040a000064" "3604c0000201"));
    out = full_reply(other_server, s, view(), std::nullopt);
    EXPECT_FALSE(out.reply) << "it chose another server";
    EXPECT_EQ(out.forget, ip("10.0.0.100")) << "our offer is freed";

    auto decline = parsed(fixture("350104" "32040a000064"));
    out = full_reply(decline, s, view(), std::nullopt);
    ASSERT_TRUE(out.store);
    EXPECT_EQ(out.store->state, LeaseState::declined);
}

}  // namespace
}  // namespace xcp::dhcp

namespace xcp::dhcp {
namespace {

TEST(LeaseTableTest, OneAddressPerMacAndItsIndexesAgree)
{
    LeaseTable t;
    t.put({10, "a", 100, LeaseState::offered});
    t.put({11, "b", 100, LeaseState::bound});
    t.put({12, "a", 100, LeaseState::declined});
    ASSERT_EQ(t.of("a").size(), 2U) << "a decline does not replace the offer";
    t.put({13, "a", 200, LeaseState::bound});
    ASSERT_EQ(t.at(10), nullptr) << "its offer went with its new lease";
    ASSERT_NE(t.at(12), nullptr) << "its decline stays aside";
    EXPECT_EQ(t.at(13)->expires, 200);
    EXPECT_EQ(t.of("a").size(), 2U);
    t.put({11, "c", 300, LeaseState::bound});
    EXPECT_TRUE(t.of("b").empty()) << "an address taken over leaves its old MAC";
    t.erase(11);
    EXPECT_TRUE(t.of("c").empty());
    EXPECT_EQ(t.size(), 2U);

    t.reserve("x", 20);
    t.reserve("y", 20);
    EXPECT_TRUE(t.reserved_for_other("x", 20));
    t.reserve("y", std::nullopt);
    EXPECT_FALSE(t.reserved_for_other("x", 20));
    EXPECT_TRUE(t.reserved_for_other("z", 20));
    t.reserve("x", 21);
    EXPECT_FALSE(t.reserved_for_other("z", 20)) << "a changed reservation frees its old address";
    EXPECT_EQ(t.reservation("x"), 21U);
}

TEST(LeaseTableTest, FreeAddressesInTurnPastTenThousandLeases)
{
    const auto range = std::get<AddressRange>(parse_range("10.0.0.1,10.0.255.254"));
    std::vector<Lease> leases;
    for (Ipv4 ip = range.first; leases.size() < 10000; ++ip) {
        if (ip == range.first + 5000) {
            continue;  // one hole in the middle
        }
        leases.push_back({ip, "m" + std::to_string(ip), 2000, LeaseState::bound});
    }
    std::map<std::string, Ipv4> reservations{{"r", range.first + 5000}};
    LeaseTable table(leases, reservations);
    LeaseView view{range, table, 1000};
    const auto first = choose_address(view, "new", std::nullopt);
    ASSERT_TRUE(first);
    EXPECT_EQ(*first, leases.back().ip + 1) << "the hole is reserved for r; the next free comes after the last lease";
    EXPECT_EQ(choose_address(view, "r", std::nullopt), range.first + 5000);
    FullOutcome offer;
    offer.store = Lease{*first, "new", 1060, LeaseState::offered};
    apply(table, offer);
    EXPECT_EQ(table.next_search(), *first + 1);
    EXPECT_EQ(choose_address(view, "other", std::nullopt), *first + 1)
        << "a decision in the batch is seen by the next, whose search starts after it";
    EXPECT_EQ(choose_address(view, "new", std::nullopt), first);
    FullOutcome released;
    released.forget = *first;
    apply(table, released);
    EXPECT_EQ(choose_address(view, "other", std::nullopt), *first + 1) << "a freed address is not given again at once";

    // At the end of the range the search wraps round to the free address
    // nearest the start.
    table.search_from(range.last);
    FullOutcome last;
    last.store = Lease{range.last, "last", 1060, LeaseState::offered};
    apply(table, last);
    EXPECT_EQ(table.next_search(), range.last + 1);
    EXPECT_EQ(choose_address(view, "other", std::nullopt), *first)
        << "the address freed above: the first free one past the preloaded run (the hole is reserved)";
}

}  // namespace
}  // namespace xcp::dhcp
