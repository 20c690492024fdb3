// The DHCP helper inside two network namespaces this test creates, joined by
// a veth pair (never a real interface): busybox udhcpc against full mode,
// and a hand-built PXE client (tests/support/dhcp_probe.cpp) against proxy
// mode.
#include "tests/support/namespaces.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

const std::string probe = XCP_DHCP_PROBE;

class DhcpNetwork : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"ip", "busybox", "curl", "timeout", "python3", "dnsmasq"});
        if (::geteuid() != 0) {
            GTEST_SKIP() << "network namespaces need root; CI runs this as root";
        }
        net_ = std::make_unique<NamespacePair>("dhcp", "52:54:00:aa:00:01", "10.77.0.2");
        ASSERT_EQ(net_->error(), "");
        server_ns_ = net_->server_ns;
        client_ns_ = net_->client_ns;
        std::filesystem::create_directories(dir_.path() / "tftp");
        std::filesystem::create_directories(dir_.path() / "http");
    }

    void TearDown() override
    {
        daemon_.reset();
        net_.reset();
    }

    void start(const std::string& dhcp_flags)
    {
        const auto command = "exec ip netns exec " + server_ns_ + " " + quote(xcp_pxe_binary().string()) +
                             " serve --state-dir " + quote(state()) + " --tftp-root " +
                             quote((dir_.path() / "tftp").string()) + " --http-root " +
                             quote((dir_.path() / "http").string()) + " --interface " + net_->server_if + " --http-port 8080 " +
                             dhcp_flags;
        daemon_ = std::make_unique<Daemon>(std::vector<std::string>{"/bin/sh", "-c", command}, dir_.path() / "daemon.log");
        // "proxyDHCP on IF" or "full DHCP on IF": bound and answering.
        ASSERT_TRUE(daemon_->wait_for_log("DHCP on ")) << daemon_->log();
    }

    [[nodiscard]] std::string state() const { return (dir_.path() / "state").string(); }

    // dnsmasq as Debian ships it (pinging an address before offering it), on
    // the client's side of the link.
    [[nodiscard]] std::unique_ptr<Daemon> start_other_dhcp_server() const
    {
        auto other = std::make_unique<Daemon>(
            std::vector<std::string>{"/bin/sh", "-c",
                                     "exec ip netns exec " + client_ns_ +
                                         " dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=" +
                                         net_->client_if +
                                         " --bind-interfaces --dhcp-range=10.77.0.150,10.77.0.160,1h --dhcp-leasefile=" +
                                         quote((dir_.path() / "dnsmasq.leases").string()) +
                                         " --log-facility=- --log-dhcp --user=root"},
            dir_.path() / "dnsmasq.log");
        EXPECT_TRUE(other->wait_for_log("DHCP, IP range")) << other->log();
        return other;
    }

    // scripts/lab with this build's binary, its files under the test's
    // directory, inside the server's namespace.
    [[nodiscard]] std::string lab(const std::string& flags) const
    {
        return "ip netns exec " + server_ns_ + " " + quote((source_dir() / "scripts/lab").string()) + " --binary " +
               quote(xcp_pxe_binary().string()) + " --dir " + quote((dir_.path() / "lab").string()) +
               " --tftp-port 69 --http-port 8080 " + flags;
    }

    [[nodiscard]] CommandResult client(const std::string& command) const
    {
        return run("ip netns exec " + client_ns_ + " " + command, std::chrono::seconds(30));
    }

    [[nodiscard]] std::string pxe(const std::string& args) const
    {
        return client(probe + " --interface " + net_->client_if + " " + args).output;
    }

    std::unique_ptr<NamespacePair> net_;
    std::string server_ns_, client_ns_;
    TempDir dir_;
    std::unique_ptr<Daemon> daemon_;
};

