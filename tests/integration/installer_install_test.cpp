// xcp-installer carrying out a fresh install onto sparse image files, from a
// legacy repository built with tar, bzip2 and md5sum and served over HTTP by
// busybox httpd or by xcp-pxe itself. The result is read back with tools we
// did not write: sfdisk --json, blkid, debugfs, e2fsck, md5sum.
#include "tests/support/installer.hpp"
#include "tests/support/namespaces.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

namespace fs = std::filesystem;

const std::string password = "Install-Pw-0451";
const std::string& kernel = test_kernel;

// What a pxelinux config's `append` line hands the kernel ("" without one).
std::string append_line(const std::string& config)
{
    const auto at = config.find("append ");
    if (at == std::string::npos) {
        return {};
    }
    return config.substr(at + 7, config.find('\n', at) - at - 7);
}

class InstallerInstall : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"blkid", "busybox", "bzip2", "curl", "dd", "debugfs", "e2fsck", "extlinux", "grep", "ip",
                          "lbzip2", "mcopy", "md5sum", "mke2fs", "mkfs.fat", "nginx", "openssl", "python3",
                          "qemu-system-x86_64", "sfdisk", "tar", "truncate", "udhcpc"});
        // The control domain's tree, packed as the 2009 repositories were.
        build_legacy_repository(repo_, dir_.path() / "content", "0.1.1", "xen-3.4.2.gz", "XCP\n", 11);
        fs::create_directories(dev_);
        sh("truncate -s 64G " + quote((dev_ / "sda").string()) + " && truncate -s 8G " +
           quote((dev_ / "sdb").string()) + " " + quote((dev_ / "sdc").string()));
    }

    void write_packages() const { write_legacy_packages(repo_); }

    void write_answerfile(const std::string& source, const std::string& primary = "sda",
                          const std::string& extra = {}) const
    {
        std::ofstream(answerfile_) << "<?xml version=\"1.0\"?>\n<installation>\n"
                                      "  <primary-disk gueststorage=\"yes\">" << primary << "</primary-disk>\n"
                                      "  <guest-disk>sdb</guest-disk>\n  <guest-disk>sdc</guest-disk>\n"
                                      "  <keymap>uk</keymap>\n"
                                      "  <root-password>" << password << "</root-password>\n"
                                      "  <source type=\"url\">" << source << "</source>\n"
                                      "  <admin-interface name=\"eth0\" proto=\"static\">\n"
                                      "    <ip>192.0.2.30</ip>\n    <subnet-mask>255.255.255.0</subnet-mask>\n"
                                      "    <gateway>192.0.2.1</gateway>\n  </admin-interface>\n"
                                      "  <nameserver>192.0.2.53</nameserver>\n"
                                      "  <hostname>xcp-test</hostname>\n  <timezone>Europe/London</timezone>\n"
                                   << extra << "</installation>\n";
    }

    [[nodiscard]] CommandResult install(const std::string& extra = {}) const
    {
        return run(quote(installer_binary().string()) + " --answerfile " + quote(answerfile_.string()) +
                       " --dev-dir " + quote(dev_.string()) + " --work-dir " + quote((dir_.path() / "work").string()) +
                       " --events-url none " +
                       // The test says which firmware the host has, not the machine it runs on.
                       (extra.find("--boot-mode") == std::string::npos ? "--boot-mode bios " : "") + extra,
                   std::chrono::seconds(300));
    }

    // The primary disk's partitions, as sfdisk reads them.
    [[nodiscard]] nlohmann::json table() const
    {
        return nlohmann::json::parse(sh("sfdisk --json " + quote((dev_ / "sda").string())), nullptr, false);
    }

    // A file of the filesystem at `offset` on the primary disk, by debugfs.
    [[nodiscard]] std::string cat(std::uint64_t offset, const std::string& path) const
    {
        return run("debugfs -R " + quote("cat " + path) + " " +
                   quote((dev_ / "sda").string() + "?offset=" + std::to_string(offset)) + " 2>/dev/null")
            .output;
    }

    [[nodiscard]] std::string probe(std::uint64_t offset) const
    {
        return run("blkid -p -O " + std::to_string(offset) + " " + quote((dev_ / "sda").string())).output;
    }

    // Serves the repository with busybox httpd; returns its URL.
    std::string serve_repository()
    {
        const auto port = free_tcp_port();
        httpd_ = std::make_unique<Daemon>(
            std::vector<std::string>{"/bin/busybox", "httpd", "-f", "-vv", "-p", "127.0.0.1:" + std::to_string(port),
                                     "-h", (dir_.path() / "http").string()},
            dir_.path() / "httpd.log");
        const auto url = "http://127.0.0.1:" + std::to_string(port) + "/repo/";
        for (int i = 0; i < 50; ++i) {  // until httpd listens, 5 s at most
            if (run("curl -s -o /dev/null --max-time 2 " + url + "XS-REPOSITORY").exit_code == 0) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return url;
    }

    TempDir dir_;
    fs::path repo_ = dir_.path() / "http/repo";
    fs::path dev_ = dir_.path() / "dev";
    fs::path answerfile_ = dir_.path() / "answerfile.xml";
    std::unique_ptr<Daemon> httpd_;
};

