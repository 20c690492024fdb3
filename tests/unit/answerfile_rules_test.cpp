// One row per validation rule: the input that breaks it and what must be said.
#include "libxcp/answerfile/parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace xcp::answerfile {
namespace {

constexpr const char* disk = "<primary-disk>sda</primary-disk>\n";
constexpr const char* password = "<root-password type=\"hash\">$6$salt$hashhash</root-password>\n";
constexpr const char* source = "<source type=\"url\">http://192.0.2.10/repo/</source>\n";
constexpr const char* nic = "<admin-interface name=\"eth0\" proto=\"dhcp\"/>\n";

std::string install(const std::string& body, const std::string& attrs = "")
{
    return "<?xml version=\"1.0\"?>\n<installation" + attrs + ">\n" + body + "</installation>\n";
}

// A valid fresh install plus `extra`.
std::string fresh_with(const std::string& extra)
{
    return install(std::string(disk) + password + source + nic + extra);
}

struct Row {
    const char* name;
    std::string xml;
    const char* expect;  // a part of one message
    Severity severity;
    bool strict = false;
};

class RuleTest : public ::testing::TestWithParam<Row> {};

TEST_P(RuleTest, ReportsTheProblem)
{
    const auto& row = GetParam();
    const auto result = parse(row.xml, {.strict = row.strict});
    bool found = false;
    std::string all;
    for (const auto& d : result.diagnostics.all()) {
        all += format(d, "t.xml") + "\n";
        if (d.severity == row.severity && d.message.find(row.expect) != std::string::npos) {
            found = true;
        }
    }
    EXPECT_TRUE(found) << "expected " << (row.severity == Severity::error ? "an error" : "a warning")
                       << " containing '" << row.expect << "'; got:\n"
                       << all;
    if (row.severity == Severity::error) {
        EXPECT_FALSE(result.valid());
    }
}

const Row rows[] = {
    // Root and its attributes.
    {"root_unknown", "<install/>", "is not an answerfile root", Severity::error},
    {"mode_unknown", install(std::string(disk) + password + source + nic, " mode=\"install\""),
     "mode=\"install\" is not known", Severity::error},
    {"upgrade_root_other_mode", "<upgrade mode=\"fresh\"><existing-installation>sda</existing-installation>" +
                                    std::string(source) + "</upgrade>",
     "an <upgrade> root cannot have", Severity::error},
    {"sr_type_unknown", install(std::string(disk) + password + source + nic, " sr-type=\"zfs\""),
     "sr-type=\"zfs\" is not known", Severity::error},
    {"gpgcheck_not_bool", install(std::string(disk) + password + source + nic, " gpgcheck=\"maybe\""),
     "is not a boolean", Severity::error},
    {"root_unknown_attribute", install(std::string(disk) + password + source + nic, " colour=\"red\""),
     "unknown attribute colour", Severity::warning},
    {"root_unknown_attribute_strict", install(std::string(disk) + password + source + nic, " colour=\"red\""),
     "unknown attribute colour", Severity::error, true},

    // Disks.
    {"primary_missing", install(std::string(password) + source + nic), "needs <primary-disk>", Severity::error},
    {"primary_bad_name", install("<primary-disk>../../etc</primary-disk>" + std::string(password) + source + nic),
     "is not a disk name", Severity::error},
    {"primary_empty", install("<primary-disk> </primary-disk>" + std::string(password) + source + nic),
     "is empty", Severity::error},
    {"primary_twice", fresh_with("<primary-disk>sdb</primary-disk>"), "given twice (first at line 3)",
     Severity::error},
    {"guest_storage_not_bool",
     install("<primary-disk guest-storage=\"maybe\">sda</primary-disk>" + std::string(password) + source + nic),
     "guest-storage=\"maybe\" is not a boolean", Severity::error},
    {"sr_at_end_not_bool",
     install("<primary-disk sr-at-end=\"2\">sda</primary-disk>" + std::string(password) + source + nic),
     "sr-at-end=\"2\" is not a boolean", Severity::error},
    {"preserve_unknown",
     install("<primary-disk preserve-first-partition=\"always\">sda</primary-disk>" + std::string(password) +
             source + nic),
     "preserve-first-partition=\"always\" is not known", Severity::error},
    {"guest_is_primary", fresh_with("<guest-disk>/dev/sda</guest-disk>"), "already named as the primary disk",
     Severity::error},
    {"guest_twice", fresh_with("<guest-disk>sdb</guest-disk><guest-disk>sdb</guest-disk>"),
     "already named as a guest disk", Severity::error},
    {"guest_bad_name", fresh_with("<guest-disk>sd b</guest-disk>"), "is not a disk name", Severity::error},
    {"guest_disks_wrapper_other_child", fresh_with("<guest-disks><disk>sdb</disk></guest-disks>"),
     "is not an answerfile element", Severity::warning},
    {"raid_no_device", fresh_with("<raid><disk>sdb</disk><disk>sdc</disk></raid>"), "needs a device attribute",
     Severity::error},
    {"raid_one_disk", fresh_with("<raid device=\"md127\"><disk>sdb</disk></raid>"), "needs at least two",
     Severity::error},
    {"raid_member_is_guest",
     fresh_with("<raid device=\"md127\"><disk>sdb</disk><disk>sdc</disk></raid><guest-disk>sdc</guest-disk>"),
     "already named as a member of md127", Severity::error},
    {"raid_not_primary", fresh_with("<raid device=\"md127\"><disk>sdb</disk><disk>sdc</disk></raid>"),
     "the RAID device will not hold the installation", Severity::warning},
    {"backup_disk_in_fresh", fresh_with("<backup-disk>sdb</backup-disk>"), "is only read by a restore",
     Severity::warning},
    {"existing_in_fresh", fresh_with("<existing-installation>sdb</existing-installation>"),
     "is ignored in a fresh install", Severity::warning},

    // Password.
    {"password_type_unknown",
     install(std::string(disk) + "<root-password type=\"md5\">x</root-password>" + source + nic),
     "type=\"md5\" is not known", Severity::error},
    {"password_hash_not_crypt",
     install(std::string(disk) + "<root-password type=\"hash\">hunter2</root-password>" + source + nic),
     "is not a crypt hash", Severity::error},
    {"password_empty", install(std::string(disk) + "<root-password></root-password>" + source + nic), "is empty",
     Severity::error},
    {"password_missing", install(std::string(disk) + source + nic), "has no <root-password>", Severity::warning},
    {"keymap_bad", fresh_with("<keymap>us de</keymap>"), "is not a keymap name", Severity::error},

    // Sources.
    {"source_missing", install(std::string(disk) + password + nic), "needs a <source>", Severity::error},
    {"source_no_type", install(std::string(disk) + password + nic + "<source>http://x/</source>"),
     "needs a type attribute", Severity::error},
    {"source_bad_type", install(std::string(disk) + password + nic + "<source type=\"cdrom\">x</source>"),
     "is not a source type", Severity::error},
    {"source_url_scheme", install(std::string(disk) + password + nic + "<source type=\"url\">gopher://h/x</source>"),
     "unsupported scheme gopher", Severity::error},
    {"source_url_no_host", install(std::string(disk) + password + nic + "<source type=\"url\">http:///x</source>"),
     "without a host", Severity::error},
    {"source_not_url", install(std::string(disk) + password + nic + "<source type=\"url\">just words</source>"),
     "is not a URL", Severity::error},
    {"source_file_relative",
     install(std::string(disk) + password + nic + "<source type=\"url\">file:relative</source>"),
     "without an absolute path", Severity::error},
    {"source_url_empty", install(std::string(disk) + password + nic + "<source type=\"url\"/>"), "is empty",
     Severity::error},
    {"source_nfs_bad", install(std::string(disk) + password + nic + "<source type=\"nfs\">/just/a/path</source>"),
     "is not an NFS location", Severity::error},
    {"source_nfs_bad_server",
     install(std::string(disk) + password + nic + "<source type=\"nfs\">bad_host!:/x</source>"),
     "not a host name", Severity::error},
    {"source_local_text", install(std::string(disk) + password + nic + "<source type=\"local\">/mnt</source>"),
     "takes no text", Severity::warning},
    {"source_repeated", fresh_with(source), "repeats the source of line", Severity::warning},
    {"driver_source_bad", fresh_with("<driver-source type=\"url\">ftp://</driver-source>"), "without a host",
     Severity::error},

    // Scripts.
    {"script_no_stage", fresh_with("<script type=\"url\">http://h/s</script>"), "needs a stage attribute",
     Severity::error},
    {"script_bad_stage", fresh_with("<script stage=\"after\" type=\"url\">http://h/s</script>"),
     "stage=\"after\" is not known", Severity::error},
    {"script_no_type", fresh_with("<script stage=\"installation-start\">http://h/s</script>"),
     "needs a type attribute", Severity::error},

    // Management interface.
    {"interface_missing", install(std::string(disk) + password + source), "needs <admin-interface>",
     Severity::error},
    {"interface_no_name", install(std::string(disk) + password + source + "<admin-interface proto=\"dhcp\"/>"),
     "needs name (such as eth0) or hwaddr", Severity::error},
    {"interface_both_names",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" hwaddr=\"52:54:00:00:00:01\" proto=\"dhcp\"/>"),
     "has both name and hwaddr", Severity::error},
    {"interface_bad_mac",
     install(std::string(disk) + password + source + "<admin-interface hwaddr=\"52:54:00:00:00\" proto=\"dhcp\"/>"),
     "is not a MAC address", Severity::error},
    {"interface_bad_name",
     install(std::string(disk) + password + source + "<admin-interface name=\"eth 0\" proto=\"dhcp\"/>"),
     "is not an interface name", Severity::error},
    {"interface_no_proto", install(std::string(disk) + password + source + "<admin-interface name=\"eth0\"/>"),
     "needs proto", Severity::error},
    {"interface_bad_proto",
     install(std::string(disk) + password + source + "<admin-interface name=\"eth0\" proto=\"bootp\"/>"),
     "proto=\"bootp\" is not known", Severity::error},
    {"interface_vlan_zero",
     install(std::string(disk) + password + source + "<admin-interface name=\"eth0\" proto=\"dhcp\" vlan=\"0\"/>"),
     "is not a VLAN ID", Severity::error},
    {"interface_vlan_high",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\" vlan=\"4095\"/>"),
     "is not a VLAN ID", Severity::error},
    {"interface_vlan_word",
     install(std::string(disk) + password + source + "<admin-interface name=\"eth0\" proto=\"dhcp\" vlan=\"ten\"/>"),
     "is not a VLAN ID", Severity::error},
    {"static_needs_gateway",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"static\"><ipaddr>192.0.2.5</ipaddr><subnet>255.255.255.0"
             "</subnet></admin-interface>"),
     "needs <gateway>", Severity::error},
    {"static_needs_ipaddr",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"static\"><subnet>255.255.255.0</subnet><gateway>192.0.2.1"
             "</gateway></admin-interface>"),
     "needs <ipaddr>", Severity::error},
    {"static_needs_subnet",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"static\"><ipaddr>192.0.2.5</ipaddr><gateway>192.0.2.1"
             "</gateway></admin-interface>"),
     "needs <subnet>", Severity::error},
    {"static_bad_ip",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"static\"><ipaddr>192.0.2.256</ipaddr><subnet>255.255.255.0"
             "</subnet><gateway>192.0.2.1</gateway></admin-interface>"),
     "is not an IPv4 address", Severity::error},
    {"static_bad_mask",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"static\"><ipaddr>192.0.2.5</ipaddr><subnet>255.255.0.255"
             "</subnet><gateway>192.0.2.1</gateway></admin-interface>"),
     "contiguous", Severity::error},
    {"static_child_twice",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"static\"><ipaddr>192.0.2.5</ipaddr><ip>192.0.2.6</ip>"
             "<subnet>255.255.255.0</subnet><gateway>192.0.2.1</gateway></admin-interface>"),
     "is given twice inside <admin-interface>", Severity::error},
    {"dhcp_with_address",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\"><ipaddr>192.0.2.5</ipaddr></admin-interface>"),
     "they are ignored", Severity::warning},
    {"v6_static_needs_address",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\" protov6=\"static\"><gatewayv6>2001:db8::1</gatewayv6>"
             "</admin-interface>"),
     "needs <ipv6>", Severity::error},
    {"v6_static_needs_gateway",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\" protov6=\"static\"><ipv6>2001:db8::5/64</ipv6>"
             "</admin-interface>"),
     "needs <gatewayv6>", Severity::error},
    {"v6_bad_prefix",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\" protov6=\"static\"><ipv6>2001:db8::5/129</ipv6>"
             "<gatewayv6>2001:db8::1</gatewayv6></admin-interface>"),
     "with prefix", Severity::error},
    {"v6_bad_gateway",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\" protov6=\"static\"><ipv6>2001:db8::5/64</ipv6>"
             "<gatewayv6>2001:db8::g</gatewayv6></admin-interface>"),
     "is not an IPv6 address", Severity::error},
    {"v6_bad_proto",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\" protov6=\"slaac\"/>"),
     "protov6=\"slaac\" is not known", Severity::error},
    {"no_address_at_all",
     install(std::string(disk) + password + source + "<admin-interface name=\"eth0\" proto=\"none\"/>"),
     "neither IPv4 nor IPv6", Severity::error},

    // Names, time, NTP.
    {"name_server_bad", fresh_with("<name-server>dns.example.com</name-server>"), "is not an IP address",
     Severity::error},
    {"name_server_repeated", fresh_with("<name-server>192.0.2.53</name-server><name-server>192.0.2.53</name-server>"),
     "repeats the name server", Severity::warning},
    {"hostname_bad", fresh_with("<hostname>-bad-.example</hostname>"), "is not a host name", Severity::error},
    {"hostname_too_long_label", fresh_with("<hostname>" + std::string(64, 'a') + "</hostname>"),
     "is not a host name", Severity::error},
    {"timezone_bad", fresh_with("<timezone>London time</timezone>"), "is not a time zone name", Severity::error},
    {"timezone_dots", fresh_with("<timezone>../etc/shadow</timezone>"), "is not a time zone name", Severity::error},
    {"timezone_required_2009",
     install(std::string(disk) + password + source + "<nameserver>192.0.2.53</nameserver>" + nic),
     "the 2009 dialect requires <timezone>", Severity::error},
    {"ntp_bad_source", fresh_with("<ntp source=\"gps\"/>"), "source=\"gps\" is not known", Severity::error},
    {"ntp_twice", fresh_with("<ntp source=\"dhcp\"/><ntp source=\"default\"/>"), "<ntp> is given twice",
     Severity::error},
    {"ntp_manual_without_servers", fresh_with("<ntp source=\"manual\"/>"), "needs at least one <ntp-server>",
     Severity::error},
    {"ntp_server_without_manual", fresh_with("<ntp source=\"dhcp\"/><ntp-server>192.0.2.1</ntp-server>"),
     "only valid with <ntp source=\"manual\">", Severity::error},
    {"ntp_server_bad", fresh_with("<ntp-server>not a host</ntp-server>"), "is not a host name or IP address",
     Severity::error},
    {"ntp_dhcp_on_static",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"static\"><ipaddr>192.0.2.5</ipaddr><subnet>255.255.255.0"
             "</subnet><gateway>192.0.2.1</gateway></admin-interface><ntp source=\"dhcp\"/>"),
     "management interface is not on DHCP", Severity::warning},

    // Boot loader, backend, services.
    {"bootloader_bad", fresh_with("<bootloader>lilo</bootloader>"), "is not a boot loader", Severity::error},
    {"bootloader_bad_location", fresh_with("<bootloader location=\"disk\">grub2</bootloader>"),
     "location=\"disk\" is not known", Severity::error},
    {"bootloader_bad_entry", fresh_with("<bootloader write-boot-entry=\"perhaps\">grub2</bootloader>"),
     "is not a boolean", Severity::error},
    {"backend_bad", fresh_with("<network-backend>linuxbridge</network-backend>"), "is not a network backend",
     Severity::error},
    {"service_no_name", fresh_with("<service state=\"enabled\"/>"), "needs a name attribute", Severity::error},
    {"service_bad_state", fresh_with("<service name=\"sshd\" state=\"on\"/>"), "state=\"on\" is not known",
     Severity::error},
    {"service_twice", fresh_with("<service name=\"sshd\" state=\"enabled\"/><service name=\"sshd\" state=\"disabled\"/>"),
     "service sshd is given twice", Severity::error},

    // Unknown and misplaced input.
    {"unknown_element", fresh_with("<hostnme>h1</hostnme>"), "did you mean <hostname>?", Severity::warning},
    {"unknown_element_strict", fresh_with("<hostnme>h1</hostnme>"), "did you mean <hostname>?", Severity::error,
     true},
    {"misplaced_top_level", fresh_with("<gateway>192.0.2.1</gateway>"), "belongs inside <admin-interface>",
     Severity::warning},
    {"misplaced_in_interface",
     install(std::string(disk) + password + source +
             "<admin-interface name=\"eth0\" proto=\"dhcp\"><hostname>h</hostname></admin-interface>"),
     "belongs directly under the root", Severity::warning},
    {"unknown_attribute", fresh_with("<hostname colour=\"red\">h1</hostname>"), "unknown attribute colour",
     Severity::warning},
    {"elements_inside_text", fresh_with("<hostname>h1<b>x</b></hostname>"), "holds elements where only text",
     Severity::warning},
    {"elements_inside_text_strict", fresh_with("<hostname>h1<b>x</b></hostname>"), "holds elements where only text",
     Severity::error, true},

    // Modes.
    {"reinstall_both",
     install("<existing-installation>sda</existing-installation>" + std::string(disk) + password + source + nic,
             " mode=\"reinstall\""),
     "not both", Severity::error},
    {"reinstall_neither", install(std::string(password) + source + nic, " mode=\"reinstall\""),
     "a reinstall needs <existing-installation>", Severity::error},
    {"reinstall_existing_with_guest",
     install("<existing-installation>sda</existing-installation><guest-disk>sdb</guest-disk>" +
                 std::string(password) + source + nic,
             " mode=\"reinstall\""),
     "leave <guest-disk> out", Severity::error},
    {"upgrade_needs_existing", install(std::string(source), " mode=\"upgrade\""),
     "an upgrade needs <existing-installation>", Severity::error},
    {"upgrade_needs_source", install("<existing-installation>sda</existing-installation>", " mode=\"upgrade\""),
     "an upgrade needs a <source>", Severity::error},
    {"upgrade_ignores_hostname",
     install("<existing-installation>sda</existing-installation><hostname>h</hostname>" + std::string(source),
             " mode=\"upgrade\""),
     "carried over from the existing installation", Severity::warning},
    {"restore_ignores_source", "<restore><backup-disk>sda</backup-disk>" + std::string(source) + "</restore>",
     "is ignored in a restore", Severity::warning},
    {"restore_bad_disk", "<restore><backup-disk>a b</backup-disk></restore>", "is not a disk name",
     Severity::error},
};