// serve holds two connections to the inventory (the DHCP helper has its
// own). Opening the database file once more in that process and closing it
// dropped both connections' POSIX locks; the CLI, closing after a write,
// then took itself for the last user and deleted the WAL, and nothing the
// server wrote afterwards reached the CLI.
TEST_F(DhcpNetwork, TheCliSeesWhatTheServerWritesWhileDhcpRuns)
{
    start("--dhcp full --dhcp-probe 0 --dhcp-range 10.77.0.100,10.77.0.110");
    const auto cli = [&](const std::string& args) {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state()));
    };
    ASSERT_EQ(cli("host add 52:54:00:aa:00:01").exit_code, 0);
    ASSERT_EQ(cli("host show 52:54:00:aa:00:01").exit_code, 0);
    for (int boot = 1; boot <= 2; ++boot) {
        const auto script = client("curl -sS --max-time 10 http://10.77.0.1:8080/ipxe/52:54:00:aa:00:01");
        ASSERT_NE(script.output.find("#!ipxe"), std::string::npos) << script.output;
        const auto shown = cli("host show 52:54:00:aa:00:01 --json").output;
        EXPECT_NE(shown.find("iPXE install config served"), std::string::npos) << "boot " << boot << ": " << shown;
        EXPECT_NE(shown.find("\"state\": \"booting\""), std::string::npos) << shown;
        ASSERT_EQ(cli("host reinstall 52:54:00:aa:00:01").exit_code, 0);
    }
}

TEST_F(DhcpNetwork, FullModeLeasesFromTheRangeAndHonoursReservations)
{
    ASSERT_EQ(run(quote(xcp_pxe_binary().string()) + " host add 52:54:00:aa:00:02 --set ip=10.77.0.50 --state-dir " +
                  quote(state()))
                  .exit_code,
              0);
    start("--dhcp full --dhcp-probe 1 --dhcp-range 10.77.0.100,10.77.0.110 --dhcp-router 10.77.0.1 --dhcp-dns 10.77.0.1");
    const auto udhcpc = "timeout 25 busybox udhcpc -i " + net_->client_if + " -n -q -f -s /bin/true -t 3 -T 1";
    auto r = client(udhcpc);
    EXPECT_NE(r.output.find("lease of 10.77.0.100 obtained from 10.77.0.1"), std::string::npos) << r.output;
    r = client(udhcpc);
    EXPECT_NE(r.output.find("lease of 10.77.0.100 obtained"), std::string::npos) << "same client, same address";

    ASSERT_EQ(client("ip link set " + net_->client_if + " address 52:54:00:aa:00:02").exit_code, 0);
    r = client(udhcpc);
    EXPECT_NE(r.output.find("lease of 10.77.0.50 obtained"), std::string::npos) << "the reservation: " << r.output;

    ASSERT_EQ(client("ip link set " + net_->client_if + " address 52:54:00:aa:00:03").exit_code, 0);
    r = client(udhcpc);
    EXPECT_NE(r.output.find("lease of 10.77.0.101 obtained"), std::string::npos) << "a new client, the next one";

    // Leases live in the inventory: a restarted server gives the same ones.
    daemon_.reset();
    start("--dhcp full --dhcp-probe 1 --dhcp-range 10.77.0.100,10.77.0.110");
    ASSERT_EQ(client("ip link set " + net_->client_if + " address 52:54:00:aa:00:01").exit_code, 0);
    r = client(udhcpc);
    EXPECT_NE(r.output.find("lease of 10.77.0.100 obtained"), std::string::npos) << r.output;

    // A PXE client in full mode gets an address and its boot file.
    const auto offer = pxe("--mac 52:54:00:aa:00:09 --vendor PXEClient:Arch:00000:UNDI:002001 --arch 0");
    EXPECT_NE(offer.find("type=2 yiaddr=10.77.0.10"), std::string::npos) << offer;
    EXPECT_NE(offer.find("file=pxelinux.0"), std::string::npos) << offer;
    EXPECT_NE(offer.find("opt60=PXEClient"), std::string::npos) << offer;
}