TEST_F(InstallerInstall, FreshInstallOverHttpIn2009Layout)
{
    write_answerfile(serve_repository());
    const auto r = install();
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("[100%] complete: The installation completed successfully."), std::string::npos);
    EXPECT_EQ(r.output.find(password), std::string::npos) << "the password is never printed";

    // The 2009 layout: MBR, root 4 GiB (active), backup 4 GiB, SR the rest.
    const auto t = table();
    ASSERT_TRUE(t.is_object());
    const auto& parts = t["partitiontable"]["partitions"];
    EXPECT_EQ(t["partitiontable"]["label"], "dos");
    ASSERT_EQ(parts.size(), 3U);
    EXPECT_EQ(parts[0]["start"], 2048);
    EXPECT_EQ(parts[0]["size"], 8388608);
    EXPECT_EQ(parts[0]["type"], "83");
    EXPECT_EQ(parts[0].value("bootable", false), true);
    EXPECT_EQ(parts[1]["size"], 8388608);
    EXPECT_EQ(parts[1].value("bootable", false), false);
    EXPECT_EQ(parts[2]["type"], "8e");
    EXPECT_EQ(parts[2]["start"].get<std::uint64_t>() + parts[2]["size"].get<std::uint64_t>(), (64ULL << 30) / 512);

    // The root filesystem, labelled root-*, holding every installed byte.
    const std::uint64_t root = 1 << 20;
    const auto blkid = probe(root);
    EXPECT_NE(blkid.find("LABEL=\"root-"), std::string::npos) << blkid;
    EXPECT_NE(blkid.find("TYPE=\"ext3\""), std::string::npos) << blkid;
    EXPECT_EQ(run("e2fsck -fn " + quote((dev_ / "sda").string() + "?offset=1048576")).exit_code, 0);
    const auto dumped = dir_.path() / "xapi";
    sh("debugfs -R " + quote("dump /usr/bin/xapi " + dumped.string()) + " " +
       quote((dev_ / "sda").string() + "?offset=1048576") + " 2>/dev/null");
    EXPECT_EQ(sh("md5sum < " + quote(dumped.string())), sh("md5sum < " + quote((dir_.path() / "content/usr/bin/xapi").string())));
    EXPECT_EQ(sh("md5sum < " + quote((repo_ / "e1000.ko").string())),
              run("debugfs -R " + quote("cat /lib/modules/" + kernel + "/extra/e1000.ko") + " " +
                  quote((dev_ / "sda").string() + "?offset=1048576") + " 2>/dev/null | md5sum")
                  .output)
        << "the driver lands under the kernel's modules";
    EXPECT_EQ(cat(root, "/lib/firmware/bnx2.fw").size(), 3000U);
    EXPECT_NE(run("debugfs -R 'stat /usr/bin/xapi-link' " + quote((dev_ / "sda").string() + "?offset=1048576"))
                  .output.find("Fast link dest: \"xapi\""),
              std::string::npos);

    // The control domain's configuration.
    const auto inventory = cat(root, "/etc/xensource-inventory");
    EXPECT_NE(inventory.find("PRIMARY_DISK='/dev/sda'"), std::string::npos) << inventory;
    EXPECT_NE(inventory.find("BACKUP_PARTITION='/dev/sda2'"), std::string::npos);
    EXPECT_NE(inventory.find("PARTITION_LAYOUT='ROOT,BACKUP,SR'"), std::string::npos);
    EXPECT_NE(inventory.find("BUILD_NUMBER='1234'"), std::string::npos);
    EXPECT_NE(inventory.find("PRODUCT_VERSION='0.1.1'"), std::string::npos);
    EXPECT_NE(inventory.find("INSTALLATION_UUID='"), std::string::npos);
    EXPECT_EQ(cat(root, "/etc/firstboot.d/data/default-storage.conf"),
              "XSPARTITIONS='/dev/sda3 /dev/sdb /dev/sdc'\nXSTYPE='lvm'\n");
    const auto management = cat(root, "/etc/firstboot.d/data/management.conf");
    EXPECT_NE(management.find("MODE='static'\nIP='192.0.2.30'\nNETMASK='255.255.255.0'\nGATEWAY='192.0.2.1'"),
              std::string::npos)
        << management;
    EXPECT_EQ(cat(root, "/etc/hostname"), "xcp-test\n");
    EXPECT_EQ(cat(root, "/etc/resolv.conf"), "nameserver 192.0.2.53\n");
    EXPECT_EQ(cat(root, "/etc/sysconfig/keyboard"), "KEYTABLE=\"uk\"\n");
    EXPECT_EQ(cat(root, "/etc/timezone"), "Europe/London\n");
    const auto shadow = cat(root, "/etc/shadow");
    EXPECT_TRUE(shadow.starts_with("root:$6$")) << "hashed with SHA-512 crypt";
    EXPECT_NE(shadow.find("\nbin:*:14000:0:99999:7:::\n"), std::string::npos) << "other lines kept";
    EXPECT_EQ(shadow.find(password), std::string::npos);
    EXPECT_NE(cat(root, "/etc/xensource/installed-repos/xcp:main/XS-PACKAGES").find("dom0fs"), std::string::npos);
    const auto extlinux = cat(root, "/boot/extlinux.conf");
    EXPECT_NE(extlinux.find("append /boot/xen-3.4.2.gz "), std::string::npos) << extlinux;
    EXPECT_NE(extlinux.find("--- /boot/vmlinuz-" + kernel + " root=LABEL=root-"), std::string::npos) << extlinux;
    EXPECT_NE(cat(root, "/var/log/xcp-installer.log").find("packages verified, unpacked"), std::string::npos)
        << "the log up to the root filesystem's making";

    // extlinux: its modules beside extlinux.conf, and, where it can be
    // installed (root: the partition is loop-mounted), ldlinux.sys and its
    // boot sector in the partition's first sector.
    EXPECT_EQ(sh("md5sum < /usr/lib/syslinux/modules/bios/mboot.c32"),
              run("debugfs -R 'cat /boot/mboot.c32' " + quote((dev_ / "sda").string() + "?offset=1048576") +
                  " 2>/dev/null | md5sum")
                  .output);
    EXPECT_FALSE(cat(root, "/boot/libcom32.c32").empty());
    if (::geteuid() == 0) {
        EXPECT_NE(r.output.find("boot sector and ldlinux.sys installed"), std::string::npos) << r.output;
        EXPECT_GT(cat(root, "/boot/ldlinux.sys").size(), 30000U);
        EXPECT_NE(sh("dd if=" + quote((dev_ / "sda").string()) + " bs=512 skip=2048 count=1 2>/dev/null | strings")
                      .find("SYSLINUX"),
                  std::string::npos);
        EXPECT_EQ(run("grep -q " + quote(dir_.path().string()) + " /proc/mounts").exit_code, 1) << "unmounted";
    } else {
        EXPECT_NE(r.output.find("extlinux's boot sector is not installed (mounting the root filesystem needs root)"),
                  std::string::npos)
            << r.output;
    }

    // Guest disks: nothing left of old signatures; the MBR has syslinux's code.
    EXPECT_EQ(sh("head -c 1048576 " + quote((dev_ / "sdb").string()) + " | tr -d '\\0' | wc -c"), "0\n");
    if (fs::exists("/usr/lib/syslinux/mbr/mbr.bin")) {
        EXPECT_EQ(sh("head -c 440 " + quote((dev_ / "sda").string()) + " | md5sum"),
                  sh("head -c 440 /usr/lib/syslinux/mbr/mbr.bin | md5sum"));
    }
    EXPECT_FALSE(fs::exists(dir_.path() / "work")) << "the staging tree is removed";
}

