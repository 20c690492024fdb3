// The whole chain, as a rack would see it. Two network namespaces this test
// makes: xcp-pxe serves full DHCP, TFTP and HTTP on one side; on the other a
// bridge holds a tap, and a QEMU machine with an empty disk and two guest
// disks boots from its own NIC ROM (Debian's iPXE). It gets Xen (Debian's
// xen-hypervisor-4.17, fetched with apt-get download, never installed), a
// Debian kernel as dom0 and our install image; xcp-installer installs a
// release whose control domain carries that same Xen and kernel, reports,
// and reboots. The next boot gets local boot and starts Xen and the
// installed dom0 from the disk. Then an upgrade to a newer version, with
// data in the SR partition and on the guest disks that must not change.
//
// Nothing reaches the root namespace or a real interface. Run once, not
// under the sanitizers (the name holds "Qemu"); label e2e.
#include "tests/support/debian_packages.hpp"
#include "tests/support/installer.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <thread>

namespace xcp::test {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::string vm_mac = "52:54:00:e2:e0:01";
// Debian's ovmf.
constexpr const char* ovmf_code = "/usr/share/OVMF/OVMF_CODE_4M.fd";
constexpr const char* ovmf_vars = "/usr/share/OVMF/OVMF_VARS_4M.fd";

std::string tail(const std::string& text, std::size_t bytes)
{
    return text.substr(text.size() > bytes ? text.size() - bytes : 0);
}

// Wall time between the milestones a test passes, printed at its end.
class Phases {
public:
    void mark(const std::string& name)
    {
        const auto now = Clock::now();
        char seconds[32];
        std::snprintf(seconds, sizeof seconds, "%.1f s",
                      static_cast<double>(std::chrono::duration_cast<std::chrono::milliseconds>(now - last_).count()) /
                          1000.0);
        lines_ += "  " + name + ": " + seconds + "\n";
        last_ = now;
    }
    ~Phases() { std::cout << "phase wall times (TCG):\n" << lines_ << std::flush; }
    Phases() = default;
    Phases(const Phases&) = delete;
    Phases& operator=(const Phases&) = delete;

private:
    Clock::time_point last_ = Clock::now();
    std::string lines_;
};

class EndToEndQemu : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"qemu-system-x86_64", "ip", "dpkg-deb", "sfdisk", "debugfs", "tar", "bzip2", "md5sum",
                          "truncate", "curl", "dd", "cmp"});
        if (::geteuid() != 0) {
            GTEST_SKIP() << "network namespaces and a tap need root; CI runs this as root";
        }
        net_ = std::make_unique<NamespacePair>("e2e", "52:54:00:e2:e0:fe", "");
        ASSERT_EQ(net_->error(), "");
        tap_ = net_->add_bridged_tap();
        ASSERT_EQ(net_->error(), "");
        // Without an IPv6 router on the LAN, iPXE waits ~16 s for one.
        advertiser_ = std::make_unique<Daemon>(
            std::vector<std::string>{"/bin/sh", "-c",
                                     "exec ip netns exec " + net_->client_ns + " " + XCP_ROUTER_ADVERTISER + " " +
                                         net_->lan_bridge + " 3600"},
            dir_.path() / "advertiser.log");
    }

    void TearDown() override
    {
        if (HasFailure() && server_) {
            std::cout << "server log (tail):\n" << tail(server_->log(), 6000) << '\n';
        }
        server_.reset();
        advertiser_.reset();
        net_.reset();
    }

    [[nodiscard]] CommandResult xcp(const std::string& args, std::chrono::seconds limit = std::chrono::seconds(60)) const
    {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state_.string()), limit);
    }

    [[nodiscard]] std::string roots() const
    {
        return " --tftp-root " + quote(tftp_.string()) + " --http-root " + quote(http_.string());
    }

    void start_server(const std::string& dhcp_flags = "--dhcp full --dhcp-range 10.77.0.100,10.77.0.110")
    {
        const auto command = "exec ip netns exec " + net_->server_ns + " " + quote(xcp_pxe_binary().string()) +
                             " serve --state-dir " + quote(state_.string()) + roots() + " --interface " +
                             net_->server_if + " --http-port 8080 " + dhcp_flags;
        server_ = std::make_unique<Daemon>(std::vector<std::string>{"/bin/sh", "-c", command}, dir_.path() / "server.log");
        ASSERT_TRUE(server_->wait_for_log("DHCP on ", std::chrono::seconds(30))) << server_->log();
    }

    // Debian's Xen and kernel unpacked, our install image, one release per
    // version whose control domain carries that Xen and kernel, the host
    // in the inventory, and the VM's disks.
    // `modern`: XCP-ng 8 repositories (RPM, .treeinfo) and a 64 GiB disk, for
    // the GPT layout with an ESP; `more`: further files for the control
    // domain's tree.
    void prepare(const std::vector<std::string>& versions, bool modern = false,
                 const std::vector<std::pair<std::string, fs::path>>& more = {})
    {
        const auto unpacked = dir_.path() / "debs";
        sh("dpkg-deb -x " + quote(debian_package("xen-hypervisor-4.17-amd64").string()) + " " +
           quote(unpacked.string()));
        const auto kernel_deb = debian_package("linux-image-amd64");
        sh("dpkg-deb -x " + quote(kernel_deb.string()) + " " + quote(unpacked.string()));
        xen_ = unpacked / "boot/xen-4.17-amd64.gz";
        ASSERT_TRUE(fs::is_regular_file(xen_));
        for (const auto& e : fs::directory_iterator(unpacked / "boot")) {
            if (e.path().filename().string().starts_with("vmlinuz-")) {
                kernel_ = e.path();
            }
        }
        ASSERT_FALSE(kernel_.empty());
        const auto image = dir_.path() / "image";
        const auto built = build_install_image(image, kernel_deb);
        ASSERT_EQ(built.exit_code, 0) << built.output;
        auto boot_files = more;
        boot_files.emplace_back("boot/xen-4.17-amd64.gz", xen_);
        boot_files.emplace_back("boot/" + kernel_.filename().string(), kernel_);
        for (const auto& v : versions) {
            (modern ? build_modern_repository : build_legacy_repository)(
                dir_.path() / ("repo-" + v), dir_.path() / ("content-" + v), v, "xen-4.17-amd64.gz", "XCP e2e " + v, 9,
                boot_files);
            const auto added = xcp("release add-agent --name xcp-" + v + " --image " +
                                       quote((image / "install.img").string()) + " --kernel " +
                                       quote((image / "vmlinuz").string()) + " --xen " + quote(xen_.string()) +
                                       " --repository " + quote((dir_.path() / ("repo-" + v)).string()) + roots(),
                                   std::chrono::seconds(120));
            ASSERT_EQ(added.exit_code, 0) << added.output;
        }
        ASSERT_EQ(xcp("host add " + vm_mac + " --hostname e2e-host --set root-password=Sup3r-Secret-Pw").exit_code, 0);
        ASSERT_EQ(xcp("host set " + vm_mac + " release=xcp-" + versions.front() +
                      " primary-disk=vda guest-disks=vdb,vdc")
                      .exit_code,
                  0);
        sh("truncate -s " + std::string(modern ? "64G " : "24G ") + quote((dir_.path() / "disk.img").string()));
        sh("truncate -s 2G " + quote((dir_.path() / "guest1.img").string()));
        sh("truncate -s 2G " + quote((dir_.path() / "guest2.img").string()));
    }

    // One power-on of the VM: network first, then the disk, as a rack's
    // BIOS is set. It runs until it powers off or reboots (-no-reboot).
    // `uefi`: OVMF, whose variables live in a copy beside the disks.
    [[nodiscard]] std::unique_ptr<Daemon> power_on(const std::string& name, const std::string& nic = "virtio-net-pci",
                                                   bool uefi = false) const
    {
        const auto sercon = dir_.path() / "sercon-port";
        if (!fs::exists(sercon)) {
            // SeaBIOS mirrors the ROM's text to this port (0x3f8).
            std::ofstream(sercon, std::ios::binary) << std::string("\xf8\x03", 2);
        }
        std::string argv = "exec ip netns exec " + net_->client_ns +
                           " qemu-system-x86_64 -accel tcg -m 3072 -smp 1 -display none -monitor none -no-reboot"
                           " -serial stdio -boot order=nc -fw_cfg name=etc/sercon-port,file=" +
                           quote(sercon.string()) + " -netdev tap,id=n0,ifname=" + tap_ +
                           ",script=no,downscript=no -device " + nic + ",netdev=n0,mac=" + vm_mac;
        if (uefi) {
            const auto vars = dir_.path() / "OVMF_VARS.fd";
            if (!fs::exists(vars)) {
                fs::copy_file(ovmf_vars, vars);
            }
            argv += " -machine q35 -drive " + quote("if=pflash,format=raw,readonly=on,file=" + std::string(ovmf_code)) +
                    " -drive " + quote("if=pflash,format=raw,file=" + vars.string());
        }
        for (const auto* disk : {"disk.img", "guest1.img", "guest2.img"}) {
            argv += " -drive " + quote("file=" + (dir_.path() / disk).string() + ",format=raw,if=virtio");
        }
        return std::make_unique<Daemon>(std::vector<std::string>{"/bin/sh", "-c", argv},
                                        dir_.path() / (name + "-serial.log"));
    }

    // Waits for `text` on the VM's console; a miss fails the test with the
    // tails of the console and of the server's log.
    void expect_console(const Daemon& vm, const std::string& text, std::chrono::seconds limit) const
    {
        ASSERT_TRUE(vm.wait_for_log(text, limit))
            << "waited " << limit.count() << " s for \"" << text << "\"\nserial console (tail):\n"
            << tail(vm.log(), 6000);
    }

    // Waits for the installer's outcome on the console: a failure ends the
    // wait at once (it keeps a shell open), with the console's tail.
    void expect_install_success(const Daemon& vm, std::chrono::seconds limit) const
    {
        const auto until = Clock::now() + limit;
        for (bool running = true; running;) {
            // Read after checking that it runs: a VM that reports and reboots
            // within one pause has its last lines in the log by then.
            running = Clock::now() < until && vm.running();
            const auto serial = vm.log();
            if (serial.find("xcp-init: the install succeeded") != std::string::npos) {
                return;
            }
            if (serial.find("xcp-init: xcp-installer failed") != std::string::npos) {
                break;
            }
            if (running) {
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
            }
        }
        FAIL() << "no \"xcp-init: the install succeeded\" within " << limit.count() << " s; serial console (tail):\n"
               << tail(vm.log(), 6000);
    }

    static void wait_for_exit(Daemon& vm)
    {
        for (int i = 0; i < 600 && vm.running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        EXPECT_FALSE(vm.running()) << tail(vm.log(), 3000);
    }

    [[nodiscard]] nlohmann::json host() const
    {
        return nlohmann::json::parse(xcp("host show " + vm_mac + " --json").output, nullptr, false);
    }

    // Where partition `number` of the primary disk starts, in bytes.
    [[nodiscard]] std::uint64_t partition_offset(int number) const
    {
        const auto table = nlohmann::json::parse(sh("sfdisk --json " + quote((dir_.path() / "disk.img").string())),
                                                 nullptr, false);
        for (const auto& p : table["partitiontable"]["partitions"]) {
            if (p["node"].get<std::string>().ends_with(std::to_string(number))) {
                return p["start"].get<std::uint64_t>() * 512;
            }
        }
        ADD_FAILURE() << "no partition " << number << ": " << table.dump();
        return 0;
    }

    // debugfs's name for partition `number` of the primary disk.
    [[nodiscard]] std::string ext_device(int partition) const
    {
        return quote((dir_.path() / "disk.img").string() + "?offset=" + std::to_string(partition_offset(partition)));
    }

    [[nodiscard]] std::string ext_file(int partition, const std::string& path) const
    {
        return run("debugfs -R " + quote("cat " + path) + " " + ext_device(partition) + " 2>/dev/null").output;
    }

    TempDir dir_;
    fs::path state_ = dir_.path() / "state";
    fs::path tftp_ = dir_.path() / "tftp";
    fs::path http_ = dir_.path() / "http";
    std::unique_ptr<NamespacePair> net_;
    std::string tap_;
    std::unique_ptr<Daemon> server_;
    std::unique_ptr<Daemon> advertiser_;
    fs::path xen_, kernel_;
};

