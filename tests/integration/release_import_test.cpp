// `xcp-pxe import` on ISO images built with xorriso (Rock Ridge, as vendors
// make theirs) and on folders: both repository formats, files placed where
// the server looks, the release recorded; a damaged package, a medium that is
// not one, a second import, a concurrent one, and release rm.
#include "tests/support/installer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {
namespace fs = std::filesystem;

class ReleaseImport : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"xorriso", "tar", "bzip2", "md5sum", "gzip", "sha256sum"});
        fs::create_directories(tftp_);
        fs::create_directories(http_);
    }

    // A legacy (2009) medium: packages.main/ holds the repository.
    fs::path legacy_medium(const std::string& name, const std::string& version = "0.1.1")
    {
        const auto dir = dir_.path() / name;
        build_legacy_repository(dir / "packages.main", dir_.path() / (name + "-content"), version, "xen-3.4.2.gz",
                                "XCP " + version, 3);
        boot_files(dir);
        return dir;
    }

    static void boot_files(const fs::path& dir)
    {
        fs::create_directories(dir / "boot/pxelinux");
        // Xen gzipped, as on every medium; its plain form kept beside the medium.
        const auto plain_xen = dir.parent_path() / (dir.filename().string() + "-xen");
        write_random_file(plain_xen, 200000, 11);
        sh("gzip -n -c " + quote(plain_xen.string()) + " > " + quote((dir / "boot/xen.gz").string()));
        write_random_file(dir / "boot/vmlinuz", 300000, 12);
        write_random_file(dir / "install.img", 2 << 20, 13);
        std::ofstream(dir / "boot/pxelinux/pxelinux.cfg") << "default xe\n";
    }

    fs::path iso(const fs::path& tree, const std::string& name)
    {
        const auto out = dir_.path() / (name + ".iso");
        sh("xorriso -as mkisofs -quiet -R -J -V XCP -o " + quote(out.string()) + " " + quote(tree.string()) +
           " 2>&1");
        return out;
    }

    CommandResult xcp(const std::string& args) const
    {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state_.string()) +
                   (args.starts_with("import") || args.starts_with("release rm") || args.starts_with("release add")
                        ? " --tftp-root " + quote(tftp_.string()) + " --http-root " + quote(http_.string())
                        : std::string()));
    }

    nlohmann::json releases() const
    {
        const auto r = xcp("release list --json");
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return nlohmann::json::parse(r.output, nullptr, false);
    }

    // Nothing under either root's releases/ but what is named.
    static std::vector<std::string> entries(const fs::path& dir)
    {
        std::vector<std::string> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            out.push_back(e.path().filename().string());
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    TempDir dir_;
    fs::path state_ = dir_.path() / "state", tftp_ = dir_.path() / "tftp", http_ = dir_.path() / "http";
};