TEST_F(DhcpNetwork, ProxyModeAnswersPxeClientsOnlyAndNeverWithAnAddress)
{
    ASSERT_EQ(run(quote(xcp_pxe_binary().string()) + " host add 52:54:00:aa:00:05 --state-dir " + quote(state()) +
                  " && " + quote(xcp_pxe_binary().string()) + " host set 52:54:00:aa:00:05 netboot=no --state-dir " +
                  quote(state()))
                  .exit_code,
              0);
    start("");  // --interface alone means proxy
    auto r = pxe("--vendor PXEClient:Arch:00000:UNDI:002001 --arch 0 --uuid");
    EXPECT_NE(r.find("type=2 yiaddr=0.0.0.0 siaddr=10.77.0.1 file=pxelinux.0"), std::string::npos) << r;
    EXPECT_NE(r.find("opt43=yes opt97=17bytes"), std::string::npos) << "BIOS: option 43; 97 echoed: " << r;

    r = pxe("--vendor PXEClient:Arch:00007:UNDI:003016 --arch 7");
    EXPECT_NE(r.find("yiaddr=0.0.0.0 siaddr=10.77.0.1 file=EFI/xenserver/grubx64.efi"), std::string::npos) << r;
    EXPECT_NE(r.find("opt43=no"), std::string::npos) << "EFI: no option 43: " << r;

    r = pxe("--vendor PXEClient:Arch:00000:UNDI:002001");
    EXPECT_NE(r.find("file=pxelinux.0"), std::string::npos) << "arch from option 60 when 93 is missing: " << r;

    r = pxe("--vendor PXEClient:Arch:00000:UNDI:002001 --arch 0 --user-class iPXE");
    EXPECT_NE(r.find("file=http://10.77.0.1:8080/ipxe"), std::string::npos) << "iPXE gets its script: " << r;
    // iPXE multiboots only in its BIOS build: under UEFI, grub.
    r = pxe("--vendor PXEClient:Arch:00007:UNDI:003016 --arch 7 --user-class iPXE");
    EXPECT_NE(r.find("file=EFI/xenserver/grubx64.efi"), std::string::npos) << "EFI iPXE gets grub: " << r;

    r = pxe("--vendor HTTPClient:Arch:00016:UNDI:003001 --arch 16");
    EXPECT_NE(r.find("file=http://10.77.0.1:8080/boot/EFI/xenserver/grubx64.efi opt60=HTTPClient"),
              std::string::npos)
        << r;

    r = pxe("--vendor PXEClient:Arch:00007:UNDI:003016 --arch 7 --type request --to 10.77.0.1 --port 4011 "
            "--from-port 4011 --bind 10.77.0.2");
    EXPECT_NE(r.find("reply type=5 yiaddr=0.0.0.0"), std::string::npos) << "ACK on 4011: " << r;

    // Relayed: answered to the relay (giaddr) on port 67.
    r = pxe("--vendor PXEClient:Arch:00000:UNDI:002001 --arch 0 --giaddr 10.77.0.2 --to 10.77.0.1 --from-port 67 "
            "--bind 10.77.0.2");
    EXPECT_NE(r.find("reply type=2 yiaddr=0.0.0.0 siaddr=10.77.0.1 file=pxelinux.0"), std::string::npos) << r;

    EXPECT_NE(pxe("--wait-ms 1000").find("replies=0"), std::string::npos) << "a non-PXE client gets nothing";
    EXPECT_NE(pxe("--vendor MSFT --arch 0 --wait-ms 1000").find("replies=0"), std::string::npos);

    // Malformed packets: logged and dropped; the server goes on answering.
    const std::vector<std::string> raws{"01", "0101060012345678", "010106" + std::string(474, '0')};
    for (const auto& raw : raws) {
        EXPECT_NE(pxe("--raw " + raw + " --wait-ms 300").find("replies=0"), std::string::npos) << raw;
    }
    std::string past_end(472, '0');
    past_end.replace(0, 6, "010106");
    past_end += "63825363" "35" "01" "01" "3c" "ff";  // option 60 claims 255 bytes
    EXPECT_NE(pxe("--raw " + past_end + " --wait-ms 300").find("replies=0"), std::string::npos);
    EXPECT_NE(pxe("--vendor PXEClient --arch 0").find("file=pxelinux.0"), std::string::npos) << daemon_->log();
    const auto log = daemon_->log();
    EXPECT_NE(log.find("dropped a packet from 10.77.0.2: truncated header"), std::string::npos) << log;
    EXPECT_NE(log.find("no DHCP magic cookie"), std::string::npos) << log;
    EXPECT_NE(log.find("runs past the end"), std::string::npos) << log;
}