INSTANTIATE_TEST_SUITE_P(Rules, RuleTest, ::testing::ValuesIn(rows),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(Rules, BaselineIsValidWithoutWarnings)
{
    const auto r = parse(fresh_with(""));
    EXPECT_TRUE(r.valid());
    EXPECT_TRUE(r.diagnostics.all().empty());
}

TEST(Rules, ReportsEveryProblemInOneRun)
{
    const auto r = parse(install("<primary-disk>a b</primary-disk><hostname>-x</hostname><timezone>no tz</timezone>"
                                 "<service name=\"s\" state=\"x\"/>"));
    // bad disk, bad hostname, bad timezone, bad service state, no source, no interface
    EXPECT_GE(r.diagnostics.count(Severity::error), 6U);
}

TEST(Rules, MessageNamesFileLineColumnAndElement)
{
    const auto r = parse("<?xml version=\"1.0\"?>\n<installation>\n" + std::string(disk) + password + source +
                         "  <admin-interface name=\"eth0\" proto=\"static\">\n"
                         "    <ipaddr>192.0.2.5</ipaddr><subnet>255.255.255.0</subnet>\n"
                         "  </admin-interface>\n</installation>\n");
    ASSERT_FALSE(r.valid());
    std::string lines;
    for (const auto& d : r.diagnostics.sorted()) {
        lines += format(d, "site.xml") + "\n";
    }
    EXPECT_NE(lines.find("site.xml:6:3: <admin-interface name=\"eth0\" proto=\"static\">: needs <gateway>"),
              std::string::npos)
        << lines;
}

TEST(Rules, ErrorsComeBeforeWarnings)
{
    const auto r = parse(fresh_with("<hostnme>x</hostnme><hostname>-bad</hostname>"));
    const auto sorted = r.diagnostics.sorted();
    ASSERT_EQ(sorted.size(), 2U);
    EXPECT_EQ(sorted[0].severity, Severity::error);
    EXPECT_EQ(sorted[1].severity, Severity::warning);
}

}  // namespace
}  // namespace xcp::answerfile