TEST_F(ReleaseImport, ALegacyIsoIsPlacedVerifiedAndRecorded)
{
    const auto medium = iso(legacy_medium("xcp"), "xcp");
    const auto r = xcp("import " + quote(medium.string()) + " --name xcp-0.1.1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("import: found a legacy install medium"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("release xcp-0.1.1: XCP 0.1.1 build 1234 (legacy repository"), std::string::npos)
        << r.output;
    // Where the server looks (a contract), byte for byte the medium's.
    for (const auto* file : {"boot/xen.gz", "boot/vmlinuz", "install.img"}) {
        EXPECT_EQ(sh("sha256sum < " + quote((tftp_ / "releases/xcp-0.1.1" / file).string())),
                  sh("sha256sum < " + quote((dir_.path() / "xcp" / file).string())))
            << file;
    }
    EXPECT_EQ(sh("sha256sum < " + quote((http_ / "releases/xcp-0.1.1/packages.main/dom0fs.tar.bz2").string())),
              sh("sha256sum < " + quote((dir_.path() / "xcp/packages.main/dom0fs.tar.bz2").string())));
    // syslinux from one build, on the first import.
    for (const auto* loader : {"pxelinux.0", "lpxelinux.0", "ldlinux.c32", "mboot.c32", "libcom32.c32", "menu.c32"}) {
        EXPECT_TRUE(fs::is_regular_file(tftp_ / loader)) << loader;
        EXPECT_EQ(sh("cmp " + quote((tftp_ / loader).string()) + " " +
                     quote((std::string(loader).ends_with(".0") ? "/usr/lib/PXELINUX/" : "/usr/lib/syslinux/modules/bios/") +
                           std::string(loader)) + " && echo same"),
                  "same\n");
    }
    const auto list = releases();
    ASSERT_EQ(list.size(), 1U) << list.dump();
    EXPECT_EQ(list[0]["name"], "xcp-0.1.1");
    EXPECT_EQ(list[0]["era"], "legacy");
    EXPECT_EQ(list[0]["version"], "0.1.1");
    EXPECT_EQ(list[0]["build"], "1234");
    EXPECT_EQ(list[0]["product"], "XCP");
    EXPECT_EQ(list[0]["xen"], "releases/xcp-0.1.1/boot/xen.gz");
    // Beside it, Xen decompressed: what iPXE loads.
    EXPECT_EQ(list[0]["xen-multiboot"], "releases/xcp-0.1.1/boot/xen");
    EXPECT_EQ(sh("cmp " + quote((tftp_ / "releases/xcp-0.1.1/boot/xen").string()) + " " +
                 quote((dir_.path() / "xcp-xen").string()) + " && echo same"),
              "same\n");
    EXPECT_EQ(list[0]["image"], "releases/xcp-0.1.1/install.img");
    const auto shown = nlohmann::json::parse(xcp("release show xcp-0.1.1 --json").output, nullptr, false);
    EXPECT_EQ(shown["checksums"]["tftp/install.img"],
              sh("sha256sum < " + quote((dir_.path() / "xcp/install.img").string())).substr(0, 64));
    EXPECT_EQ(shown["identity"].get<std::string>().size(), 32U);
    // Nothing staged is left behind.
    EXPECT_EQ(entries(tftp_ / "releases"), std::vector<std::string>{"xcp-0.1.1"});
    EXPECT_EQ(entries(http_ / "releases"), std::vector<std::string>{"xcp-0.1.1"});
}

TEST_F(ReleaseImport, AModernIsoWithEfiAndTreeinfoSums)
{
    const auto dir = dir_.path() / "ng";
    build_modern_repository(dir, dir_.path() / "ng-content", "8.2.1", "xen-4.13.gz", "XCP-ng", 4);
    boot_files(dir);
    fs::create_directories(dir / "EFI/xenserver");
    write_random_file(dir / "EFI/xenserver/grubx64.efi", 100000, 14);
    std::ofstream(dir / "EFI/xenserver/grub.cfg") << "menuentry x {}\n";
    const auto vmlinuz_sum = sh("sha256sum < " + quote((dir / "boot/vmlinuz").string())).substr(0, 64);
    std::ofstream(dir / ".treeinfo", std::ios::app) << "[checksums]\nboot/vmlinuz = sha256:" << vmlinuz_sum << "\n";
    const auto r = xcp("import " + quote(iso(dir, "ng").string()) + " --name ng");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("found a modern install medium with EFI/xenserver/"), std::string::npos) << r.output;
    EXPECT_TRUE(fs::is_regular_file(tftp_ / "releases/ng/EFI/xenserver/grubx64.efi"));
    EXPECT_TRUE(fs::is_regular_file(tftp_ / "releases/ng/EFI/xenserver/grub.cfg"));
    // The vendor's grub, where the DHCP helper sends UEFI hosts.
    EXPECT_TRUE(fs::is_regular_file(tftp_ / "EFI/xenserver/grubx64.efi"));
    EXPECT_TRUE(fs::is_regular_file(http_ / "releases/ng/.treeinfo"));
    EXPECT_TRUE(fs::is_regular_file(http_ / "releases/ng/repodata/repomd.xml"));
    const auto list = releases();
    ASSERT_EQ(list.size(), 1U);
    EXPECT_EQ(list[0]["era"], "modern");
    EXPECT_EQ(list[0]["product"], "XCP-ng");
    EXPECT_EQ(list[0]["version"], "8.2.1");
    EXPECT_EQ(list[0]["build"], "58");
    EXPECT_EQ(list[0]["efi"], true);
}

TEST_F(ReleaseImport, ATreeinfoSumThatDiffersAbortsWithBothSums)
{
    const auto dir = dir_.path() / "ng";
    build_modern_repository(dir, dir_.path() / "ng-content", "8.2.1", "xen-4.13.gz", "XCP-ng", 4);
    boot_files(dir);
    const std::string wrong(64, 'a');
    std::ofstream(dir / ".treeinfo", std::ios::app) << "[checksums]\ninstall.img = sha256:" << wrong << "\n";
    const auto r = xcp("import " + quote(iso(dir, "ng").string()) + " --name ng");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    const auto actual = sh("sha256sum < " + quote((dir / "install.img").string())).substr(0, 64);
    EXPECT_NE(r.output.find("install.img does not match .treeinfo: sha256 " + actual + ", .treeinfo says " + wrong),
              std::string::npos)
        << r.output;
    EXPECT_TRUE(releases().empty());
    EXPECT_TRUE(entries(tftp_ / "releases").empty());
    EXPECT_TRUE(entries(http_ / "releases").empty());
}

TEST_F(ReleaseImport, ADamagedPackageAbortsAndLeavesNothing)
{
    const auto dir = legacy_medium("xcp");
    const auto package = dir / "packages.main/dom0fs.tar.bz2";
    const auto expected = sh("md5sum < " + quote(package.string())).substr(0, 32);
    flip_byte(package, 1000);
    const auto actual = sh("md5sum < " + quote(package.string())).substr(0, 32);
    const auto r = xcp("import " + quote(iso(dir, "bad").string()) + " --name xcp");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("packages.main/dom0fs.tar.bz2 does not match its manifest: md5 " + actual +
                            ", the manifest says " + expected),
              std::string::npos)
        << r.output;
    EXPECT_TRUE(releases().empty());
    EXPECT_TRUE(entries(tftp_ / "releases").empty());
    EXPECT_TRUE(entries(http_ / "releases").empty());
    EXPECT_FALSE(fs::exists(tftp_ / "pxelinux.0"));
}