TEST_F(EndToEndQemu, TheRomInstallsXenFromXcpPxeTheDiskBootsAndAnUpgradeKeepsTheVmData)
{
    Phases phases;
    prepare({"0.1.1", "0.1.2"});
    if (HasFatalFailure()) {
        return;
    }
    const auto& xen = xen_;
    const auto& kernel = kernel_;
    const auto kernel_version = kernel.filename().string().substr(8);
    start_server();
    phases.mark("preparation (image build, releases, server)");

    // The first power-on: DHCP from xcp-pxe, iPXE's script, Xen
    // decompressed, dom0 and the image by HTTP; the install.
    {
        const auto vm = power_on("install");
        expect_console(*vm, "iPXE", std::chrono::seconds(60));
        expect_console(*vm, "http://10.77.0.1:8080/ipxe", std::chrono::seconds(120));
        phases.mark("DHCP (firmware, iPXE, the lease)");
        expect_console(*vm, "(XEN) Xen version 4.17", std::chrono::seconds(180));
        phases.mark("loader: iPXE script, Xen, dom0 kernel and install image by HTTP");
        expect_console(*vm, "Linux version " + kernel_version.substr(0, kernel_version.find("-amd64")),
                       std::chrono::seconds(120));
        expect_console(*vm, "xcp-init: running", std::chrono::seconds(180));
        phases.mark("kernel and image: Xen, dom0 boot, modules");
        expect_console(*vm, "xcp-installer: network up on", std::chrono::seconds(120));
        // The first step of the plan: the answerfile was fetched and read.
        expect_console(*vm, "[  0%] ", std::chrono::seconds(120));
        phases.mark("answerfile: network up (udhcpc), fetched by its token, planned");
        expect_install_success(*vm, std::chrono::seconds(900));
        phases.mark("install and report");
        wait_for_exit(*vm);
        const auto serial = vm->log();
        EXPECT_EQ(serial.find("Exec format error"), std::string::npos) << tail(serial, 3000);
        EXPECT_EQ(serial.find("xcp-init: could not load"), std::string::npos) << tail(serial, 3000);
    }
    // The server: installed, with its events and the disk it reported;
    // local boot from now on.
    auto shown = host();
    EXPECT_EQ(shown["state"], "installed") << shown.dump();
    EXPECT_EQ(shown["settings"].value("installed-disk", ""), "vda") << shown.dump();
    const auto events = shown["events"].dump();
    EXPECT_NE(events.find("iPXE install config served"), std::string::npos) << events;
    EXPECT_NE(events.find("answerfile"), std::string::npos) << events;
    EXPECT_NE(run("ip netns exec " + net_->server_ns + " curl -sS --max-time 20 http://10.77.0.1:8080/ipxe/" + vm_mac)
                  .output.find("exit"),
              std::string::npos);
    // The disks, read with sfdisk and debugfs: MBR, root, backup, SR.
    const auto table = nlohmann::json::parse(sh("sfdisk --json " + quote((dir_.path() / "disk.img").string())),
                                             nullptr, false);
    ASSERT_TRUE(table.is_object());
    EXPECT_EQ(table["partitiontable"]["label"], "dos");
    EXPECT_EQ(table["partitiontable"]["partitions"].size(), 3U) << table.dump();
    EXPECT_EQ(ext_file(1, "/etc/motd"), "XCP e2e 0.1.1");
    EXPECT_EQ(ext_file(1, "/etc/hostname"), "e2e-host\n");
    const auto inventory_before = ext_file(1, "/etc/xensource-inventory");
    EXPECT_NE(inventory_before.find("INSTALLATION_UUID="), std::string::npos) << inventory_before;
    const auto installed_xen = dir_.path() / "installed-xen.gz";
    run("debugfs -R " + quote("dump /boot/xen-4.17-amd64.gz " + installed_xen.string()) + " " +
        ext_device(1));
    EXPECT_EQ(run("cmp " + quote(xen.string()) + " " + quote(installed_xen.string())).exit_code, 0);
    const auto extlinux = ext_file(1, "/boot/extlinux.conf");
    EXPECT_NE(extlinux.find("append /boot/xen-4.17-amd64.gz "), std::string::npos) << extlinux;
    EXPECT_NE(extlinux.find("--- /boot/" + kernel.filename().string() + " root=LABEL="), std::string::npos) << extlinux;

    // The second power-on: iPXE gets local boot and exits; the BIOS boots
    // the disk: extlinux, mboot.c32, Xen, the installed dom0 kernel.
    {
        const auto vm = power_on("local");
        expect_console(*vm, "(XEN) Xen version 4.17", std::chrono::seconds(240));
        expect_console(*vm, "Kernel command line: root=LABEL=", std::chrono::seconds(180));
        phases.mark("local boot: iPXE exits, extlinux, Xen, the installed dom0");
        const auto serial = vm->log();
        EXPECT_EQ(serial.find("answerfile="), std::string::npos) << "an install was booted again";
        EXPECT_NE(serial.find("SYSLINUX 6"), std::string::npos) << tail(serial, 3000);
    }
    EXPECT_EQ(host()["state"], "installed");

    // What the host's first boot does, done here for it: our stand-in
    // control domain has no firstboot scripts, and an installation whose
    // first boot never completed is not upgraded.
    run("debugfs -w -R " + quote("rm /etc/firstboot.d/data/firstboot_in_progress") + " " +
        ext_device(1));
    ASSERT_EQ(run("debugfs -R " + quote("ls /etc/firstboot.d/data") + " " +
                  ext_device(1))
                  .output.find("firstboot_in_progress"),
              std::string::npos);

    // VM data: in the SR partition and on both guest disks.
    const auto sr = partition_offset(3);
    const auto disk = dir_.path() / "disk.img";
    for (const auto& [file, offset] : std::vector<std::pair<fs::path, std::uint64_t>>{
             {disk, sr + (64ULL << 20)}, {dir_.path() / "guest1.img", 1ULL << 20}, {dir_.path() / "guest2.img", 0}}) {
        write_random_file(dir_.path() / "marker", 4ULL << 20, 77);
        sh("dd if=" + quote((dir_.path() / "marker").string()) + " of=" + quote(file.string()) +
           " bs=1M seek=" + std::to_string(offset >> 20) + " conv=notrunc status=none");
    }
    const auto sr_before = sparse_digest(disk, sr, fs::file_size(disk) - sr);
    const auto guest1_before = sparse_digest(dir_.path() / "guest1.img", 0, 2ULL << 30);
    const auto guest2_before = sparse_digest(dir_.path() / "guest2.img", 0, 2ULL << 30);

    // The upgrade: marked through the CLI, booted, run.
    ASSERT_EQ(xcp("host set " + vm_mac + " release=xcp-0.1.2").exit_code, 0);
    const auto upgrade = xcp("host upgrade " + vm_mac);
    ASSERT_EQ(upgrade.exit_code, 0) << upgrade.output;
    {
        const auto vm = power_on("upgrade");
        expect_install_success(*vm, std::chrono::seconds(1200));
        phases.mark("upgrade: netboot, backup, install, carry-over, report");
        wait_for_exit(*vm);
    }
    shown = host();
    EXPECT_EQ(shown["state"], "installed") << shown.dump();
    EXPECT_EQ(ext_file(1, "/etc/motd"), "XCP e2e 0.1.2");
    EXPECT_EQ(ext_file(2, "/etc/motd"), "XCP e2e 0.1.1") << "the backup partition holds the old root";
    EXPECT_EQ(ext_file(1, "/etc/hostname"), "e2e-host\n");
    const auto inventory_after = ext_file(1, "/etc/xensource-inventory");
    const auto uuid = [](const std::string& inventory) {
        const auto at = inventory.find("INSTALLATION_UUID=");
        return at == std::string::npos ? std::string() : inventory.substr(at, inventory.find('\n', at) - at);
    };
    EXPECT_EQ(uuid(inventory_after), uuid(inventory_before)) << inventory_after;
    EXPECT_EQ(ext_file(1, "/var/tmp/.previousInventory"), inventory_before);
    EXPECT_EQ(sparse_digest(disk, sr, fs::file_size(disk) - sr), sr_before) << "the SR partition changed";
    EXPECT_EQ(sparse_digest(dir_.path() / "guest1.img", 0, 2ULL << 30), guest1_before) << "guest disk 1 changed";
    EXPECT_EQ(sparse_digest(dir_.path() / "guest2.img", 0, 2ULL << 30), guest2_before) << "guest disk 2 changed";
}