// Every DHCP fuzz corpus file, sent to the running helper from the client's
// side of the link: it still leases afterwards.
TEST_F(DhcpNetwork, EveryFuzzCorpusPacketLeavesTheHelperServing)
{
    start("--dhcp full --dhcp-probe 1 --dhcp-range 10.77.0.100,10.77.0.110");
    ASSERT_EQ(client("ip addr add 10.77.0.9/24 dev " + net_->client_if).exit_code, 0);
    std::string files;
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "tests/fuzz/corpus/dhcp_packet_fuzz")) {
        files += " " + quote(entry.path().string());
    }
    const auto sent = client("/usr/bin/python3 -c " +
                             quote("import socket,sys\n"
                                   "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                                   "for f in sys.argv[1:]:\n"
                                   "    s.sendto(open(f,'rb').read(),('10.77.0.1',67))\n"
                                   "    s.sendto(open(f,'rb').read()[:7],('10.77.0.1',67))\n") +
                             files);
    ASSERT_EQ(sent.exit_code, 0) << sent.output;
    EXPECT_TRUE(daemon_->wait_for_log("dhcp: dropped a packet from 10.77.0.")) << "the packets reached the helper";
    ASSERT_EQ(client("ip addr flush dev " + net_->client_if).exit_code, 0);
    const auto r = client("timeout 25 busybox udhcpc -i " + net_->client_if + " -n -q -f -s /bin/true -t 3 -T 1");
    EXPECT_NE(r.output.find("lease of 10.77.0.1"), std::string::npos) << r.output << daemon_->log();
    EXPECT_TRUE(daemon_->running());
}

// `--dhcp-range auto` (what `scripts/lab --isolated` gives): the probe for
// another server first, then addresses from the interface's subnet, never
// the server's own.
TEST_F(DhcpNetwork, AnAutoRangeComesFromTheSubnetAfterAProbeFindsNoOtherServer)
{
    start("--dhcp full --dhcp-range auto");
    EXPECT_NE(daemon_->log().find("dhcp: looking for another DHCP server on " + net_->server_if + " for 5 s"),
              std::string::npos)
        << daemon_->log();
    EXPECT_NE(daemon_->log().find("dhcp: no other DHCP server answered on " + net_->server_if), std::string::npos);
    EXPECT_NE(daemon_->log().find("addresses 10.77.0.2 to 10.77.0.254 netmask 255.255.255.0"), std::string::npos)
        << daemon_->log();
    const auto r = client("timeout 25 busybox udhcpc -i " + net_->client_if + " -n -q -f -s /bin/true -t 3 -T 1");
    EXPECT_NE(r.output.find("lease of 10.77.0.2 obtained from 10.77.0.1"), std::string::npos) << r.output;
}

