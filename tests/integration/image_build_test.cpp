// `xcp-pxe image build`: the initramfs unpacked with cpio, xcp-installer run
// inside it with chroot (so every library it needs is in it), /init's logic
// run with a fake command line, modules taken from a kernel package built
// with dpkg-deb; then `release add-agent` and the configs and files a host
// set to that release is served over TFTP (curl) and HTTP (curl).
#include "tests/support/installer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/serve_fixture.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <fstream>

namespace xcp::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kernel_version = "6.1.0-test";

// A Debian kernel package in miniature: a kernel, modules.dep as depmod
// writes it, modules plain, xz- and zstd-compressed, one built in.
fs::path kernel_package(const fs::path& dir)
{
    const auto root = dir / "linux-image";
    const auto modules = root / "lib/modules" / kernel_version;
    fs::create_directories(root / "DEBIAN");
    fs::create_directories(root / "boot");
    std::ofstream(root / "DEBIAN/control") << "Package: linux-image-test\nVersion: 1\nArchitecture: amd64\n"
                                              "Maintainer: xcp-pxe tests <tests@example.invalid>\n"
                                              "Description: a kernel package for tests\n";
    write_random_file(root / "boot" / (std::string("vmlinuz-") + kernel_version), 400000, 31);
    unsigned seed = 40;
    for (const auto* m : {"kernel/drivers/net/virtio_net.ko", "kernel/drivers/net/net_failover.ko",
                          "kernel/net/core/failover.ko", "kernel/drivers/block/virtio_blk.ko", "kernel/fs/ext4/ext4.ko",
                          "kernel/fs/jbd2/jbd2.ko", "kernel/fs/mbcache.ko", "kernel/drivers/net/dummy.ko",
                          "kernel/drivers/unused/unused.ko"}) {
        fs::create_directories((modules / m).parent_path());
        write_random_file(modules / m, 20000, seed++);
    }
    sh("cp " + quote((modules / "kernel/drivers/net/virtio_net.ko").string()) + " " + quote((dir / "virtio_net.ko").string()));
    sh("cp " + quote((modules / "kernel/fs/ext4/ext4.ko").string()) + " " + quote((dir / "ext4.ko").string()));
    sh("xz " + quote((modules / "kernel/drivers/net/virtio_net.ko").string()));
    sh("zstd -q --rm " + quote((modules / "kernel/fs/ext4/ext4.ko").string()));
    std::ofstream(modules / "modules.dep")
        << "kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko\n"
           "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
           "kernel/net/core/failover.ko:\n"
           "kernel/drivers/block/virtio_blk.ko:\n"
           "kernel/fs/ext4/ext4.ko.zst: kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko\n"
           "kernel/fs/jbd2/jbd2.ko:\n"
           "kernel/fs/mbcache.ko:\n"
           "kernel/drivers/net/dummy.ko:\n"
           "kernel/drivers/unused/unused.ko:\n";
    std::ofstream(modules / "modules.builtin") << "kernel/drivers/virtio/virtio_pci.ko\n";
    const auto deb = dir / "linux-image-test.deb";
    sh("dpkg-deb --root-owner-group -Zxz --build " + quote(root.string()) + " " + quote(deb.string()) + " 2>&1");
    return deb;
}

class ImageBuild : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"cpio", "chroot", "mount", "umount", "dpkg-deb", "xz", "zstd", "gzip", "truncate", "cmp", "busybox", "objcopy", "mtype"});
    }

    CommandResult build(const std::string& args) const
    {
        return run(quote(xcp_pxe_binary().string()) + " image build --output " + quote(out_.string()) +
                       " --installer " + quote(installer_binary().string()) + " " + args,
                   std::chrono::seconds(300));
    }

    // The image unpacked as the kernel would, by a cpio we did not write.
    fs::path unpack(const std::string& decompress) const
    {
        const auto tree = dir_.path() / "tree";
        fs::create_directories(tree);
        sh("cd " + quote(tree.string()) + " && " + decompress + " < " + quote((out_ / "install.img").string()) +
           " | cpio -idm --quiet 2>&1");
        return tree;
    }

    TempDir dir_;
    fs::path out_ = dir_.path() / "out";
};