// The seed guide's path: the ROM is told pxelinux.0, as a vendor PXE ROM
// would be (--dhcp-ipxe loader). pxelinux reads pxelinux.cfg/01-<mac> by
// TFTP, and mboot.c32 loads the gzipped Xen, the kernel and our image as
// dom0's initrd. The boot path is what this shows: it ends once the
// installer has read its answerfile (the install itself is the test above).
TEST_F(EndToEndQemu, TheSeedPathPxelinuxAndMbootLoadXenAndTheInstaller)
{
    Phases phases;
    prepare({"0.1.1"});
    if (HasFatalFailure()) {
        return;
    }
    start_server("--dhcp full --dhcp-range 10.77.0.100,10.77.0.110 --dhcp-ipxe loader");
    phases.mark("preparation");
    const auto vm = power_on("pxelinux");
    expect_console(*vm, "PXELINUX 6", std::chrono::seconds(120));
    phases.mark("DHCP: pxelinux.0 offered and loaded by TFTP");
    expect_console(*vm, "(XEN) Xen version 4.17", std::chrono::seconds(300));
    phases.mark("loader: pxelinux.cfg, mboot.c32, Xen, kernel and image by TFTP");
    expect_console(*vm, "xcp-installer: network up on", std::chrono::seconds(240));
    expect_console(*vm, "[  0%] ", std::chrono::seconds(120));
    phases.mark("dom0, the installer, its answerfile");
    const auto serial = vm->log();
    // Xen names the multiboot loader that started it: mboot.c32 of pxelinux.
    EXPECT_NE(serial.find("(XEN) Bootloader: PXELINUX"), std::string::npos) << tail(serial, 3000);
    EXPECT_EQ(serial.find("http://10.77.0.1:8080/ipxe"), std::string::npos) << "iPXE got its script";
    const auto log = server_->log();
    EXPECT_NE(log.find("pxelinux.cfg/01-" + std::string("52-54-00-e2-e0-01")), std::string::npos) << tail(log, 3000);
    const auto events = host()["events"].dump();
    EXPECT_NE(events.find("pxelinux install config served"), std::string::npos) << events;
}

