// `xcp-installer verify` on repositories built by tools we did not write:
// packages made with tar and bzip2, sums with md5sum and sha256sum, repodata
// compressed with gzip.
#include "tests/support/installer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

class InstallerVerify : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"busybox", "bzip2", "dd", "gzip", "md5sum", "sha256sum", "tar", "truncate"});
        const auto repo = root_ / "packages.main";
        std::filesystem::create_directories(repo);
        std::filesystem::create_directories(dir_.path() / "content/etc");
        std::ofstream(dir_.path() / "content/etc/motd") << "XCP\n";
        write_random_file(dir_.path() / "content/blob", 3 << 20, 5);
        const auto d = quote(repo.string());
        sh("tar -C " + quote((dir_.path() / "content").string()) + " -cjf " + d + "/dom0fs.tar.bz2 .");
        write_random_file(repo / "e1000.ko", 70000, 6);
        std::ofstream(repo / "XS-REPOSITORY") << "<repository originator=\"xcp\" name=\"main\" product=\"XCP\" "
                                                 "version=\"0.1.1\" build=\"1234\"><description>XCP base</description>"
                                                 "</repository>\n";
        // XS-PACKAGES text form, sizes and sums from stat and md5sum.
        sh("cd " + d + " && for f in dom0fs.tar.bz2 e1000.ko; do set -- $(md5sum $f); echo \"$f $(stat -c %s $f) $1\";"
           " done > sums");
        std::ifstream sums(repo / "sums");
        std::string name, size, md5;
        std::ofstream packages(repo / "XS-PACKAGES");
        while (sums >> name >> size >> md5) {
            packages << (name == "e1000.ko" ? "e1000 " + size + " " + md5 + " driver e1000.ko /lib/modules/e1000.ko\n"
                                            : "dom0fs " + size + " " + md5 + " tbz2 required dom0fs.tar.bz2 /\n");
        }
    }

    [[nodiscard]] CommandResult verify(const std::string& extra = {}) const
    {
        return run(quote(installer_binary().string()) + " verify " + quote(root_.string()) + " " + extra);
    }

    TempDir dir_;
    std::filesystem::path root_ = dir_.path() / "repo";
};

TEST_F(InstallerVerify, ALegacyRepositoryVerifies)
{
    const auto r = verify();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("xcp:main 0.1.1 build 1234 (legacy, identity "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("2 packages, all verified"), std::string::npos) << r.output;
    const auto json = nlohmann::json::parse(verify("--json").output, nullptr, false);
    ASSERT_TRUE(json.is_object());
    EXPECT_EQ(json["ok"], true);
    const auto identity = json["repositories"][0]["identity"].get<std::string>();
    const auto expected = sh("cat " + quote((root_ / "packages.main/XS-REPOSITORY").string()) + " " +
                             quote((root_ / "packages.main/XS-PACKAGES").string()) + " | md5sum");
    EXPECT_EQ(identity, expected.substr(0, 32)) << "identity: md5 of XS-REPOSITORY then XS-PACKAGES";
}

TEST_F(InstallerVerify, OneChangedByteIsFoundAndNamed)
{
    const auto file = root_ / "packages.main/e1000.ko";
    flip_byte(file, 1000);
    const auto r = verify();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("xcp:main: package e1000 (packages.main/e1000.ko): md5 "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find(", the manifest says "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("1 bad"), std::string::npos);

    sh("truncate -s 100 " + quote(file.string()));
    EXPECT_NE(verify().output.find("size 100 bytes, the manifest says 70000"), std::string::npos);
    std::filesystem::remove(file);
    EXPECT_NE(verify().output.find("e1000.ko: cannot be read"), std::string::npos);
}

TEST_F(InstallerVerify, BadManifestsAndNoRepository)
{
    std::ofstream(root_ / "packages.main/XS-PACKAGES", std::ios::app)
        << "evil 1 0123456789abcdef0123456789abcdef firmware ../../../etc/shadow\n";
    auto r = verify();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("packages.main/XS-PACKAGES:3: package evil: file '../../../etc/shadow' is not a path"),
              std::string::npos)
        << r.output;
    TempDir empty;
    r = run(quote(installer_binary().string()) + " verify " + quote(empty.path().string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("holds no repository"), std::string::npos) << r.output;
    r = run(quote(installer_binary().string()) + " verify /nonexistent");
    EXPECT_EQ(r.exit_code, 4);
    r = run(quote(installer_binary().string()) + " verify gopher://127.0.0.1/repo");
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.output.find("ftp:// and nfs:// sources can be read"), std::string::npos) << "said plainly";
}

TEST_F(InstallerVerify, OverHttpFromBusyboxHttpd)
{
    const auto port = free_tcp_port();
    Daemon httpd({"/bin/busybox", "httpd", "-f", "-vv", "-p", "127.0.0.1:" + std::to_string(port), "-h", root_.string()},
                 dir_.path() / "httpd.log");
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
    CommandResult r;
    for (int i = 0; i < 50; ++i) {  // until httpd listens, 5 s at most
        r = run(quote(installer_binary().string()) + " verify " + url);
        if (r.output.find("cannot connect") == std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("xcp:main 0.1.1 build 1234 (legacy"), std::string::npos) << r.output;
    flip_byte(root_ / "packages.main/dom0fs.tar.bz2", 100);
    r = run(quote(installer_binary().string()) + " verify " + url);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("package dom0fs (packages.main/dom0fs.tar.bz2): md5 "), std::string::npos) << r.output;
}

TEST_F(InstallerVerify, AModernRepositoryVerifiesBySha256)
{
    const auto modern = dir_.path() / "modern";
    std::filesystem::create_directories(modern / "Packages");
    std::filesystem::create_directories(modern / "repodata");
    write_random_file(modern / "Packages/xen-4.17.rpm", 200000, 9);
    std::ofstream(modern / ".treeinfo") << "[system-v1]\nplatform_name = XCP\nplatform_version = 3.4.0\nproduct_name = "
                                           "XCP-ng\nproduct_version = 8.3.0\n[build]\nnumber = 58\n";
    const auto sum = sh("sha256sum " + quote((modern / "Packages/xen-4.17.rpm").string())).substr(0, 64);
    std::ofstream(modern / "repodata/primary.xml")
        << "<metadata packages=\"1\"><package type=\"rpm\"><name>xen</name><checksum type=\"sha256\" pkgid=\"YES\">"
        << sum << "</checksum><size package=\"200000\"/><location href=\"Packages/xen-4.17.rpm\"/></package></metadata>\n";
    sh("gzip -n " + quote((modern / "repodata/primary.xml").string()));
    const auto primary_sum = sh("sha256sum " + quote((modern / "repodata/primary.xml.gz").string())).substr(0, 64);
    std::ofstream(modern / "repodata/repomd.xml")
        << "<repomd><data type=\"primary\"><checksum type=\"sha256\">" << primary_sum
        << "</checksum><location href=\"repodata/primary.xml.gz\"/></data></repomd>\n";
    auto r = run(quote(installer_binary().string()) + " verify file://" + modern.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("XCP-ng 8.3.0 build 58 (modern): 1 packages, all verified"), std::string::npos) << r.output;
    flip_byte(modern / "Packages/xen-4.17.rpm", 5);
    r = run(quote(installer_binary().string()) + " verify " + quote(modern.string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("package xen (Packages/xen-4.17.rpm): sha256 "), std::string::npos) << r.output;
}

}  // namespace
}  // namespace xcp::test