// A second DHCP server, dnsmasq as Debian ships it (pinging an address
// before offering it), on the client's side of the link: full mode refuses
// to start and names it; proxy mode starts beside it.
TEST_F(DhcpNetwork, FullModeRefusesToStartBesideAnotherDhcpServer)
{
    const auto other = start_other_dhcp_server();
    ASSERT_TRUE(other->running());
    const auto serve = "ip netns exec " + server_ns_ + " " + quote(xcp_pxe_binary().string()) + " serve --state-dir " +
                       quote(state()) + " --tftp-root " + quote((dir_.path() / "tftp").string()) + " --http-root " +
                       quote((dir_.path() / "http").string()) + " --interface " + net_->server_if;
    const auto r = run(serve + " --dhcp full --dhcp-range auto", std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 4) << r.output;
    EXPECT_NE(r.output.find("another DHCP server answers on " + net_->server_if + " (10.77.0.2 offered 10.77.0.1"),
              std::string::npos)
        << r.output << other->log();
    EXPECT_NE(r.output.find("use --dhcp proxy instead"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("DHCP on "), std::string::npos) << "nothing was bound: " << r.output;
    EXPECT_NE(other->log().find("DHCPDISCOVER(" + net_->client_if + ")"), std::string::npos) << other->log();

    start("--dhcp proxy");
    EXPECT_TRUE(daemon_->running());
}

// The laptop on an isolated lab switch: `scripts/lab --interface IF
// --isolated` says what to plug in and which addresses it gives, hands one
// to a client, and serves the demo host's boot config.
TEST_F(DhcpNetwork, LabIsolatedServesFullDhcpFromTheSubnetAndSaysWhatToPlugIn)
{
    daemon_ = std::make_unique<Daemon>(
        std::vector<std::string>{"/bin/sh", "-c", "exec " + lab("--interface " + net_->server_if + " --isolated")},
        dir_.path() / "lab.log");
    ASSERT_TRUE(daemon_->wait_for_log("dhcp: full DHCP on ", std::chrono::seconds(30))) << daemon_->log();
    const auto text = daemon_->log();
    EXPECT_NE(text.find("full DHCP on " + net_->server_if + ", addresses 10.77.0.2 to 10.77.0.254 (netmask "
                        "255.255.255.0)"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("Plug in:\n  - " + net_->server_if + " into the lab switch"), std::string::npos) << text;
    EXPECT_NE(text.find("What the first host sees when it powers on:\n  - an address from 10.77.0.2 to 10.77.0.254"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("dhcp: no other DHCP server answered on " + net_->server_if), std::string::npos) << text;

    auto r = client("timeout 25 busybox udhcpc -i " + net_->client_if + " -n -q -f -s /bin/true -t 3 -T 1");
    EXPECT_NE(r.output.find("lease of 10.77.0.2 obtained from 10.77.0.1"), std::string::npos) << r.output;
    r = client("curl -sS --max-time 20 tftp://10.77.0.1/pxelinux.cfg/01-52-54-00-12-34-56");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("answerfile=http://10.77.0.1:8080/answerfile/"), std::string::npos) << r.output;
}

TEST_F(DhcpNetwork, LabIsolatedRefusesBesideAnotherDhcpServer)
{
    const auto other = start_other_dhcp_server();
    auto r = run(lab("--interface " + net_->server_if + " --isolated"), std::chrono::seconds(60));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("another DHCP server answers on " + net_->server_if + " (10.77.0.2 offered"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("use --dhcp proxy instead (scripts/lab without --isolated)"), std::string::npos);

    r = run(lab("--isolated"));
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("lab: --isolated needs --interface IF"), std::string::npos) << r.output;
}

TEST_F(DhcpNetwork, FullModeRefusesToStartWithoutARange)
{
    const auto r = run("ip netns exec " + server_ns_ + " " + quote(xcp_pxe_binary().string()) + " serve --state-dir " +
                       quote(state()) + " --tftp-root " + quote((dir_.path() / "tftp").string()) + " --http-root " +
                       quote((dir_.path() / "http").string()) + " --interface " + net_->server_if + " --dhcp full");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("--dhcp full needs --dhcp-range"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace xcp::test

namespace xcp::test {
namespace {

TEST(DhcpConfig, SnippetsForExistingServers)
{
    TempDir dir;
    const auto xcp = quote(xcp_pxe_binary().string());
    auto r = run(xcp + " dhcp config --format dnsmasq --server 192.0.2.10 --http-port 8080");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("dhcp-boot=tag:!ipxe,tag:efi64,EFI/xenserver/grubx64.efi,,192.0.2.10"), std::string::npos);
    EXPECT_NE(r.output.find("dhcp-boot=tag:ipxe,http://192.0.2.10:8080/ipxe"), std::string::npos);
    // dnsmasq itself reads the snippet.
    const auto file = dir.path() / "pxe.conf";
    std::ofstream(file) << r.output;
    const auto check = run("dnsmasq --test --conf-file=" + quote(file.string()));
    EXPECT_EQ(check.exit_code, 0) << check.output;

    r = run(xcp + " dhcp config --format isc --server 192.0.2.10");
    ASSERT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("match if substring(option vendor-class-identifier, 0, 9) = \"PXEClient\";"),
              std::string::npos);
    EXPECT_NE(r.output.find("next-server 192.0.2.10;"), std::string::npos);
    EXPECT_NE(r.output.find("filename \"pxelinux.0\";"), std::string::npos);

    r = run(xcp + " dhcp config --format kea --server 192.0.2.10");
    ASSERT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("\"client-classes\""), std::string::npos);
    EXPECT_NE(r.output.find("option[93].hex == 0x0007"), std::string::npos);

    EXPECT_EQ(run(xcp + " dhcp config --format nope --server 192.0.2.10").exit_code, 2);
    EXPECT_EQ(run(xcp + " dhcp config --server not-an-ip").exit_code, 2);
}

}  // namespace
}  // namespace xcp::test