// proxyDHCP beside a plain DHCP server on the LAN (dnsmasq, addresses only),
// with an e1000 NIC: the address comes from dnsmasq, the boot from xcp-pxe.
TEST_F(EndToEndQemu, ProxyDhcpBesideAPlainDhcpServerBootsAnE1000)
{
    require_programs({"dnsmasq"});
    Phases phases;
    prepare({"0.1.1"});
    if (HasFatalFailure()) {
        return;
    }
    ASSERT_EQ(run("ip -n " + net_->client_ns + " addr add 10.77.0.2/24 dev " + net_->lan_bridge).exit_code, 0);
    Daemon dnsmasq({"/bin/sh", "-c",
                    "exec ip netns exec " + net_->client_ns +
                        " dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=" + net_->lan_bridge +
                        " --bind-interfaces --dhcp-range=10.77.0.150,10.77.0.160,1h --dhcp-leasefile=" +
                        quote((dir_.path() / "dnsmasq.leases").string()) + " --log-facility=- --log-dhcp --user=root"},
                   dir_.path() / "dnsmasq.log");
    ASSERT_TRUE(dnsmasq.wait_for_log("DHCP, IP range")) << dnsmasq.log();
    start_server("--dhcp proxy");
    phases.mark("preparation");
    const auto vm = power_on("proxy", "e1000");
    expect_console(*vm, "http://10.77.0.1:8080/ipxe", std::chrono::seconds(180));
    phases.mark("DHCP: an address from dnsmasq, the boot file from xcp-pxe's proxyDHCP");
    expect_console(*vm, "(XEN) Xen version 4.17", std::chrono::seconds(300));
    expect_console(*vm, "xcp-installer: network up on", std::chrono::seconds(240));
    expect_console(*vm, "[  0%] ", std::chrono::seconds(120));
    phases.mark("loader, Xen, dom0, the installer, its answerfile");
    const auto serial = vm->log();
    EXPECT_NE(serial.find("eth0: Intel(R) PRO/1000 Network Connection"), std::string::npos) << tail(serial, 3000);
    EXPECT_NE(dnsmasq.log().find("DHCPACK"), std::string::npos) << dnsmasq.log();
    EXPECT_NE(dnsmasq.log().find("52:54:00:e2:e0:01"), std::string::npos) << dnsmasq.log();
    const auto events = host()["events"].dump();
    EXPECT_NE(events.find("iPXE install config served"), std::string::npos) << events;
}

