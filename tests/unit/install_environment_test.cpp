// The install environment's kernel command line and the network it asks
// for: pure functions, and the NIC list read from a sysfs-shaped folder.
#include "installer-agent/environment/kernel_cmdline.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace xcp::installer {
namespace {

using Commands = std::vector<std::vector<std::string>>;

TEST(KernelCommandLine, EveryKeyTheReferenceReads)
{
    const auto k = parse_kernel_cmdline(
        "xencons=hvc console=hvc0 answerfile=http://192.0.2.1/answerfile/abc install answerfile_device=eth1 "
        "BOOTIF=01-52-54-00-AA-BB-07 network_config=static:ip=192.0.2.9;netmask=255.255.255.0 atexit=reboot\n");
    EXPECT_EQ(k.answerfile, "http://192.0.2.1/answerfile/abc");
    EXPECT_EQ(k.network_device, "eth1") << "answerfile_device is the legacy spelling";
    EXPECT_EQ(k.bootif, "52:54:00:aa:bb:07");
    EXPECT_EQ(k.network_config, "static:ip=192.0.2.9;netmask=255.255.255.0");
    EXPECT_EQ(k.atexit, "reboot");
    EXPECT_EQ(parse_kernel_cmdline("network_device=eth2 answerfile_device=eth1").network_device, "eth2");
    EXPECT_EQ(parse_kernel_cmdline("BOOTIF=nonsense").bootif, "");
    EXPECT_EQ(parse_kernel_cmdline("").answerfile, "");
}

TEST(KernelCommandLine, WhichNics)
{
    const std::vector<Nic> nics{{"eth0", "52:54:00:aa:bb:06"}, {"eth1", "52:54:00:aa:bb:07"}};
    const auto pick = [&](const std::string& line) { return choose_nics(parse_kernel_cmdline(line), nics); };
    using Names = std::vector<std::string>;
    EXPECT_EQ(std::get<Names>(pick("BOOTIF=01-52-54-00-aa-bb-07")), Names{"eth1"}) << "the NIC pxelinux booted from";
    EXPECT_EQ(std::get<Names>(pick("network_device=52:54:00:AA:BB:06 BOOTIF=01-52-54-00-aa-bb-07")), Names{"eth0"})
        << "network_device wins";
    EXPECT_EQ(std::get<Names>(pick("network_device=all")), (Names{"eth0", "eth1"}));
    EXPECT_EQ(std::get<Names>(pick("")), (Names{"eth0", "eth1"}));
    EXPECT_EQ(std::get<std::string>(pick("network_device=eth9")),
              "network_device=eth9: there is no such NIC (present: eth0, eth1)");
    EXPECT_EQ(std::get<std::string>(pick("BOOTIF=01-52-54-00-00-00-01")),
              "BOOTIF 52:54:00:00:00:01: the NIC pxelinux booted from is not present");
}

TEST(KernelCommandLine, NetworkCommands)
{
    EXPECT_EQ(std::get<Commands>(network_commands("eth0", "")),
              (Commands{{"ip", "link", "set", "dev", "eth0", "up"},
                        {"udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "3"}}));
    EXPECT_EQ(std::get<Commands>(network_commands("eth0", "dhcp:vlan=42")).back(),
              (std::vector<std::string>{"udhcpc", "-i", "eth0.42", "-n", "-q", "-t", "5", "-T", "3"}));
    const auto s = std::get<Commands>(
        network_commands("eth1", "static:ip=192.0.2.9;netmask=255.255.255.0;gateway=192.0.2.1;dns=192.0.2.53"));
    EXPECT_EQ(s[1], (std::vector<std::string>{"ip", "address", "add", "192.0.2.9/24", "dev", "eth1"}));
    EXPECT_EQ(s[2], (std::vector<std::string>{"ip", "route", "add", "default", "via", "192.0.2.1", "dev", "eth1"}));
    EXPECT_EQ(std::get<std::string>(network_commands("eth0", "static:ip=192.0.2.9;netmask=255.0.255.0")),
              "network_config: netmask=255.0.255.0 is not a netmask");
    EXPECT_EQ(std::get<std::string>(network_commands("eth0", "static:ip=192.0.2.9")),
              "network_config=static needs netmask=");
    EXPECT_EQ(std::get<std::string>(network_commands("eth0", "dhcp:vlan=4095")),
              "network_config: vlan=4095 is not a VLAN id from 1 to 4094");
    EXPECT_NE(std::get<std::string>(network_commands("eth0", "ppp")).find("expected dhcp"), std::string::npos);
}

TEST(KernelCommandLine, NicsFromSysfs)
{
    test::TempDir dir;
    for (const auto& [name, mac] : std::vector<std::pair<std::string, std::string>>{
             {"lo", "00:00:00:00:00:00"}, {"eth1", "52:54:00:AA:BB:07"}, {"eth0", "52:54:00:aa:bb:06"}}) {
        std::filesystem::create_directories(dir.path() / name);
        std::ofstream(dir.path() / name / "address") << mac << "\n";
    }
    const auto nics = list_nics(dir.path());
    ASSERT_EQ(nics.size(), 2U) << "loopback left out";
    EXPECT_EQ(nics[0].name, "eth0");
    EXPECT_EQ(nics[1].mac, "52:54:00:aa:bb:07");
}

}  // namespace
}  // namespace xcp::installer