namespace xcp::test {
namespace {

// A host's boot as the server records it: its DHCP exchange (udhcpc, with
// Debian's script configuring the leased address), then TFTP (curl) and HTTP
// (curl) fetches from that address, which only its lease ties to its MAC.
TEST_F(DhcpNetwork, EachFetchOfABootIsAnEventOfItsHostWithItsBytes)
{
    const auto client_mac = std::string("52:54:00:aa:00:01");
    ASSERT_EQ(run(quote(xcp_pxe_binary().string()) + " host add " + client_mac + " --state-dir " + quote(state()))
                  .exit_code,
              0);
    const auto tftp = dir_.path() / "tftp";
    std::filesystem::create_directories(tftp / "xcp-ng");
    write_random_file(tftp / "pxelinux.0", 30000, 1);
    write_random_file(tftp / "xcp-ng/xen.gz", 500000, 2);
    write_random_file(tftp / "xcp-ng/vmlinuz", 1000000, 3);
    start("--dhcp full --dhcp-probe 0 --dhcp-range 10.77.0.100,10.77.0.110");

    ASSERT_EQ(client("ip addr flush dev " + net_->client_if).exit_code, 0);
    const auto lease = client("timeout 25 busybox udhcpc -i " + net_->client_if +
                              " -n -q -f -s /etc/udhcpc/default.script -t 3 -T 1");
    ASSERT_NE(lease.output.find("lease of 10.77.0.100 obtained"), std::string::npos) << lease.output;
    ASSERT_NE(client("ip -4 addr show dev " + net_->client_if).output.find("10.77.0.100"), std::string::npos);
    for (const auto* file : {"pxelinux.0", "xcp-ng/xen.gz"}) {
        const auto r = client(std::string("curl -sS --fail --max-time 10 -o /dev/null tftp://10.77.0.1/") + file);
        ASSERT_EQ(r.exit_code, 0) << file << ": " << r.output;
    }
    const auto http = client("curl -sS --fail --max-time 10 -o /dev/null http://10.77.0.1:8080/boot/xcp-ng/vmlinuz");
    ASSERT_EQ(http.exit_code, 0) << http.output;

    // Written in batches: wait (bounded) for the last one.
    nlohmann::json events;
    for (int i = 0; i < 100; ++i) {
        const auto shown = nlohmann::json::parse(
            run(quote(xcp_pxe_binary().string()) + " host show " + client_mac + " --json --state-dir " + quote(state()))
                .output,
            nullptr, false);
        events = shown.is_object() ? shown.value("events", nlohmann::json::array()) : nlohmann::json::array();
        if (events.dump().find("/boot/xcp-ng/vmlinuz") != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto find = [&](const std::string& source, const std::string& text) -> nlohmann::json {
        for (const auto& e : events) {
            if (e.value("source", "") == source && e.value("message", "").find(text) != std::string::npos) {
                return e;
            }
        }
        return nullptr;
    };
    const auto ack = find("dhcp", "ACK 10.77.0.100");
    ASSERT_FALSE(ack.is_null()) << events.dump(2);
    EXPECT_EQ(ack.value("step", ""), "dhcp");
    const auto loader = find("tftp", "pxelinux.0");
    ASSERT_FALSE(loader.is_null()) << events.dump(2);
    EXPECT_EQ(loader.value("bytes", 0), 30000);
    EXPECT_EQ(loader.value("step", ""), "loader");
    EXPECT_TRUE(loader["duration_ms"].is_number());
    const auto xen = find("tftp", "xcp-ng/xen.gz");
    ASSERT_FALSE(xen.is_null()) << events.dump(2);
    EXPECT_EQ(xen.value("bytes", 0), 500000);
    EXPECT_EQ(xen.value("step", ""), "kernel");
    const auto kernel = find("http", "/boot/xcp-ng/vmlinuz");
    ASSERT_FALSE(kernel.is_null()) << events.dump(2);
    EXPECT_EQ(kernel.value("bytes", 0), 1000000);

    // The same boot as phases, in `host show`.
    const auto text =
        run(quote(xcp_pxe_binary().string()) + " host show " + client_mac + " --state-dir " + quote(state())).output;
    for (const auto* phase : {"dhcp", "loader", "kernel and image"}) {
        EXPECT_NE(text.find("\n  " + std::string(phase)), std::string::npos) << phase << " in:\n" << text;
    }
}

}  // namespace
}  // namespace xcp::test

namespace xcp::test {
namespace {

// Proxy mode hands out no address: a PXE client's REQUEST to the network's
// own DHCP server, seen on port 67, names the address its TFTP fetches then
// come from.
TEST_F(DhcpNetwork, InProxyModeTheClientsRequestToTheRealServerTiesItsAddress)
{
    const auto host_mac = std::string("52:54:00:aa:00:06");
    ASSERT_EQ(run(quote(xcp_pxe_binary().string()) + " host add " + host_mac + " --state-dir " + quote(state()))
                  .exit_code,
              0);
    write_random_file(dir_.path() / "tftp/pxelinux.0", 20000, 5);
    start("");  // proxy
    const auto seen = pxe("--mac " + host_mac +
                          " --vendor PXEClient:Arch:00000:UNDI:002001 --arch 0 --type request --requested-ip "
                          "10.77.0.50 --wait-ms 300");
    EXPECT_NE(seen.find("replies=0"), std::string::npos) << "not ours to answer: " << seen;
    ASSERT_EQ(client("ip addr add 10.77.0.50/24 dev " + net_->client_if).exit_code, 0);
    const auto r = client("curl -sS --fail --max-time 10 --interface 10.77.0.50 -o /dev/null tftp://10.77.0.1/pxelinux.0");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::string events;
    for (int i = 0; i < 100 && events.find("tftp pxelinux.0") == std::string::npos; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        events = run(quote(xcp_pxe_binary().string()) + " host show " + host_mac + " --state-dir " + quote(state())).output;
    }
    EXPECT_NE(events.find("REQUEST 10.77.0.50 to the network's DHCP server (seen)"), std::string::npos) << events;
    EXPECT_NE(events.find("tftp pxelinux.0"), std::string::npos) << events << daemon_->log();
}

}  // namespace
}  // namespace xcp::test