// A Xen that claims gzip (its magic) and is cut short: the decompressed copy
// for iPXE cannot be made, and nothing is placed or recorded.
TEST_F(ReleaseImport, ATruncatedGzippedXenAbortsAndLeavesNothing)
{
    const auto dir = legacy_medium("xcp");
    fs::resize_file(dir / "boot/xen.gz", 5000);
    const auto r = xcp("import " + quote(dir.string()) + " --name xcp");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("as gzip: truncated gzip input"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("boot/xen.gz"), std::string::npos) << r.output;
    EXPECT_TRUE(releases().empty());
    EXPECT_TRUE(entries(tftp_ / "releases").empty());
    EXPECT_TRUE(entries(http_ / "releases").empty());
}

TEST_F(ReleaseImport, AnIsoThatIsNotAnInstallMediumIsToldWhatIsMissing)
{
    const auto dir = dir_.path() / "docs";
    fs::create_directories(dir / "boot");
    std::ofstream(dir / "README") << "not an installer\n";
    write_random_file(dir / "boot/vmlinuz", 1000, 1);
    const auto medium = iso(dir, "docs");
    const auto r = xcp("import " + quote(medium.string()) + " --name docs");
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("xcp-pxe: " + medium.string() +
                            " is not an XCP-ng / XenServer install medium: it has no boot/xen.gz, no install.img "
                            "and no repository (.treeinfo with repodata/"),
              std::string::npos)
        << r.output;
    EXPECT_TRUE(releases().empty());
    // Not an ISO at all.
    std::ofstream(dir_.path() / "random.bin") << std::string(70000, 'x');
    const auto junk = xcp("import " + quote((dir_.path() / "random.bin").string()) + " --name junk");
    EXPECT_EQ(junk.exit_code, 1) << junk.output;
    EXPECT_NE(junk.output.find("ISO 9660"), std::string::npos) << junk.output;
}