// The proof that the disk is bootable: a QEMU machine without a network
// boots it with its own BIOS (SeaBIOS): syslinux's MBR code, extlinux's boot
// sector, ldlinux.sys, extlinux.conf, and mboot.c32 loading Xen and the
// kernel from the new root. The test's Xen is not a real one, so mboot.c32
// stops there.
TEST_F(InstallerInstall, TheInstalledDiskBootsInQemuThroughExtlinux)
{
    if (::geteuid() != 0) {
        GTEST_SKIP() << "installing extlinux's boot sector needs root (a loop mount)";
    }
    write_answerfile(serve_repository());
    const auto r = install();
    ASSERT_EQ(r.exit_code, 0) << r.output;
    Daemon qemu({"/usr/bin/qemu-system-x86_64", "-m", "128", "-display", "none", "-nic", "none", "-no-reboot", "-monitor",
                 "none", "-serial", "stdio", "-drive", "file=" + (dev_ / "sda").string() + ",format=raw,if=ide"},
                dir_.path() / "serial.log");
    EXPECT_TRUE(qemu.wait_for_log("Loading /boot/vmlinuz-" + kernel + "... ok", std::chrono::seconds(90)))
        << qemu.log();
    const auto serial = qemu.log();
    EXPECT_NE(serial.find("SYSLINUX 6"), std::string::npos) << serial;
    EXPECT_NE(serial.find("Loading /boot/xen-3.4.2.gz... ok"), std::string::npos) << serial;
}

TEST_F(InstallerInstall, ModernLayoutWithSwapLogsAndGptNames)
{
    // A driver repository, and scripts at each stage as the reference runs them.
    const auto drivers = dir_.path() / "drivers";
    fs::create_directories(drivers);
    write_random_file(drivers / "ixgbe.ko", 40000, 21);
    std::ofstream(drivers / "XS-REPOSITORY") << "<repository originator=\"xs\" name=\"ixgbe\" product=\"XCP\" "
                                                "version=\"1.0\"/>\n";
    const auto md5 = sh("md5sum < " + quote((drivers / "ixgbe.ko").string())).substr(0, 32);
    std::ofstream(drivers / "XS-PACKAGES") << "ixgbe 40000 " << md5
                                           << " driver ixgbe.ko /lib/modules/${KERNEL_VERSION}/updates/ixgbe.ko\n";
    const auto marks = dir_.path() / "marks";
    const auto script = [&](const std::string& name, const std::string& body) {
        std::ofstream(dir_.path() / name) << body;
        return "file://" + (dir_.path() / name).string();
    };
    const auto start = script("start.sh", "#!/bin/sh\necho \"$XS_STAGE $#\" >> " + marks.string() + "\n");
    const auto populated = script("populated.sh", "#!/bin/sh\necho \"$XS_STAGE\" >> " + marks.string() +
                                                      "\necho added-by-script > \"$1/etc/from-script\"\n");
    const auto complete = script("complete.sh", "#!/bin/sh\necho \"$XS_STAGE $1\" >> " + marks.string() + "\n");
    const auto no_shebang = script("plain.sh", "echo never >> " + marks.string() + "\n");
    write_answerfile("file://" + repo_.string(), "sda",
                     "  <driver-source type=\"url\">file://" + drivers.string() + "</driver-source>\n"
                     "  <script stage=\"installation-start\" type=\"url\">" + start + "</script>\n"
                     "  <script stage=\"filesystem-populated\" type=\"url\">" + populated + "</script>\n"
                     "  <script stage=\"installation-complete\" type=\"url\">" + complete + "</script>\n"
                     "  <script stage=\"installation-start\" type=\"url\">" + no_shebang + "</script>\n");
    const auto r = install("--layout modern");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(read_text(marks), "installation-start 0\nfilesystem-populated\ninstallation-complete 0\n");
    EXPECT_NE(r.output.find("plain.sh does not start with #! (a shebang is required); skipped"), std::string::npos)
        << r.output;
    EXPECT_LT(r.output.find("driver: xs:ixgbe ixgbe (40000 bytes): md5 verified"),
              r.output.find("fetch: xcp:main dom0fs"))
        << "drivers verified first";
    const auto t = table();
    EXPECT_EQ(t["partitiontable"]["label"], "gpt");
    std::map<std::string, nlohmann::json> by_name;
    for (const auto& p : t["partitiontable"]["partitions"]) {
        by_name[p.value("name", "")] = p;
    }
    ASSERT_EQ(by_name.size(), 6U) << t.dump();
    EXPECT_EQ(by_name["logs"]["start"], 2048) << "on-disk order 5, 2, 1, 4, 6, 3";
    EXPECT_EQ(by_name["logs"]["node"].get<std::string>().back(), '5');
    EXPECT_EQ(by_name["root"]["node"].get<std::string>().back(), '1');
    EXPECT_EQ(by_name["root"]["size"], 18ULL * 2 * 1024 * 1024);
    EXPECT_EQ(by_name["swap"]["type"], "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F");
    EXPECT_EQ(by_name["localsr"]["type"], "E6D6D379-F507-44C2-A23C-238F2A3DF928");
    EXPECT_EQ(by_name["boot"]["type"], "21686148-6449-6E6F-744E-656564454649");
    // BIOS: GRUB's boot.img in the MBR loads a core image from the start of
    // the BIOS boot partition; it reads no flag, and none is set.
    EXPECT_EQ(by_name["root"].value("attrs", ""), "");
    {
        std::ifstream in(dev_ / "sda", std::ios::binary);
        std::string mbr(512, '\0');
        in.read(mbr.data(), 512);
        EXPECT_NE(mbr.substr(0, 0x1b8).find("GRUB "), std::string::npos) << "GRUB's boot.img";
        std::uint64_t lba = 0;
        for (int i = 7; i >= 0; --i) {
            lba = (lba << 8) | static_cast<unsigned char>(mbr[0x5c + static_cast<std::size_t>(i)]);
        }
        EXPECT_EQ(lba, by_name["boot"]["start"].get<std::uint64_t>());
        EXPECT_EQ(mbr.substr(510), "\x55\xaa");
        EXPECT_EQ(static_cast<unsigned char>(mbr[0x1be + 4]), 0xeeU) << "the protective MBR's entry kept";
    }
    const auto swap = probe(by_name["swap"]["start"].get<std::uint64_t>() * 512);
    EXPECT_NE(swap.find("TYPE=\"swap\""), std::string::npos) << swap;
    EXPECT_NE(swap.find("LABEL=\"swap-"), std::string::npos) << swap;
    const auto logs_at = by_name["logs"]["start"].get<std::uint64_t>() * 512;
    EXPECT_NE(probe(logs_at).find("LABEL=\"logs-"), std::string::npos);
    EXPECT_NE(cat(logs_at, "/xcp-installer.log").find("checks clean"), std::string::npos);
    const auto root_at = by_name["root"]["start"].get<std::uint64_t>() * 512;
    EXPECT_NE(cat(root_at, "/etc/xensource-inventory").find("PARTITION_LAYOUT='ROOT,BACKUP,LOG,BOOT,SWAP,SR'"),
              std::string::npos);
    EXPECT_NE(cat(root_at, "/etc/fstab").find(" /var/log ext3 "), std::string::npos) << cat(root_at, "/etc/fstab");
    EXPECT_EQ(cat(root_at, "/etc/from-script"), "added-by-script\n") << "filesystem-populated sees the new root";
    EXPECT_EQ(cat(root_at, "/lib/modules/" + kernel + "/updates/ixgbe.ko").size(), 40000U)
        << "the driver unpacked under the installed kernel";
    EXPECT_NE(cat(root_at, "/etc/xensource/installed-repos/xs:ixgbe/XS-PACKAGES").find("ixgbe"), std::string::npos);
}

