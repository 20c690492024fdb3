// The install image booted for real: a QEMU machine's own iPXE ROM gets its
// boot file from QEMU's built-in DHCP, fetches xcp-pxe's iPXE script, loads
// a Debian kernel (fetched with apt-get download, never installed) and our
// image, whose /init loads the kernel's modules, brings the NIC up with
// udhcpc, and runs xcp-installer: it fetches the host's answerfile, installs
// onto the VM's virtio disk from the release's repository, reports, and the
// VM reboots (QEMU stops). Then the disk boots through extlinux.
//
// The VM's network is QEMU's user mode, restricted: it reaches nothing but
// 10.0.2.100, forwarded connection by connection (busybox nc) to xcp-pxe on
// 127.0.0.1. Run once, not under the sanitizers (the name holds "Qemu").
#include "tests/support/debian_packages.hpp"
#include "tests/support/installer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/serve_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace xcp::test {
namespace {
namespace fs = std::filesystem;

class ImageQemu : public ServeFixture {
protected:
    [[nodiscard]] std::vector<std::string> flags() const override { return {"--advertise", "10.0.2.100"}; }
};

TEST_F(ImageQemu, TheRomBootsTheImageWhichInstallsFromXcpPxeAndTheDiskBoots)
{
    require_programs({"qemu-system-x86_64", "busybox", "sfdisk", "debugfs", "tar", "bzip2", "md5sum", "truncate"});
    const auto kernel_deb = debian_package("linux-image-amd64");
    const auto image = dir_.path() / "image";
    const auto built = build_install_image(image, kernel_deb);
    ASSERT_EQ(built.exit_code, 0) << built.output;
    build_legacy_repository(dir_.path() / "repo", dir_.path() / "content", "0.1.1", "xen-3.4.2.gz", "XCP in QEMU", 9);
    const auto added = run(quote(xcp_pxe_binary().string()) + " release add-agent --name agent --image " +
                           quote((image / "install.img").string()) + " --kernel " + quote((image / "vmlinuz").string()) +
                           " --repository " + quote((dir_.path() / "repo").string()) + " --state-dir " +
                           quote(state_.string()) + " --tftp-root " + quote(tftp_.string()) + " --http-root " +
                           quote(http_.string()));
    ASSERT_EQ(added.exit_code, 0) << added.output;
    ASSERT_EQ(cli("host set " + mac + " release=agent primary-disk=vda").exit_code, 0);

    // SeaBIOS mirrors the ROM's text to the serial port given this file
    // (port 0x3f8), so that the log shows iPXE at work.
    const auto sercon = dir_.path() / "sercon-port";
    std::ofstream(sercon, std::ios::binary) << std::string("\xf8\x03", 2);
    const auto disk = dir_.path() / "disk.img";
    sh("truncate -s 24G " + quote(disk.string()));
    const auto port = std::to_string(http_port_);
    const auto busybox = require_program("busybox").string();
    const auto network = "user,id=n0,restrict=on,bootfile=http://10.0.2.100:" + port + "/ipxe,guestfwd=tcp:10.0.2.100:" +
                         port + "-cmd:" + busybox + " nc 127.0.0.1 " + port;
    // The disk's own boot writes to the serial port itself (extlinux's
    // `serial`): mirrored as well, every character would come twice.
    const auto vm_argv = [&](const std::string& boot) {
        std::vector<std::string> argv{"/usr/bin/qemu-system-x86_64", "-accel", "tcg", "-m", "1024", "-smp", "1",
                                      "-display", "none", "-monitor", "none", "-no-reboot", "-serial", "stdio",
                                      "-boot", boot, "-netdev", network, "-device", "virtio-net-pci,netdev=n0,mac=" + mac,
                                      "-drive", "file=" + disk.string() + ",format=raw,if=virtio"};
        if (boot == "n") {
            argv.insert(argv.end(), {"-fw_cfg", "name=etc/sercon-port,file=" + sercon.string()});
        }
        return argv;
    };
    {
        Daemon vm(vm_argv("n"), dir_.path() / "install-serial.log");
        const bool installed = vm.wait_for_log("xcp-init: the install succeeded", std::chrono::seconds(600));
        const auto server_log = daemon_->log();
        ASSERT_TRUE(installed) << "serial console:\n"
                               << vm.log().substr(vm.log().size() > 6000 ? vm.log().size() - 6000 : 0)
                               << "\nserver log:\n"
                               << server_log.substr(server_log.size() > 4000 ? server_log.size() - 4000 : 0);
        // It reboots; QEMU, told -no-reboot, stops.
        for (int i = 0; i < 300 && vm.running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        EXPECT_FALSE(vm.running()) << vm.log();
        const auto serial = vm.log();
        EXPECT_NE(serial.find("iPXE"), std::string::npos) << serial;
        EXPECT_NE(serial.find("http://10.0.2.100:" + port + "/ipxe"), std::string::npos) << serial;
        EXPECT_NE(serial.find("Linux version"), std::string::npos);
        EXPECT_EQ(serial.find("xcp-init: could not load"), std::string::npos) << serial;
        EXPECT_NE(serial.find("xcp-installer: network up on eth0 (dhcp)"), std::string::npos) << serial;
        EXPECT_NE(serial.find("xcp-init: rebooting"), std::string::npos) << serial;
    }
    // What the server knows: installed, reported, local boot from now on.
    const auto host = show();
    EXPECT_EQ(host["state"], "installed") << host.dump();
    EXPECT_EQ(host["settings"].value("installed-disk", ""), "vda") << host.dump();
    const auto events = host["events"].dump();
    EXPECT_NE(events.find("iPXE install config served"), std::string::npos) << events;
    EXPECT_NE(events.find("partition"), std::string::npos) << events;
    EXPECT_NE(run("curl -sS --max-time 20 " + http("/ipxe/" + mac)).output.find("exit"), std::string::npos);
    // What the disk holds.
    const auto table = nlohmann::json::parse(sh("sfdisk --json " + quote(disk.string())), nullptr, false);
    ASSERT_TRUE(table.is_object());
    EXPECT_EQ(table["partitiontable"]["label"], "dos");
    const auto root = quote(disk.string() + "?offset=1048576");
    EXPECT_EQ(sh("debugfs -R 'cat /etc/motd' " + root + " 2>/dev/null"), "XCP in QEMU");
    EXPECT_EQ(sh("debugfs -R 'cat /etc/hostname' " + root + " 2>/dev/null"), "h1\n");
    EXPECT_NE(sh("debugfs -R 'cat /etc/xensource-inventory' " + root + " 2>/dev/null").find("INSTALLATION_UUID="),
              std::string::npos);

    // The second boot, from the disk: extlinux, then mboot.c32 with Xen.
    Daemon second(vm_argv("c"), dir_.path() / "disk-serial.log");
    EXPECT_TRUE(second.wait_for_log("Loading /boot/xen-3.4.2.gz... ok", std::chrono::seconds(120))) << second.log();
    EXPECT_NE(second.log().find("SYSLINUX 6"), std::string::npos) << second.log();
}

}  // namespace
}  // namespace xcp::test