// UEFI: OVMF and the NIC's iPXE EFI ROM. iPXE cannot multiboot under EFI,
// so xcp-pxe gives its EFI build the EFI loader: Debian's grub netboot
// image (grub-efi-amd64-bin, fetched, never installed) stands in for the
// vendor's grubx64.efi, reads the host's grub.cfg from our templates, and
// its multiboot2/module2 entries start Xen, the kernel and the image. The
// installer lays out GPT with an ESP and fills it.
TEST_F(EndToEndQemu, UefiGrubFromTheIpxeEfiRomBootsXenAndTheInstallerMakesTheEsp)
{
    require_programs({"rpmbuild", "mdir"});
    ASSERT_TRUE(fs::exists(ovmf_code) && fs::exists(ovmf_vars)) << "Debian's ovmf is not installed";
    Phases phases;
    const auto grub = dir_.path() / "grub";
    sh("dpkg-deb -x " + quote(debian_package("grub-efi-amd64-bin").string()) + " " + quote(grub.string()));
    const auto monolithic = grub / "usr/lib/grub/x86_64-efi/monolithic";
    prepare({"8.2.1"}, true, {{"boot/efi/EFI/xenserver/grubx64.efi", monolithic / "grubx64.efi"}});
    if (HasFatalFailure()) {
        return;
    }
    ASSERT_EQ(xcp("host set " + vm_mac + " guest-disks=").exit_code, 0);
    fs::create_directories(tftp_ / "EFI/xenserver");
    fs::copy_file(monolithic / "grubnetx64.efi", tftp_ / "EFI/xenserver/grubx64.efi",
                  fs::copy_options::overwrite_existing);
    // The netboot image builds in few modules: multiboot2 and module2 come
    // from its prefix, /grub/x86_64-efi/, by TFTP (the vendor's image has
    // them built in).
    fs::create_directories(tftp_ / "grub");
    fs::copy(grub / "usr/lib/grub/x86_64-efi", tftp_ / "grub/x86_64-efi", fs::copy_options::recursive);
    start_server();  // the default: iPXE's EFI build is given the EFI loader
    phases.mark("preparation");
    const auto vm = power_on("uefi", "virtio-net-pci", true);
    expect_console(*vm, "(XEN) Xen version 4.17", std::chrono::seconds(400));
    phases.mark("OVMF, iPXE EFI, DHCP, grub by TFTP, its grub.cfg, Xen");
    expect_console(*vm, "xcp-installer: network up on", std::chrono::seconds(300));
    expect_console(*vm, "[  0%] ", std::chrono::seconds(120));
    phases.mark("dom0, the installer, its answerfile");
    expect_install_success(*vm, std::chrono::seconds(900));
    phases.mark("install and report");
    wait_for_exit(*vm);
    const auto serial = vm->log();
    EXPECT_NE(serial.find("(XEN) Bootloader: GRUB"), std::string::npos) << tail(serial, 3000);
    const auto events = host()["events"].dump();
    EXPECT_NE(events.find("grub install config served"), std::string::npos) << events;
    EXPECT_EQ(host()["state"], "installed");
    const auto table = nlohmann::json::parse(sh("sfdisk --json " + quote((dir_.path() / "disk.img").string())),
                                             nullptr, false);
    EXPECT_EQ(table["partitiontable"]["label"], "gpt") << table.dump();
    std::uint64_t esp = 0;
    for (const auto& p : table["partitiontable"]["partitions"]) {
        if (p["type"] == "C12A7328-F81F-11D2-BA4B-00A0C93EC93B") {
            esp = p["start"].get<std::uint64_t>() * 512;
        }
    }
    ASSERT_NE(esp, 0U) << table.dump();
    const auto listing = run("mdir -i " + quote((dir_.path() / "disk.img").string() + "@@" + std::to_string(esp)) +
                             " ::/EFI/xenserver")
                             .output;
    EXPECT_NE(listing.find("grubx64"), std::string::npos) << listing;
    EXPECT_NE(listing.find("grub"), std::string::npos) << listing;

    // The next power-on: grub gets local boot, which reads the installed
    // ESP's grub.cfg (OVMF holds no boot entry for the disk: the installer
    // writes none, and the ESP has no EFI/BOOT/BOOTX64.EFI), and that starts
    // Xen and the installed dom0 from the disk.
    {
        const auto local = power_on("uefi-local", "virtio-net-pci", true);
        expect_console(*local, "(XEN) Xen version 4.17", std::chrono::seconds(300));
        expect_console(*local, "Kernel command line: root=LABEL=", std::chrono::seconds(180));
        phases.mark("local boot: grub, the ESP's grub.cfg, Xen, the installed dom0");
        EXPECT_EQ(local->log().find("answerfile="), std::string::npos) << "an install was booted again";
    }
    EXPECT_EQ(host()["state"], "installed");

    // The switch's other branch, booted: a verified backup (`xcp-installer
    // backup`), then a restore from it stopped right after the ESP's
    // grubenv was pointed at the backup, before the root is rewritten. The
    // firmware's grub reads the same grub.cfg, which now hands over to the
    // backup's own, found by its UUID.
    const auto dev = dir_.path() / "dev";
    fs::create_directories(dev);
    fs::create_symlink(dir_.path() / "disk.img", dev / "vda");
    const auto installer = quote(installer_binary().string()) + " --dev-dir " + quote(dev.string()) +
                           " --work-dir " + quote((dir_.path() / "work").string());
    const auto backed_up = run(quote(installer_binary().string()) + " backup vda --dev-dir " + quote(dev.string()) +
                                   " --work-dir " + quote((dir_.path() / "work").string()),
                               std::chrono::seconds(300));
    ASSERT_EQ(backed_up.exit_code, 0) << backed_up.output;
    ASSERT_NE(ext_file(2, "/.xen-backup-partition"), "") << "partition 2 holds the backup";
    const auto answerfile = dir_.path() / "restore.xml";
    std::ofstream(answerfile) << "<?xml version=\"1.0\"?>\n<restore><backup-disk>vda</backup-disk></restore>\n";
    const auto restore = installer + " --answerfile " + quote(answerfile.string()) +
                         " --events-url none --boot-mode uefi";
    const auto planned = run(restore + " --dry-run --json");
    const auto after_switch = kill_at_after_backup_switch(planned.output);
    ASSERT_NE(after_switch, 0U) << "no switch onto the backup in the plan:\n" << planned.output;
    const auto stopped = run("XCP_INSTALLER_KILL_AT=" + std::to_string(after_switch) + " " + restore,
                             std::chrono::seconds(300));
    ASSERT_NE(stopped.output.find(": killed"), std::string::npos) << stopped.output;
    const auto stats = run("debugfs -R stats " + ext_device(2) + " 2>/dev/null").output;
    const auto at = stats.find("Filesystem UUID:");
    ASSERT_NE(at, std::string::npos) << stats;
    const auto from = stats.find_first_not_of(' ', at + 16);
    const auto backup_uuid = stats.substr(from, stats.find('\n', from) - from);
    {
        const auto on_backup = power_on("uefi-backup", "virtio-net-pci", true);
        expect_console(*on_backup, "(XEN) Xen version 4.17", std::chrono::seconds(300));
        expect_console(*on_backup, "Kernel command line: root=UUID=" + backup_uuid, std::chrono::seconds(180));
        phases.mark("the ESP's switch onto the backup: grub, the backup's grub.cfg, its Xen and dom0");
    }
    const auto finished = run(restore, std::chrono::seconds(300));
    ASSERT_EQ(finished.exit_code, 0) << finished.output;
    EXPECT_EQ(ext_file(1, "/etc/motd"), ext_file(2, "/etc/motd")) << "the root restored from the backup";
}

}  // namespace
}  // namespace xcp::test