TEST_F(ReleaseImport, TheSameMediumTwiceChangesNothingAnotherNeedsReplace)
{
    const auto first = iso(legacy_medium("a", "0.1.1"), "a");
    ASSERT_EQ(xcp("import " + quote(first.string()) + " --name xcp").exit_code, 0);
    struct stat before {};
    ASSERT_EQ(::stat((tftp_ / "releases/xcp/install.img").c_str(), &before), 0);
    const auto again = xcp("import " + quote(first.string()) + " --name xcp");
    EXPECT_EQ(again.exit_code, 0) << again.output;
    EXPECT_NE(again.output.find("release xcp is already there from this medium"), std::string::npos) << again.output;
    struct stat after {};
    ASSERT_EQ(::stat((tftp_ / "releases/xcp/install.img").c_str(), &after), 0);
    EXPECT_EQ(before.st_ino, after.st_ino);
    EXPECT_EQ(entries(tftp_ / "releases"), std::vector<std::string>{"xcp"});

    const auto second = iso(legacy_medium("b", "0.1.2"), "b");
    const auto refused = xcp("import " + quote(second.string()) + " --name xcp");
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("release xcp is already there from another medium (XCP 0.1.1 build 1234"),
              std::string::npos)
        << refused.output;
    EXPECT_EQ(releases()[0]["version"], "0.1.1");
    const auto replaced = xcp("import " + quote(second.string()) + " --name xcp --replace");
    EXPECT_EQ(replaced.exit_code, 0) << replaced.output;
    EXPECT_EQ(releases()[0]["version"], "0.1.2");
    EXPECT_NE(read_text(http_ / "releases/xcp/packages.main/XS-REPOSITORY").find("0.1.2"), std::string::npos);
    EXPECT_EQ(entries(tftp_ / "releases"), std::vector<std::string>{"xcp"});
    EXPECT_EQ(entries(http_ / "releases"), std::vector<std::string>{"xcp"});
}