TEST_F(ImageBuild, TheImageCarriesTheInstallerItsToolsLibrariesAndModules)
{
    const auto deb = kernel_package(dir_.path());
    const auto r = build("--kernel-package " + quote(deb.string()) + " --modules dummy --compression gzip");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find(" entries, gzip)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("8 kernel modules"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("built into the kernel: virtio_pci"), std::string::npos) << r.output;
    EXPECT_EQ(sh("cmp " + quote((out_ / "vmlinuz").string()) + " " +
                 quote((dir_.path() / "linux-image/boot/vmlinuz-6.1.0-test").string()) + " && echo same"),
              "same\n");
    const auto tree = unpack("gzip -dc");
    struct stat st {};
    ASSERT_EQ(::stat((tree / "init").c_str(), &st), 0);
    EXPECT_TRUE(st.st_mode & S_IXUSR);
    ASSERT_EQ(::stat((tree / "dev/console").c_str(), &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
    EXPECT_EQ(major(st.st_rdev), 5U);
    EXPECT_EQ(minor(st.st_rdev), 1U);
    for (const auto* file : {"usr/sbin/xcp-installer", "usr/bin/busybox", "usr/sbin/mke2fs", "usr/sbin/e2fsck",
                             "usr/sbin/debugfs", "usr/sbin/mkfs.fat", "usr/bin/mcopy", "usr/bin/extlinux",
                             "usr/bin/lbzip2", "usr/sbin/ip", "usr/sbin/udhcpc", "etc/udhcpc/default.script",
                             "usr/lib/syslinux/mbr/gptmbr.bin", "usr/lib/syslinux/modules/bios/mboot.c32",
                             "usr/bin/grub-mkimage", "usr/lib/grub/i386-pc/boot.img",
                             "usr/lib/grub/i386-pc/multiboot2.mod", "lib64/ld-linux-x86-64.so.2"}) {
        EXPECT_TRUE(fs::exists(tree / file)) << file;
    }
    // Modules: dependencies first, compressed ones stored plain, the unused
    // one left out.
    const auto list = read_text(tree / "etc/xcp-modules");
    const auto at = [&](const std::string& m) { return list.find("/" + m); };
    const std::string base = "usr/lib/modules/6.1.0-test/kernel/";
    EXPECT_NE(at(base + "net/core/failover.ko"), std::string::npos) << list;
    EXPECT_LT(at(base + "net/core/failover.ko"), at(base + "drivers/net/net_failover.ko")) << list;
    EXPECT_LT(at(base + "drivers/net/net_failover.ko"), at(base + "drivers/net/virtio_net.ko")) << list;
    EXPECT_LT(at(base + "fs/jbd2/jbd2.ko"), at(base + "fs/ext4/ext4.ko")) << list;
    EXPECT_NE(at(base + "drivers/net/dummy.ko"), std::string::npos) << list;
    EXPECT_EQ(list.find("unused"), std::string::npos) << list;
    EXPECT_EQ(sh("cmp " + quote((tree / base / "drivers/net/virtio_net.ko").string()) + " " +
                 quote((dir_.path() / "virtio_net.ko").string()) + " && echo same"),
              "same\n");
    EXPECT_EQ(sh("cmp " + quote((tree / base / "fs/ext4/ext4.ko").string()) + " " +
                 quote((dir_.path() / "ext4.ko").string()) + " && echo same"),
              "same\n");

    // Every library is in the image: the installer runs inside it alone,
    // with /proc as /init mounts it (a sanitizer build reads it too).
    fs::create_directories(tree / "proc");
    sh("mount -t proc proc " + quote((tree / "proc").string()));
    struct Unmount {
        fs::path proc;
        ~Unmount() { run("umount " + quote(proc.string())); }
    } unmount{tree / "proc"};
    const auto help = run("chroot " + quote(tree.string()) + " /usr/sbin/xcp-installer --help");
    EXPECT_EQ(help.exit_code, 0) << help.output;
    EXPECT_NE(help.output.find("xcp-installer: installs"), std::string::npos) << help.output;
    for (const auto* tool : {"mke2fs -V", "e2fsck -V", "debugfs -V", "extlinux --version", "ip -V", "lbzip2 --version",
                             "mcopy --version", "mount --version"}) {
        const auto t = run("chroot " + quote(tree.string()) + " /bin/sh -c " + quote(tool));
        EXPECT_EQ(t.output.find("error while loading shared libraries"), std::string::npos) << tool << t.output;
        EXPECT_EQ(t.output.find("not found"), std::string::npos) << tool << t.output;
    }

    // The tools at work inside the image, as the installer fills an ESP:
    // mcopy needs glibc's codepage 850 module.
    {
        const auto esp = run("chroot " + quote(tree.string()) +
                             " /bin/sh -c 'truncate -s 64M /tmp/esp.img && mkfs.fat /tmp/esp.img >/dev/null && "
                             "mkdir -p /tmp/esp/EFI/xenserver && echo cfg > /tmp/esp/EFI/xenserver/grub.cfg && "
                             "mcopy -s -Q -o -i /tmp/esp.img /tmp/esp/EFI ::/'");
        EXPECT_EQ(esp.exit_code, 0) << esp.output;
        EXPECT_EQ(run("mtype -i " + quote((tree / "tmp/esp.img").string()) + " ::/EFI/xenserver/grub.cfg").output,
                  "cfg\n");
    }

    // grub-mkimage inside the image makes a BIOS host's GRUB core from the
    // image's own modules.
    {
        const auto core = run("chroot " + quote(tree.string()) +
                              " grub-mkimage -O i386-pc -d /usr/lib/grub/i386-pc -p '(,gpt1)/boot/grub' -o "
                              "/tmp/core.img biosdisk part_gpt ext2 normal multiboot2 gzio");
        EXPECT_EQ(core.exit_code, 0) << core.output;
        std::error_code ec;
        EXPECT_GT(fs::file_size(tree / "tmp/core.img", ec), 20000U) << core.output;
    }

    // A dry run against sparse image files, inside the image.
    fs::create_directories(tree / "tmp/dev");
    sh("truncate -s 64G " + quote((tree / "tmp/dev/sda").string()) + " && truncate -s 8G " +
       quote((tree / "tmp/dev/sdb").string()));
    std::ofstream(tree / "tmp/answerfile.xml")
        << "<installation mode=\"fresh\"><primary-disk>sda</primary-disk><guest-disk>sdb</guest-disk>"
           "<keymap>us</keymap><root-password type=\"hash\">$6$a$b</root-password><source type=\"url\">"
           "http://192.0.2.1/repo/</source><admin-interface name=\"eth0\" proto=\"dhcp\"/></installation>\n";
    const auto plan = run("chroot " + quote(tree.string()) +
                          " /usr/sbin/xcp-installer --answerfile /tmp/answerfile.xml --dev-dir /tmp/dev "
                          "--boot-mode bios --layout modern --dry-run");
    EXPECT_EQ(plan.exit_code, 0) << plan.output;
    EXPECT_NE(plan.output.find("sda"), std::string::npos) << plan.output;
    EXPECT_NE(plan.output.find("check sda is the disk probed"), std::string::npos) << plan.output;
    EXPECT_NE(plan.output.find("partition sda: 6 partitions, gpt table"), std::string::npos) << plan.output;
}

TEST_F(ImageBuild, InitActsOnTheCommandLine)
{
    ASSERT_EQ(build("").exit_code, 0);
    const auto tree = unpack("zstd -dc");
    std::ofstream(tree / "tmp/installer-fails") << "#!/bin/sh\necho \"args: $*\"\necho fetching the answerfile\n"
                                                   "echo 'xcp-installer: the disk sda is not there'\nexit 3\n";
    std::ofstream(tree / "tmp/installer-works") << "#!/bin/sh\necho installed\nexit 0\n";
    sh("chmod +x " + quote((tree / "tmp/installer-fails").string()) + " " + quote((tree / "tmp/installer-works").string()));
    const auto init = [&](const std::string& cmdline, const std::string& installer) {
        std::ofstream(tree / "tmp/cmdline") << cmdline << "\n";
        return run("chroot " + quote(tree.string()) +
                   " /usr/bin/env XCP_INIT_DRY=1 XCP_CMDLINE=/tmp/cmdline XCP_INSTALLER=/tmp/" + installer +
                   " /init");
    };
    // A failure without atexit=: the installer's last lines, then a shell.
    auto r = init("BOOT_IMAGE=vmlinuz answerfile=http://192.0.2.1/answerfile/t install", "installer-fails");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("args: --network on --cmdline /tmp/cmdline"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("xcp-installer failed (exit 3); its last lines:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("  | xcp-installer: the disk sda is not there"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("would: sh"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("would: reboot"), std::string::npos) << r.output;
    // atexit= decides, whatever the outcome.
    r = init("answerfile=http://x/a atexit=poweroff", "installer-fails");
    EXPECT_NE(r.output.find("would: poweroff -f"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("would: sh"), std::string::npos) << r.output;
    r = init("answerfile=http://x/a atexit=reboot", "installer-fails");
    EXPECT_NE(r.output.find("would: reboot -f"), std::string::npos) << r.output;
    r = init("answerfile=http://x/a atexit=shell", "installer-works");
    EXPECT_NE(r.output.find("the install succeeded"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("would: sh"), std::string::npos) << r.output;
    // A success without atexit= reboots; an unknown atexit= is said and ignored.
    r = init("answerfile=http://x/a", "installer-works");
    EXPECT_NE(r.output.find("would: reboot -f"), std::string::npos) << r.output;
    r = init("answerfile=http://x/a atexit=dance", "installer-works");
    EXPECT_NE(r.output.find("atexit=dance is not reboot, poweroff or shell; ignored"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("would: reboot -f"), std::string::npos) << r.output;
}

TEST_F(ImageBuild, AModuleTheKernelLacksIsRefused)
{
    const auto deb = kernel_package(dir_.path());
    const auto r = build("--kernel-package " + quote(deb.string()) + " --modules no_such_driver");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("--modules no_such_driver: kernel 6.1.0-test has no such module"), std::string::npos)
        << r.output;
    const auto junk = dir_.path() / "junk.deb";
    std::ofstream(junk) << "not a package";
    const auto bad = build("--kernel-package " + quote(junk.string()));
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("junk.deb"), std::string::npos) << bad.output;
}

// A release of our image: the configs a host set to it gets, and the files
// they name, served over TFTP and HTTP.
class AgentRelease : public ServeFixture {};

TEST_F(AgentRelease, AHostSetToItIsServedTheImageAndItsConfigs)
{
    require_programs({"sha256sum", "tar", "bzip2", "md5sum"});
    const auto out = dir_.path() / "image";
    ASSERT_EQ(run(quote(xcp_pxe_binary().string()) + " image build --output " + quote(out.string()) + " --installer " +
                  quote(installer_binary().string()))
                  .exit_code,
              0);
    write_random_file(dir_.path() / "vmlinuz", 300000, 3);
    write_random_file(dir_.path() / "xen", 100000, 4);
    sh("gzip -n -c " + quote((dir_.path() / "xen").string()) + " > " + quote((dir_.path() / "xen.gz").string()));
    build_legacy_repository(dir_.path() / "repo", dir_.path() / "content", "0.1.1", "xen-3.4.2.gz", "XCP", 5);
    const auto add = [&](const std::string& name, const std::string& xen) {
        return run(quote(xcp_pxe_binary().string()) + " release add-agent --name " + name + " --image " +
                   quote((out / "install.img").string()) + " --kernel " + quote((dir_.path() / "vmlinuz").string()) +
                   xen + " --repository " + quote((dir_.path() / "repo").string()) + " --state-dir " +
                   quote(state_.string()) + " --tftp-root " + quote(tftp_.string()) + " --http-root " +
                   quote(http_.string()));
    };
    auto r = add("agent", " --xen " + quote((dir_.path() / "xen.gz").string()));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(cli("host set " + mac + " release=agent").exit_code, 0);

    const auto pxelinux = pxelinux_config();
    EXPECT_NE(pxelinux.find("kernel mboot.c32"), std::string::npos) << pxelinux;
    EXPECT_NE(pxelinux.find("append releases/agent/boot/xen.gz "), std::string::npos) << pxelinux;
    EXPECT_NE(pxelinux.find("--- releases/agent/boot/vmlinuz "), std::string::npos) << pxelinux;
    EXPECT_NE(pxelinux.find("--- releases/agent/install.img"), std::string::npos) << pxelinux;
    const auto grub = run("curl -sS --max-time 20 " + tftp("grub.cfg-01-" + mac_dashes)).output;
    EXPECT_NE(grub.find("multiboot2 /releases/agent/boot/xen.gz"), std::string::npos) << grub;
    EXPECT_NE(grub.find("module2 /releases/agent/install.img"), std::string::npos) << grub;
    const auto ipxe = run("curl -sS --max-time 20 " + http("/ipxe/" + mac)).output;
    // iPXE loads Xen only as an ELF: the copy decompressed when it was added.
    EXPECT_NE(ipxe.find("kernel " + http("/boot/releases/agent/boot/xen ")), std::string::npos) << ipxe;
    EXPECT_NE(ipxe.find("module " + http("/boot/releases/agent/install.img")), std::string::npos) << ipxe;
    // The answerfile's repository is the release's.
    const auto token = field(pxelinux, "answerfile/", " ");
    const auto answerfile = run("curl -sS --max-time 20 " + http("/answerfile/" + token)).output;
    EXPECT_NE(answerfile.find(http("/releases/agent/")), std::string::npos) << answerfile;

    // The files the configs name, byte for byte, by TFTP and by HTTP.
    const auto image_sum = sh("sha256sum < " + quote((out / "install.img").string()));
    EXPECT_EQ(sh("curl -sS --max-time 60 " + tftp("releases/agent/install.img") + " | sha256sum"), image_sum);
    EXPECT_EQ(sh("curl -sS --max-time 60 " + http("/boot/releases/agent/install.img") + " | sha256sum"), image_sum);
    EXPECT_EQ(sh("curl -sS --max-time 60 " + tftp("releases/agent/boot/xen.gz") + " | sha256sum"),
              sh("sha256sum < " + quote((dir_.path() / "xen.gz").string())));
    EXPECT_EQ(sh("curl -sS --max-time 60 " + http("/boot/releases/agent/boot/xen") + " | sha256sum"),
              sh("sha256sum < " + quote((dir_.path() / "xen").string())));
    EXPECT_EQ(sh("curl -sS --max-time 60 " + http("/releases/agent/XS-PACKAGES") + " | sha256sum"),
              sh("sha256sum < " + quote((dir_.path() / "repo/XS-PACKAGES").string())));

    // Without --xen the image boots under the plain kernel.
    r = add("plain", "");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_EQ(cli("host set " + mac + " release=plain").exit_code, 0);
    const auto plain = pxelinux_config();
    EXPECT_EQ(plain.find("mboot.c32"), std::string::npos) << plain;
    EXPECT_NE(plain.find("kernel releases/plain/boot/vmlinuz"), std::string::npos) << plain;
    EXPECT_NE(plain.find("append initrd=releases/plain/install.img "), std::string::npos) << plain;
    EXPECT_NE(plain.find("ipappend 2"), std::string::npos) << plain;
    const auto plain_grub = run("curl -sS --max-time 20 " + tftp("grub.cfg-01-" + mac_dashes)).output;
    EXPECT_NE(plain_grub.find("linux /releases/plain/boot/vmlinuz"), std::string::npos) << plain_grub;
    EXPECT_NE(plain_grub.find("initrd /releases/plain/install.img"), std::string::npos) << plain_grub;
    const auto plain_ipxe = run("curl -sS --max-time 20 " + http("/ipxe/" + mac)).output;
    EXPECT_NE(plain_ipxe.find("initrd --name install.img " + http("/boot/releases/plain/install.img")),
              std::string::npos)
        << plain_ipxe;
    // A damaged repository makes no release.
    flip_byte(dir_.path() / "repo/dom0fs.tar.bz2", 500);
    r = add("broken", "");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("dom0fs.tar.bz2 does not match its manifest: md5 "), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(tftp_ / "releases/broken"));
}

// --repository URL: verified over HTTP from here (the daemon serves it), not
// copied; the host's answerfile names the URL.
TEST_F(AgentRelease, ARepositoryByUrlIsVerifiedAndNamedInTheAnswerfile)
{
    require_programs({"tar", "bzip2", "md5sum"});
    write_random_file(dir_.path() / "install.img", 100000, 2);
    write_random_file(dir_.path() / "vmlinuz", 100000, 3);
    build_legacy_repository(http_ / "mirror", dir_.path() / "content", "0.1.2", "xen-3.4.2.gz", "XCP", 5);
    const auto add = [&](const std::string& name) {
        return run(quote(xcp_pxe_binary().string()) + " release add-agent --name " + name + " --image " +
                   quote((dir_.path() / "install.img").string()) + " --kernel " +
                   quote((dir_.path() / "vmlinuz").string()) + " --repository " + http("/mirror/") + " --state-dir " +
                   quote(state_.string()) + " --tftp-root " + quote(tftp_.string()) + " --http-root " +
                   quote(http_.string()));
    };
    auto r = add("remote");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("release remote: XCP 0.1.2 build 1234"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(http_ / "releases/remote/XS-PACKAGES"));
    const auto shown = nlohmann::json::parse(cli("release show remote --json").output, nullptr, false);
    EXPECT_EQ(shown["repository"], http("/mirror/"));
    ASSERT_EQ(cli("host set " + mac + " release=remote").exit_code, 0);
    const auto token = field(pxelinux_config(), "answerfile/", " ");
    const auto answerfile = run("curl -sS --max-time 20 " + http("/answerfile/" + token)).output;
    EXPECT_NE(answerfile.find(">" + http("/mirror/") + "<"), std::string::npos) << answerfile;
    // A package that no longer matches its manifest, over HTTP: refused.
    flip_byte(http_ / "mirror/e1000.ko", 10);
    r = add("remote2");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("e1000.ko does not match its manifest: md5 "), std::string::npos) << r.output;
    EXPECT_NE(cli("release list --json").output.find("remote"), std::string::npos);
    EXPECT_EQ(cli("release list --json").output.find("remote2"), std::string::npos);
}

}  // namespace
}  // namespace xcp::test