TEST_F(InstallerInstall, UefiGetsAnEspWithTheVendorLoaderAndGrubCfg)
{
    // The vendor's loader, as a package puts it under /boot/efi.
    const auto content = dir_.path() / "content";
    fs::create_directories(content / "boot/efi/EFI/xenserver");
    std::ofstream(content / "boot/efi/EFI/xenserver/grubx64.efi") << "MZ not really grub";
    fs::remove(repo_ / "dom0fs.tar.bz2");
    sh("tar -C " + quote(content.string()) + " -cjf " + quote((repo_ / "dom0fs.tar.bz2").string()) + " .");
    write_packages();
    write_answerfile("file://" + repo_.string());
    const auto r = install("--layout modern --boot-mode uefi");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto t = table();  // kept: a range-for over a temporary's member would dangle
    std::map<std::string, nlohmann::json> by_name;
    for (const auto& p : t["partitiontable"]["partitions"]) {
        by_name[p.value("name", "")] = p;
    }
    ASSERT_EQ(by_name.count("ESP"), 1U) << t.dump();
    EXPECT_EQ(by_name["ESP"]["type"], "C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    EXPECT_EQ(by_name["root"].value("attrs", ""), "") << "no legacy BIOS flag on a UEFI install";
    const auto esp_at = by_name["ESP"]["start"].get<std::uint64_t>() * 512;
    const auto blkid = probe(esp_at);
    EXPECT_NE(blkid.find("TYPE=\"vfat\""), std::string::npos) << blkid;
    EXPECT_NE(blkid.find("LABEL=\"BOOT-"), std::string::npos) << blkid;
    const auto image = quote((dev_ / "sda").string() + "@@" + std::to_string(esp_at));
    // The ESP's switch: a grub.cfg that does not change with the version,
    // reading grubenv (which names the root), hands over to the root's own.
    const auto root_at = by_name["root"]["start"].get<std::uint64_t>() * 512;
    const auto label = probe(root_at).substr(probe(root_at).find("LABEL=\"") + 7, 11);
    const auto grub = run("MTOOLS_SKIP_CHECK=1 mtype -i " + image + " ::/EFI/xenserver/grub.cfg").output;
    EXPECT_NE(grub.find("load_env -f /EFI/xenserver/grubenv\n"), std::string::npos) << grub;
    EXPECT_NE(grub.find("search --no-floppy --label --set=root " + label + "\nconfigfile /boot/grub/grub.cfg\n"),
              std::string::npos)
        << grub;
    const auto env = run("MTOOLS_SKIP_CHECK=1 mtype -i " + image + " ::/EFI/xenserver/grubenv").output;
    EXPECT_EQ(env.size(), 1024U);
    EXPECT_TRUE(env.starts_with("# GRUB Environment Block\nxcp_boot=root\n#")) << env.substr(0, 80);
    EXPECT_NE(cat(root_at, "/boot/grub/grub.cfg").find("multiboot2 /boot/xen-3.4.2.gz"), std::string::npos);
    EXPECT_EQ(run("MTOOLS_SKIP_CHECK=1 mtype -i " + image + " ::/EFI/xenserver/grubx64.efi").output, "MZ not really grub");
    EXPECT_NE(cat(root_at, "/etc/fstab").find(" /boot/efi vfat "), std::string::npos);
}

TEST_F(InstallerInstall, ACorruptedPackageStopsBeforeAnyDiskIsWritten)
{
    flip_byte(repo_ / "dom0fs.tar.bz2", 2000);
    write_answerfile(serve_repository(), "sda",
                     "  <script stage=\"installation-complete\" type=\"url\">file://" +
                         (dir_.path() / "complete.sh").string() + "</script>\n");
    std::ofstream(dir_.path() / "complete.sh") << "#!/bin/sh\necho \"$XS_STAGE $1\" > " << (dir_.path() / "ran").string()
                                               << "\n";
    const auto before = state_of(dev_ / "sda");
    const auto r = install();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const auto expected = sh("md5sum < " + quote((repo_ / "dom0fs.tar.bz2").string())).substr(0, 32);
    EXPECT_NE(r.output.find("INSTALL FAILED. package dom0fs (dom0fs.tar.bz2) of xcp:main"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("md5 " + expected + ", the manifest says "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("nothing was written to the disks"), std::string::npos);
    EXPECT_EQ(state_of(dev_ / "sda"), before) << "the primary disk was not touched";
    EXPECT_EQ(read_text(dir_.path() / "ran"), "installation-complete 1\n") << "scripts hear of the failure";

    // The manifest made to match the damaged archive: the sum verifies, the
    // archive does not unpack, with either bzip2 decoder.
    write_packages();
    for (const auto* decoder : {"auto", "builtin"}) {
        const auto again = install(std::string("--bzip2 ") + decoder);
        EXPECT_EQ(again.exit_code, 1) << again.output;
        EXPECT_NE(again.output.find("package dom0fs (dom0fs.tar.bz2) of xcp:main from "), std::string::npos)
            << again.output;
        EXPECT_NE(again.output.find("verified, but cannot be unpacked: "), std::string::npos) << again.output;
        EXPECT_EQ(state_of(dev_ / "sda"), before);
    }
}

TEST_F(InstallerInstall, AnNfsSourceThatCannotBeMountedIsOneSentence)
{
    // Nothing serves NFS on 127.0.0.1: mount fails (or mount.nfs is not
    // installed, or we are not root), and the install stops before any disk.
    write_answerfile("file://" + repo_.string());
    auto text = read_text(answerfile_);
    const auto at = text.find("<source type=\"url\">");
    text.replace(at, text.find("</source>") - at, "<source type=\"nfs\">127.0.0.1:/nonexistent");
    std::ofstream(answerfile_) << text;
    const auto before = state_of(dev_ / "sda");
    const auto r = install("--layout legacy");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_TRUE(r.output.find("INSTALL FAILED. source nfs 127.0.0.1:/nonexistent: cannot mount it: mount ") !=
                    std::string::npos ||
                r.output.find("INSTALL FAILED. source nfs 127.0.0.1:/nonexistent: mounting needs root") !=
                    std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("nothing was written to the disks"), std::string::npos);
    EXPECT_EQ(state_of(dev_ / "sda"), before);
}

// A failure after the disks were written (here: the boot code cannot be
// read): the target is not made bootable, and the log lands on the logs
// partition as the reference leaves it.
TEST_F(InstallerInstall, AFailureAfterPartitioningLeavesTheDiskUnbootableWithItsLog)
{
    const auto codes = dir_.path() / "mbr";
    fs::create_directories(codes / "gptmbr.bin");  // a directory: exists, cannot be read
    write_answerfile("file://" + repo_.string(), "sda", "  <bootloader>extlinux</bootloader>\n");
    const auto r = install("--layout modern --boot-code-dir " + quote(codes.string()));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("the target was not made bootable"), std::string::npos) << r.output;
    const auto t = table();
    for (const auto& p : t["partitiontable"]["partitions"]) {
        EXPECT_EQ(p.value("attrs", ""), "") << "nothing marked bootable: " << t.dump();
    }
    EXPECT_EQ(sh("head -c 440 " + quote((dev_ / "sda").string()) + " | tr -d '\\0' | wc -c"), "0\n")
        << "no boot code";
    EXPECT_NE(probe(1 << 20).find("LABEL=\"logs-failed\""), std::string::npos);
    EXPECT_NE(cat(1 << 20, "/xcp-installer.log").find("INSTALL FAILED. boot code"), std::string::npos);
}

// A vendor utility partition in slot 1 (vfat, label DELLUTILITY) is kept,
// byte for byte, and the layout shifts by one; the source is the local
// media (<source type="local">, --local-source).
TEST_F(InstallerInstall, AUtilityPartitionIsKeptAndLocalMediaInstall)
{
    const auto sda = quote((dev_ / "sda").string());
    sh("printf 'label: gpt\\nstart=2048, size=204800, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name=UTILITY\\n' | "
       "sfdisk -q " + sda);
    sh("mkfs.fat -F 16 -n DELLUTILITY --offset 2048 " + sda + " 102400 >/dev/null 2>&1");
    const auto before = sh("dd if=" + sda + " bs=512 skip=2048 count=204800 status=none | md5sum");
    write_answerfile("file://" + repo_.string());
    auto text = read_text(answerfile_);
    const auto at = text.find("<source type=\"url\">");
    text.replace(at, text.find("</source>") - at, "<source type=\"local\">");
    std::ofstream(answerfile_) << text;
    EXPECT_NE(install("--layout modern").output.find("needs the installer's media: give --local-source DIR"),
              std::string::npos);
    const auto r = install("--layout modern --local-source " + quote(repo_.string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto t = table();
    std::map<std::string, nlohmann::json> by_node;
    for (const auto& p : t["partitiontable"]["partitions"]) {
        by_node[p["node"].get<std::string>().substr(p["node"].get<std::string>().size() - 1)] = p;
    }
    ASSERT_EQ(by_node.size(), 7U) << t.dump();
    EXPECT_EQ(by_node["1"].value("name", ""), "UTILITY");
    EXPECT_EQ(by_node["1"]["start"], 2048);
    EXPECT_EQ(by_node["6"].value("name", ""), "logs") << "every number shifts by one";
    EXPECT_EQ(by_node["2"].value("name", ""), "root");
    EXPECT_GE(by_node["6"]["start"].get<std::uint64_t>(), 2048U + 204800U) << "after the kept partition";
    EXPECT_EQ(sh("dd if=" + sda + " bs=512 skip=2048 count=204800 status=none | md5sum"), before)
        << "the utility partition is untouched";
    EXPECT_NE(cat(by_node["2"]["start"].get<std::uint64_t>() * 512, "/etc/xensource-inventory")
                  .find("BACKUP_PARTITION='/dev/sda3'"),
              std::string::npos);
}

TEST_F(InstallerInstall, RefusalsTouchNoDisk)
{
    const auto before = state_of(dev_ / "sda");
    const auto guest = state_of(dev_ / "sdb");

    write_answerfile("file://" + repo_.string(), "sdz");
    auto r = install();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("disk sdz named as <primary-disk> does not exist under"), std::string::npos) << r.output;

    sh("truncate -s 10G " + quote((dev_ / "small").string()));
    write_answerfile("file://" + repo_.string(), "small");
    r = install();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("disk small is 10.7 GB; the 2009 layout needs at least 12.0 GB"), std::string::npos)
        << r.output;

    write_answerfile("file://" + repo_.string(), "sdb");
    r = install();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("disk sdb is already named as the primary disk"), std::string::npos) << r.output;

    EXPECT_EQ(state_of(dev_ / "sda"), before);
    EXPECT_EQ(state_of(dev_ / "sdb"), guest);
    EXPECT_EQ(state_of(dev_ / "small").blocks, 0U);
}

TEST_F(InstallerInstall, ASecondFreshInstallIsRefusedAndReinstallReplacesIt)
{
    write_answerfile("file://" + repo_.string());
    ASSERT_EQ(install().exit_code, 0);
    const auto first = probe(1 << 20);
    auto r = install();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("holds an XCP installation (partition 1, root-"), std::string::npos) << r.output;
    EXPECT_EQ(probe(1 << 20), first) << "still the first installation";

    auto text = read_text(answerfile_);
    text.replace(text.find("<installation>"), 14, "<installation mode=\"reinstall\">");
    std::ofstream(answerfile_) << text;
    r = install();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(probe(1 << 20), first) << "a new root filesystem";
}