TEST_F(ReleaseImport, TwoImportsAtOnceOneWinsTheOtherIsTold)
{
    const auto dir = legacy_medium("big");
    write_random_file(dir / "install.img", 160 << 20, 21);
    const auto medium = iso(dir, "big");
    Daemon first({xcp_pxe_binary().string(), "import", medium.string(), "--name", "xcp", "--state-dir", state_.string(),
                  "--tftp-root", tftp_.string(), "--http-root", http_.string()},
                 dir_.path() / "first.log");
    // The first holds the lock once its staging folder is there.
    bool staging = false;
    for (int i = 0; i < 500 && !staging; ++i) {
        for (const auto& name : entries(http_ / "releases")) {
            staging = staging || name.starts_with(".xcp.import-");
        }
        if (!staging) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    ASSERT_TRUE(staging) << first.log();
    const auto second = xcp("import " + quote(medium.string()) + " --name xcp");
    EXPECT_EQ(second.exit_code, 1) << second.output;
    EXPECT_NE(second.output.find("another import of release xcp is running"), std::string::npos) << second.output;
    // The first ends by itself (a SIGTERM while it prints its last line
    // would be the test's doing).
    for (int i = 0; i < 1200 && first.running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(first.stop(), 0) << first.log();
    EXPECT_NE(first.log().find("give a host this release"), std::string::npos) << first.log();
    EXPECT_EQ(releases().size(), 1U);
    EXPECT_EQ(entries(http_ / "releases"), std::vector<std::string>{"xcp"});
}

TEST_F(ReleaseImport, AFolderImportsAndRmIsRefusedWhileAHostUsesIt)
{
    ASSERT_EQ(xcp("import " + quote(legacy_medium("tree").string()) + " --name tree").exit_code, 0);
    ASSERT_EQ(xcp("host add 52:54:00:00:00:01 --set release=tree").exit_code, 0);
    const auto refused = xcp("release rm tree");
    EXPECT_EQ(refused.exit_code, 4) << refused.output;
    EXPECT_NE(refused.output.find("release tree is set on 1 host (52:54:00:00:00:01)"), std::string::npos)
        << refused.output;
    EXPECT_TRUE(fs::exists(tftp_ / "releases/tree/install.img"));
    // A recorded release is taken quietly; another is taken with a warning.
    auto set = xcp("host set 52:54:00:00:00:01 release=tree");
    EXPECT_EQ(set.exit_code, 0) << set.output;
    EXPECT_EQ(set.output.find("warning"), std::string::npos) << set.output;
    set = xcp("host set 52:54:00:00:00:01 release=tere");
    EXPECT_EQ(set.exit_code, 0) << set.output;
    EXPECT_NE(set.output.find("warning: release tere is not recorded"), std::string::npos) << set.output;
    ASSERT_EQ(xcp("host set 52:54:00:00:00:01 release=").exit_code, 0);
    const auto removed = xcp("release rm tree");
    EXPECT_EQ(removed.exit_code, 0) << removed.output;
    EXPECT_TRUE(releases().empty());
    EXPECT_FALSE(fs::exists(tftp_ / "releases/tree"));
    EXPECT_FALSE(fs::exists(http_ / "releases/tree"));
}

TEST_F(ReleaseImport, ProgressIsPlainLinesWithoutATerminal)
{
    const auto r = xcp("import " + quote(legacy_medium("p").string()) + " --name p");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("import: copying "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("import: copied "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("import: verified 3 packages"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find('\r'), std::string::npos);
}

}  // namespace
}  // namespace xcp::test

namespace xcp::test {
namespace {

// `scripts/lab --iso`: the demo host boots the imported release.
TEST_F(ReleaseImport, LabModeImportsAnIsoForTheDemoHost)
{
    require_programs({"curl", "ip"});
    const auto medium = iso(legacy_medium("lab"), "lab");
    const auto lab = dir_.path() / "labdir";
    const auto tftp_port = free_udp_port();
    const auto http_port = free_tcp_port();
    Daemon daemon({(source_dir() / "scripts/lab").string(), "--binary", xcp_pxe_binary().string(), "--dir",
                   lab.string(), "--iso", medium.string(), "--tftp-port", std::to_string(tftp_port), "--http-port",
                   std::to_string(http_port)},
                  dir_.path() / "lab.log");
    ASSERT_TRUE(daemon.wait_for_log("hosts reach us at", std::chrono::seconds(60))) << daemon.log();
    EXPECT_NE(daemon.log().find("release lab: XCP 0.1.1 build 1234"), std::string::npos) << daemon.log();
    const auto config = run("curl -sS --max-time 20 tftp://127.0.0.1:" + std::to_string(tftp_port) +
                            "/pxelinux.cfg/01-52-54-00-12-34-56");
    EXPECT_NE(config.output.find("append releases/lab/boot/xen.gz "), std::string::npos) << config.output;
    EXPECT_NE(config.output.find("--- releases/lab/install.img"), std::string::npos) << config.output;
    EXPECT_EQ(sh("curl -sS --max-time 20 http://127.0.0.1:" + std::to_string(http_port) +
                 "/releases/lab/packages.main/XS-PACKAGES | sha256sum"),
              sh("sha256sum < " + quote((dir_.path() / "lab/packages.main/XS-PACKAGES").string())));
    EXPECT_EQ(daemon.stop(), 0) << daemon.log();
}

}  // namespace
}  // namespace xcp::test
