// The pure parts of TFTP: packets, option negotiation, path normalization.
#include "server/tftp/content.hpp"
#include "server/tftp/options.hpp"
#include "server/tftp/packet.hpp"
#include "server/files/path.hpp"

#include <gtest/gtest.h>

namespace xcp::tftp {
namespace {

std::vector<std::byte> bytes(std::string_view s)
{
    const auto* p = reinterpret_cast<const std::byte*>(s.data());
    return {p, p + s.size()};
}

using namespace std::string_view_literals;

TEST(Packet, ReadRequestWithOptions)
{
    const auto p = bytes("\0\1pxelinux.0\0OCTET\0BlkSize\0001468\0tsize\0000\0"sv);
    const auto r = parse_request(p);
    ASSERT_TRUE(std::holds_alternative<Request>(r));
    const auto& req = std::get<Request>(r);
    EXPECT_EQ(req.opcode, Opcode::rrq);
    EXPECT_EQ(req.filename, "pxelinux.0");
    EXPECT_EQ(req.mode, "octet");
    ASSERT_EQ(req.options.size(), 2U);
    EXPECT_EQ(req.options[0].name, "blksize");
    EXPECT_EQ(req.options[0].value, "1468");
}

TEST(Packet, WriteRequestIsParsedSoItCanBeRefused)
{
    const auto r = parse_request(bytes("\0\2f\0octet\0"sv));
    ASSERT_TRUE(std::holds_alternative<Request>(r));
    EXPECT_EQ(std::get<Request>(r).opcode, Opcode::wrq);
}

TEST(Packet, MalformedRequests)
{
    for (const auto raw : {"\0"sv, "\0\1"sv, "\0\1abc"sv, "\0\1file\0"sv, "\0\1file\0octet"sv, "\0\3\0\1"sv,
                           "\0\x09xx\0octet\0"sv}) {
        EXPECT_TRUE(std::holds_alternative<Malformed>(parse_request(bytes(raw)))) << raw.size();
    }
}

TEST(Packet, TrailingHalfOptionIsIgnored)
{
    const auto r = parse_request(bytes("\0\1f\0octet\0blksize\0001024\0tsize"sv));
    ASSERT_TRUE(std::holds_alternative<Request>(r));
    EXPECT_EQ(std::get<Request>(r).options.size(), 1U);
}

TEST(Packet, HugeOptionListIsCapped)
{
    std::string raw("\0\1f\0octet\0"sv);
    for (int i = 0; i < 5000; ++i) {
        raw += "opt" + std::to_string(i) + std::string(1, '\0') + "1" + std::string(1, '\0');
    }
    const auto r = parse_request(bytes(raw));
    ASSERT_TRUE(std::holds_alternative<Request>(r));
    EXPECT_EQ(std::get<Request>(r).options.size(), max_options);
}

TEST(Packet, Replies)
{
    const auto ack = parse_reply(bytes("\0\4\xff\xfe"sv));
    ASSERT_TRUE(std::holds_alternative<Ack>(ack));
    EXPECT_EQ(std::get<Ack>(ack).block, 0xfffe);
    const auto err = parse_reply(bytes("\0\5\0\1nope\0"sv));
    ASSERT_TRUE(std::holds_alternative<ErrorPacket>(err));
    EXPECT_EQ(std::get<ErrorPacket>(err).message, "nope");
    const auto unterminated = parse_reply(bytes("\0\5\0\1nope"sv));
    EXPECT_EQ(std::get<ErrorPacket>(unterminated).message, "nope");
    EXPECT_TRUE(std::holds_alternative<Malformed>(parse_reply(bytes("\0\4\0"sv))));
    EXPECT_TRUE(std::holds_alternative<Malformed>(parse_reply(bytes("\0\3\0\1data"sv))));
}

TEST(Packet, Builders)
{
    EXPECT_EQ(make_error(ErrorCode::file_not_found, "x"), bytes("\0\5\0\1x\0"sv));
    const std::vector<Option> opts{{"blksize", "1468"}, {"tsize", "42"}};
    EXPECT_EQ(make_oack(opts), bytes("\0\6blksize\0001468\0tsize\00042\0"sv));
    const auto h = make_data_header(0x1234);
    EXPECT_EQ(std::vector<std::byte>(h.begin(), h.end()), bytes("\0\3\x12\x34"sv));
}

Negotiated negotiate_text(std::vector<Option> options, std::uint64_t size = 1000, OptionLimits limits = {})
{
    return negotiate(options, limits, size);
}

TEST(Options, Defaults)
{
    const auto n = negotiate_text({});
    EXPECT_EQ(n.blksize, 512);
    EXPECT_EQ(n.windowsize, 1);
    EXPECT_TRUE(n.oack.empty());
}

TEST(Options, BlksizeClampedToTheConfiguredMaximum)
{
    EXPECT_EQ(negotiate_text({{"blksize", "1468"}}).blksize, 1468);
    EXPECT_EQ(negotiate_text({{"blksize", "65464"}}).blksize, 1468);
    EXPECT_EQ(negotiate_text({{"blksize", "65464"}}, 1, {.max_blksize = 65464}).blksize, 65464);
    EXPECT_EQ(negotiate_text({{"blksize", "99999"}}, 1, {.max_blksize = 65464}).blksize, 65464);
    EXPECT_EQ(negotiate_text({{"blksize", "8"}}).blksize, 8);
    const auto tiny = negotiate_text({{"blksize", "7"}});
    EXPECT_EQ(tiny.blksize, 512);
    EXPECT_TRUE(tiny.oack.empty());
    EXPECT_TRUE(negotiate_text({{"blksize", "abc"}}).oack.empty());
    EXPECT_TRUE(negotiate_text({{"blksize", "-5"}}).oack.empty());
}

TEST(Options, TsizeAnswersTheSize)
{
    const auto n = negotiate_text({{"tsize", "0"}}, 123456);
    ASSERT_EQ(n.oack.size(), 1U);
    EXPECT_EQ(n.oack[0].value, "123456");
}

TEST(Options, EmptyFileSizeIsNotAcknowledged)
{
    EXPECT_TRUE(negotiate_text({{"tsize", "0"}}, 0).oack.empty());
}

TEST(Options, TimeoutAboveTheCapIsNotAcknowledged)
{
    const auto n = negotiate_text({{"timeout", "6"}}, 1, {.max_timeout_s = 2});
    EXPECT_TRUE(n.oack.empty());
    EXPECT_EQ(n.timeout_s, 0);
    EXPECT_EQ(negotiate_text({{"timeout", "2"}}, 1, {.max_timeout_s = 2}).timeout_s, 2);
}

TEST(Options, TimeoutRange)
{
    EXPECT_EQ(negotiate_text({{"timeout", "5"}}).timeout_s, 5);
    EXPECT_TRUE(negotiate_text({{"timeout", "0"}}).oack.empty());
    EXPECT_TRUE(negotiate_text({{"timeout", "256"}}).oack.empty());
}

TEST(Options, WindowsizeCapped)
{
    EXPECT_EQ(negotiate_text({{"windowsize", "16"}}).windowsize, 16);
    const auto big = negotiate_text({{"windowsize", "1000"}});
    EXPECT_EQ(big.windowsize, 64);
    EXPECT_EQ(big.oack[0].value, "64");
    EXPECT_TRUE(negotiate_text({{"windowsize", "0"}}).oack.empty());
}

TEST(Options, UnknownAndRepeatedIgnored)
{
    const auto n = negotiate_text({{"multicast", ""}, {"blksize", "1024"}, {"blksize", "512"}, {"utimeout", "5"}});
    ASSERT_EQ(n.oack.size(), 1U);
    EXPECT_EQ(n.blksize, 1024);
}

TEST(Options, AnsweredInRequestOrder)
{
    const auto n = negotiate_text({{"tsize", "0"}, {"blksize", "1400"}, {"windowsize", "4"}});
    ASSERT_EQ(n.oack.size(), 3U);
    EXPECT_EQ(n.oack[0].name, "tsize");
    EXPECT_EQ(n.oack[1].name, "blksize");
    EXPECT_EQ(n.oack[2].name, "windowsize");
}

TEST(Path, Normalization)
{
    const std::pair<std::string_view, std::string_view> ok[] = {
        {"pxelinux.0", "pxelinux.0"},
        {"/pxelinux.0", "pxelinux.0"},
        {"//pxelinux.cfg//01-aa", "pxelinux.cfg/01-aa"},
        {"\\pxelinux.cfg\\default", "pxelinux.cfg/default"},
        {"./xcp-ng/./xen.gz", "xcp-ng/xen.gz"},
        {"a..b/c...", "a..b/c..."},
    };
    for (const auto& [in, out] : ok) {
        const auto r = files::normalize_path(in);
        ASSERT_TRUE(std::holds_alternative<std::string>(r)) << in;
        EXPECT_EQ(std::get<std::string>(r), out);
    }
}

TEST(Path, TraversalRefused)
{
    for (const auto bad : {"../etc/passwd"sv, "..\\..\\x"sv, "/../../x"sv, "a/../../x"sv, "a/.."sv, ".."sv,
                           "x/..\\y"sv, ""sv, "/"sv, "./"sv, "a\nb"sv, "a\x01"sv}) {
        EXPECT_TRUE(std::holds_alternative<files::PathRefused>(files::normalize_path(bad))) << bad;
    }
    EXPECT_TRUE(std::holds_alternative<files::PathRefused>(files::normalize_path(std::string(5000, 'a'))));
}

TEST(Content, Netascii)
{
    const MemoryContent text(std::string_view("a\nb\rc\r\n"));
    const auto converted = to_netascii(text);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(converted.data()), converted.size()),
              std::string("a\r\nb\r\0c\r\0\r\n", 11));
}

TEST(Content, MemoryReadClips)
{
    const MemoryContent c(std::string_view("0123456789"));
    std::vector<std::byte> scratch;
    EXPECT_EQ(c.read(8, 512, scratch).size(), 2U);
    EXPECT_EQ(c.read(10, 512, scratch).size(), 0U);
    EXPECT_EQ(c.read(99, 512, scratch).size(), 0U);
}

}  // namespace
}  // namespace xcp::tftp