// HTTPS from nginx with a self-signed certificate for 127.0.0.1: trusted
// through SSL_CERT_FILE it installs; untrusted, nothing is written.
TEST_F(InstallerInstall, OverHttpsFromNginxWithItsCertificateChecked)
{
    const auto tls = dir_.path() / "tls";
    fs::create_directories(tls);
    sh("openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 "
       "-keyout " + quote((tls / "key.pem").string()) + " -out " + quote((tls / "cert.pem").string()) + " 2>&1");
    const auto port = free_tcp_port();
    const auto t = tls.string();
    std::ofstream(tls / "nginx.conf") << "user root;\nworker_processes 1;\npid " << t << "/nginx.pid;\nerror_log " << t
                                      << "/error.log warn;\nevents { worker_connections 64; }\nhttp {\n"
                                      << "  access_log off;\n  client_body_temp_path " << t << ";\n  proxy_temp_path "
                                      << t << ";\n  fastcgi_temp_path " << t << ";\n  uwsgi_temp_path " << t
                                      << ";\n  scgi_temp_path " << t << ";\n  server {\n    listen 127.0.0.1:" << port
                                      << " ssl;\n    ssl_certificate " << t << "/cert.pem;\n    ssl_certificate_key "
                                      << t << "/key.pem;\n    root " << (dir_.path() / "http").string()
                                      << ";\n  }\n}\n";
    Daemon nginx({"/usr/sbin/nginx", "-c", (tls / "nginx.conf").string(), "-g", "daemon off;"},
                 dir_.path() / "nginx.log");
    const auto url = "https://127.0.0.1:" + std::to_string(port) + "/repo/";
    for (int i = 0; i < 50; ++i) {  // until nginx listens, 5 s at most
        if (run("curl -s -o /dev/null --max-time 2 --cacert " + quote((tls / "cert.pem").string()) + " " + url +
                "XS-REPOSITORY")
                .exit_code == 0) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    write_answerfile(url);
    const auto before = state_of(dev_ / "sda");
    auto r = install();
    EXPECT_EQ(r.exit_code, 1) << "not trusted: " << r.output;
    EXPECT_NE(r.output.find("the server's certificate is not trusted"), std::string::npos) << r.output;
    EXPECT_EQ(state_of(dev_ / "sda"), before);

    r = run("SSL_CERT_FILE=" + quote((tls / "cert.pem").string()) + " " + quote(installer_binary().string()) +
                " --answerfile " + quote(answerfile_.string()) + " --dev-dir " + quote(dev_.string()) +
                " --work-dir " + quote((dir_.path() / "work").string()) + " --events-url none",
            std::chrono::seconds(300));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(cat(1 << 20, "/etc/xensource-inventory").find("BUILD_NUMBER='1234'"), std::string::npos);
}

// FTP from pyftpdlib (anonymous, passive mode): the same install.
TEST_F(InstallerInstall, OverFtpFromPyftpdlib)
{
    const auto port = free_tcp_port();
    Daemon ftpd({"/usr/bin/python3", "-m", "pyftpdlib", "-i", "127.0.0.1", "-p", std::to_string(port), "-d",
                 (dir_.path() / "http").string()},
                dir_.path() / "ftpd.log");
    const auto url = "ftp://127.0.0.1:" + std::to_string(port) + "/repo/";
    for (int i = 0; i < 50; ++i) {  // until the server listens, 5 s at most
        if (run("curl -s -o /dev/null --max-time 2 " + url + "XS-REPOSITORY").exit_code == 0) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const auto verified = run(quote(installer_binary().string()) + " verify " + url);
    EXPECT_EQ(verified.exit_code, 0) << verified.output << ftpd.log();
    EXPECT_NE(verified.output.find("3 packages, all verified"), std::string::npos) << verified.output;
    write_answerfile(url);
    const auto r = install();
    ASSERT_EQ(r.exit_code, 0) << r.output << ftpd.log();
    EXPECT_NE(r.output.find("2009 layout (XS-REPOSITORY in the source)"), std::string::npos) << r.output;
    EXPECT_NE(cat(1 << 20, "/etc/xensource-inventory").find("BUILD_NUMBER='1234'"), std::string::npos);
}

// The whole chain on loopback: xcp-pxe serves the per-MAC pxelinux config
// (fetched with curl over TFTP), the answerfile and the repository; the
// installer takes answerfile= from that config's kernel command line, posts
// its progress, and the server's own report script switches the host to
// local boot.
TEST_F(InstallerInstall, FromAnXcpPxeServerToLocalBoot)
{
    const auto state = dir_.path() / "state";
    const auto tftp_root = dir_.path() / "tftp";
    fs::create_directories(tftp_root);
    const auto http_port = free_tcp_port();
    const auto tftp_port = free_udp_port();
    const auto cli = [&](const std::string& args) {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state.string()),
                   std::chrono::seconds(30));
    };
    const std::string mac = "52:54:00:aa:bb:07";
    const auto repository = "http://127.0.0.1:" + std::to_string(http_port) + "/repo/";
    ASSERT_EQ(cli("host add " + mac + " --hostname chain --set guest-disks=sdb,sdc --set repository=" + repository +
                  " --set root-password=" + password)
                  .exit_code,
              0);
    Daemon daemon({xcp_pxe_binary().string(), "serve", "--state-dir", state.string(), "--tftp-root",
                   tftp_root.string(), "--http-root", (dir_.path() / "http").string(), "--listen", "127.0.0.1",
                   "--tftp-port", std::to_string(tftp_port), "--http-port", std::to_string(http_port)},
                  dir_.path() / "daemon.log");
    ASSERT_TRUE(daemon.wait_for_log("hosts reach us at")) << daemon.log();

    const auto config = run("curl -sS --max-time 20 tftp://127.0.0.1:" + std::to_string(tftp_port) +
                            "/pxelinux.cfg/01-52-54-00-aa-bb-07")
                            .output;
    const auto cmdline = dir_.path() / "cmdline";
    std::ofstream(cmdline) << append_line(config) << " atexit=reboot\n";
    // atexit= acts only on the running kernel's own command line; a stand-in
    // `reboot` first on PATH makes sure of it.
    const auto fake_bin = dir_.path() / "bin";
    fs::create_directories(fake_bin);
    std::ofstream(fake_bin / "reboot") << "#!/bin/sh\ntouch " << (dir_.path() / "rebooted").string() << "\n";
    fs::permissions(fake_bin / "reboot", fs::perms::owner_all);
    ASSERT_NE(read_text(cmdline).find("answerfile=http://127.0.0.1:"), std::string::npos) << config;

    const auto r = run("PATH=" + quote(fake_bin.string()) + ":$PATH " + quote(installer_binary().string()) +
                           " --cmdline " + quote(cmdline.string()) + " --dev-dir " +
                           quote(dev_.string()) + " --work-dir " + quote((dir_.path() / "work").string()),
                       std::chrono::seconds(300));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("cannot report progress"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("atexit=reboot is honoured only in the install environment"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir_.path() / "rebooted"));

    const auto shown = nlohmann::json::parse(cli("host show " + mac + " --json").output, nullptr, false);
    ASSERT_TRUE(shown.is_object());
    EXPECT_EQ(shown["state"], "installed") << shown.dump();
    EXPECT_EQ(shown["netboot"], false);
    const auto events = shown["events"].dump();
    EXPECT_NE(events.find("partition"), std::string::npos) << "the agent's steps reached the server: " << events;
    EXPECT_NE(run("curl -sS --max-time 20 tftp://127.0.0.1:" + std::to_string(tftp_port) +
                  "/pxelinux.cfg/01-52-54-00-aa-bb-07")
                  .output.find("localboot 0"),
              std::string::npos);
    // The hash the server made is the one installed; no plain text anywhere.
    const auto shadow = cat(1 << 20, "/etc/shadow");
    EXPECT_TRUE(shadow.starts_with("root:$6$")) << shadow;
    EXPECT_EQ(r.output.find(password), std::string::npos);
    EXPECT_EQ(daemon.log().find(password), std::string::npos);
    EXPECT_EQ(cat(1 << 20, "/etc/hostname"), "chain\n");
    EXPECT_EQ(shown["settings"].value("installed-disk", ""), "sda") << "the disk the install reported";
    EXPECT_FALSE(shown["settings"].contains("install-disk"));

    // An upgrade the server asks for names that disk, and runs: the host's
    // first boot done, the same repository again.
    ASSERT_EQ(cli("host upgrade " + mac).exit_code, 0);
    const auto upgrade_config = run("curl -sS --max-time 20 tftp://127.0.0.1:" + std::to_string(tftp_port) +
                                    "/pxelinux.cfg/01-52-54-00-aa-bb-07")
                                    .output;
    const auto line = append_line(upgrade_config);
    const auto at = line.find("answerfile=");
    ASSERT_NE(at, std::string::npos) << upgrade_config;
    const auto url = line.substr(at + 11, line.find(' ', at) - at - 11);
    const auto answerfile = run("curl -sS --max-time 20 " + quote(url)).output;
    EXPECT_NE(answerfile.find("<existing-installation>sda</existing-installation>"), std::string::npos) << answerfile;
    sh("debugfs -w -R 'rm /etc/firstboot.d/data/firstboot_in_progress' " +
       quote((dev_ / "sda").string() + "?offset=1048576") + " >/dev/null 2>&1");
    std::ofstream(cmdline) << line << "\n";
    const auto upgraded = run(quote(installer_binary().string()) + " --cmdline " + quote(cmdline.string()) +
                                  " --dev-dir " + quote(dev_.string()) + " --work-dir " +
                                  quote((dir_.path() / "work").string()) + " --boot-mode bios",
                              std::chrono::seconds(300));
    ASSERT_EQ(upgraded.exit_code, 0) << upgraded.output;
    EXPECT_NE(upgraded.output.find("mode upgrade onto sda"), std::string::npos) << upgraded.output;
    const auto after = nlohmann::json::parse(cli("host show " + mac + " --json").output, nullptr, false);
    EXPECT_EQ(after["state"], "installed") << after.dump();
    EXPECT_NE(after["events"].dump().find("verify-backup"), std::string::npos) << after["events"].dump();
    EXPECT_EQ(cat(1 << 20, "/etc/hostname"), "chain\n") << "carried over";
}

