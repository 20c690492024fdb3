#include "libxcp/answerfile/values.hpp"
#include "libxcp/net/address.hpp"
#include "libxcp/net/url.hpp"
#include "libxcp/util/text.hpp"

#include <gtest/gtest.h>

namespace xcp {
namespace {

TEST(Address, Ipv4)
{
    EXPECT_TRUE(net::is_ipv4("192.0.2.1"));
    EXPECT_FALSE(net::is_ipv4("192.0.2"));
    EXPECT_FALSE(net::is_ipv4("192.0.2.256"));
    EXPECT_FALSE(net::is_ipv4(" 192.0.2.1"));
    EXPECT_FALSE(net::is_ipv4(""));
}

TEST(Address, Netmask)
{
    EXPECT_TRUE(net::is_ipv4_netmask("255.255.255.0"));
    EXPECT_TRUE(net::is_ipv4_netmask("255.255.255.255"));
    EXPECT_TRUE(net::is_ipv4_netmask("0.0.0.0"));
    EXPECT_TRUE(net::is_ipv4_netmask("255.255.254.0"));
    EXPECT_FALSE(net::is_ipv4_netmask("255.0.255.0"));
    EXPECT_FALSE(net::is_ipv4_netmask("255.255.255.1"));
}

TEST(Address, Ipv6)
{
    EXPECT_TRUE(net::is_ipv6("2001:db8::1"));
    EXPECT_TRUE(net::is_ipv6("::"));
    EXPECT_FALSE(net::is_ipv6("2001:db8::g"));
    EXPECT_TRUE(net::is_ipv6_with_prefix("2001:db8::1/64"));
    EXPECT_FALSE(net::is_ipv6_with_prefix("2001:db8::1"));
    EXPECT_FALSE(net::is_ipv6_with_prefix("2001:db8::1/129"));
    EXPECT_FALSE(net::is_ipv6_with_prefix("2001:db8::1/x"));
}

TEST(Address, Mac)
{
    EXPECT_EQ(net::normalize_mac("52:54:00:AB:cd:01"), "52:54:00:ab:cd:01");
    EXPECT_EQ(net::normalize_mac("52-54-00-ab-cd-01"), "52:54:00:ab:cd:01");
    EXPECT_EQ(net::normalize_mac("525400abcd01"), "52:54:00:ab:cd:01");
    EXPECT_EQ(net::normalize_mac("5254.00ab.cd01"), "52:54:00:ab:cd:01");
    EXPECT_FALSE(net::normalize_mac("52:54:00:ab:cd"));
    EXPECT_FALSE(net::normalize_mac("52:54-00:ab:cd:01"));
    EXPECT_FALSE(net::normalize_mac("52:54:00:ab:cd:0g"));
}

TEST(Address, Hostname)
{
    EXPECT_TRUE(net::is_hostname("xcp-01.example.com"));
    EXPECT_TRUE(net::is_hostname("h"));
    EXPECT_TRUE(net::is_hostname("example.com."));
    EXPECT_FALSE(net::is_hostname("-h"));
    EXPECT_FALSE(net::is_hostname("a..b"));
    EXPECT_FALSE(net::is_hostname("under_score"));
    EXPECT_FALSE(net::is_hostname(std::string(254, 'a')));
}

TEST(Url, RedactsOnlyThePassword)
{
    EXPECT_EQ(net::redact_url("http://user:secret@host:8080/p?q"), "http://user:<hidden>@host:8080/p?q");
    EXPECT_EQ(net::redact_url("http://user@host/p"), "http://user@host/p");
    EXPECT_EQ(net::redact_url("not a url"), "not a url");
}

TEST(Values, DiskNames)
{
    using answerfile::check_disk_name;
    for (const char* ok : {"sda", "/dev/sda", "nvme0n1", "md127", "cciss/c0d0", "disk/by-id/scsi-SATA_x:1",
                           "disk/by-path/pci-0000:00:1f.2-ata-1"}) {
        EXPECT_EQ(check_disk_name(ok), "") << ok;
    }
    for (const char* bad : {"", "../sda", "sda/..", "s da", "/dev/", "a//b", "sd\na"}) {
        EXPECT_NE(check_disk_name(bad), "") << bad;
    }
    EXPECT_EQ(answerfile::canonical_disk("/dev/sda"), "sda");
}

TEST(Values, Timezones)
{
    for (const char* ok : {"Europe/London", "UTC", "Etc/GMT+5", "America/Argentina/Buenos_Aires"}) {
        EXPECT_EQ(answerfile::check_timezone(ok), "") << ok;
    }
    for (const char* bad : {"", "Europe/../etc", "/etc/localtime", "Europe London", "1/2"}) {
        EXPECT_NE(answerfile::check_timezone(bad), "") << bad;
    }
}

TEST(Values, Booleans)
{
    EXPECT_EQ(answerfile::parse_bool("YES"), true);
    EXPECT_EQ(answerfile::parse_bool("false"), false);
    EXPECT_EQ(answerfile::parse_bool("1"), std::nullopt);
    EXPECT_EQ(answerfile::parse_bool(""), std::nullopt);
}

TEST(Text, Utf8)
{
    EXPECT_FALSE(util::first_invalid_utf8("plain and caf\xC3\xA9"));
    EXPECT_EQ(util::first_invalid_utf8("ab\xFF"), 2U);
    EXPECT_EQ(util::first_invalid_utf8("\xC0\x80"), 0U);   // overlong
    EXPECT_EQ(util::first_invalid_utf8("\xED\xA0\x80"), 0U);  // surrogate
    EXPECT_EQ(util::first_invalid_utf8(std::string_view("a\0b", 3)), 1U);
}

TEST(Text, Closest)
{
    const std::array<std::string_view, 3> names{"hostname", "timezone", "keymap"};
    EXPECT_EQ(util::closest("hostnme", names, 2), "hostname");
    EXPECT_EQ(util::closest("zzzzzz", names, 2), std::nullopt);
}

}  // namespace
}  // namespace xcp

namespace xcp::util {
namespace {

TEST(TextSplit, KeepsEmptyPieces)
{
    using V = std::vector<std::string_view>;
    EXPECT_EQ(split("", ','), V{""});
    EXPECT_EQ(split("a", ','), V{"a"});
    EXPECT_EQ(split("a,,b", ','), (V{"a", "", "b"}));
    EXPECT_EQ(split(",a,", ','), (V{"", "a", ""}));
}

}  // namespace
}  // namespace xcp::util