// A failed install from an xcp-pxe server: the installer posts the tail of
// its log before its failure event, and the operator reads it with
// `xcp-pxe host log`.
TEST_F(InstallerInstall, AFailedInstallSendsItsLogToTheServer)
{
    const auto state = dir_.path() / "state";
    const auto tftp_root = dir_.path() / "tftp";
    fs::create_directories(tftp_root);
    const auto http_port = free_tcp_port();
    const auto tftp_port = free_udp_port();
    const auto cli = [&](const std::string& args) {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state.string()),
                   std::chrono::seconds(30));
    };
    const std::string mac = "52:54:00:aa:bb:08";
    ASSERT_EQ(cli("host add " + mac + " --set repository=http://127.0.0.1:" + std::to_string(http_port) +
                  "/repo/ --set root-password=" + password)
                  .exit_code,
              0);
    Daemon daemon({xcp_pxe_binary().string(), "serve", "--state-dir", state.string(), "--tftp-root",
                   tftp_root.string(), "--http-root", (dir_.path() / "http").string(), "--listen", "127.0.0.1",
                   "--tftp-port", std::to_string(tftp_port), "--http-port", std::to_string(http_port)},
                  dir_.path() / "daemon.log");
    ASSERT_TRUE(daemon.wait_for_log("hosts reach us at")) << daemon.log();
    const auto config = run("curl -sS --max-time 20 tftp://127.0.0.1:" + std::to_string(tftp_port) +
                            "/pxelinux.cfg/01-52-54-00-aa-bb-08")
                            .output;
    const auto cmdline = dir_.path() / "cmdline";
    std::ofstream(cmdline) << append_line(config) << "\n";
    flip_byte(repo_ / "dom0fs.tar.bz2", 2000);

    const auto r = run(quote(installer_binary().string()) + " --cmdline " + quote(cmdline.string()) + " --dev-dir " +
                           quote(dev_.string()) + " --work-dir " + quote((dir_.path() / "work").string()),
                       std::chrono::seconds(300));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(r.output.find("cannot send the log"), std::string::npos) << r.output;
    const auto shown = nlohmann::json::parse(cli("host show " + mac + " --json").output, nullptr, false);
    EXPECT_EQ(shown.value("state", ""), "failed") << shown.dump(2);
    const auto log = cli("host log " + mac);
    ASSERT_EQ(log.exit_code, 0) << log.output << daemon.log();
    EXPECT_NE(log.output.find("INSTALL FAILED. package dom0fs (dom0fs.tar.bz2)"), std::string::npos) << log.output;
    EXPECT_EQ(log.output.find(password), std::string::npos);
}

// The network half of the chain, in two network namespaces the test makes:
// xcp-pxe serves DHCP (full mode), TFTP and HTTP on one side of a veth pair;
// on the other, the installer starts with no address, brings the NIC up with
// udhcpc against xcp-pxe, and installs from it.
TEST_F(InstallerInstall, BringsUpItsNicByDhcpFromXcpPxeAndInstalls)
{
    if (::geteuid() != 0) {
        GTEST_SKIP() << "network namespaces need root; CI runs this as root";
    }
    const std::string mac = "52:54:00:aa:bb:08";
    NamespacePair net("inst", mac, "");
    ASSERT_EQ(net.error(), "");
    const std::string server = NamespacePair::server_address;
    const auto state = dir_.path() / "state";
    const auto cli = [&](const std::string& args) {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state.string()),
                   std::chrono::seconds(30));
    };
    ASSERT_EQ(cli("host add " + mac + " --hostname netchain --set guest-disks=sdb,sdc --set repository=http://" +
                  server + ":8080/repo/")
                  .exit_code,
              0);
    fs::create_directories(dir_.path() / "tftp");
    Daemon daemon({"/bin/sh", "-c",
                   "exec ip netns exec " + net.server_ns + " " + quote(xcp_pxe_binary().string()) + " serve --state-dir " +
                       quote(state.string()) + " --tftp-root " + quote((dir_.path() / "tftp").string()) +
                       " --http-root " + quote((dir_.path() / "http").string()) + " --interface " + net.server_if +
                       " --http-port 8080 --dhcp full --dhcp-probe 1 --dhcp-range 10.77.0.100,10.77.0.110 --dhcp-router " + server},
                  dir_.path() / "daemon.log");
    ASSERT_TRUE(daemon.wait_for_log("hosts reach us at")) << daemon.log();

    const auto config = run("ip netns exec " + net.server_ns + " curl -sS --max-time 20 tftp://" + server +
                            "/pxelinux.cfg/01-52-54-00-aa-bb-08")
                            .output;
    const auto cmdline = dir_.path() / "cmdline";
    std::ofstream(cmdline) << append_line(config) << '\n';
    ASSERT_NE(read_text(cmdline).find("answerfile=http://" + server + ":8080/answerfile/"), std::string::npos) << config;

    const auto r = run("ip netns exec " + net.client_ns + " env PATH=/usr/sbin:/usr/bin:/sbin:/bin " +
                           quote(installer_binary().string()) + " --network on --cmdline " + quote(cmdline.string()) +
                           " --dev-dir " + quote(dev_.string()) + " --work-dir " +
                           quote((dir_.path() / "work").string()),
                       std::chrono::seconds(300));
    ASSERT_EQ(r.exit_code, 0) << r.output << daemon.log();
    EXPECT_NE(r.output.find("network up on " + net.client_if + " (dhcp)"), std::string::npos) << r.output;
    EXPECT_NE(run("ip -n " + net.client_ns + " -4 addr show dev " + net.client_if).output.find("10.77.0.100/24"),
              std::string::npos)
        << "the first address of the range";
    const auto shown = nlohmann::json::parse(cli("host show " + mac + " --json").output, nullptr, false);
    ASSERT_TRUE(shown.is_object());
    EXPECT_EQ(shown["state"], "installed") << shown.dump();
    EXPECT_EQ(cat(1 << 20, "/etc/hostname"), "netchain\n");
}

}  // namespace
}  // namespace xcp::test
