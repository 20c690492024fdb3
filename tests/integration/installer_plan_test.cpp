// `xcp-installer --dry-run` on sparse image files: disks probed with
// libblkid, an existing installation made with sfdisk and mke2fs (tools we
// did not write), and the image files unchanged afterwards.
#include "libxcp/checksum/digest.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace xcp::test {
namespace {

std::filesystem::path installer() { return xcp_pxe_binary().parent_path().parent_path() / "installer-agent/xcp-installer"; }

class InstallerPlan : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"dd", "md5sum", "mke2fs", "sfdisk", "stat", "truncate"});
        std::filesystem::create_directories(dev_);
        ASSERT_EQ(run("truncate -s 64G " + quote((dev_ / "sda").string()) + " && truncate -s 8G " +
                      quote((dev_ / "sdb").string()) + " && truncate -s 8G " + quote((dev_ / "small").string()))
                      .exit_code,
                  0);
    }

    void answerfile(const std::string& mode, const std::string& primary, const std::string& guest) const
    {
        std::ofstream(file_) << "<installation mode=\"" << mode << "\"><primary-disk>" << primary
                             << "</primary-disk><guest-disk>" << guest
                             << "</guest-disk><keymap>us</keymap><root-password type=\"hash\">$6$a$b</root-password>"
                                "<source type=\"url\">file://" << (dir_.path() / "norepo").string()
                             << "</source><admin-interface name=\"eth0\" proto=\"dhcp\"/></installation>\n";
    }

    [[nodiscard]] CommandResult plan(const std::string& extra = {}) const
    {
        return run(quote(installer().string()) + " --answerfile " + quote(file_.string()) + " --dev-dir " +
                   quote(dev_.string()) + " --boot-mode bios --dry-run " + extra);
    }

    TempDir dir_;
    std::filesystem::path dev_ = dir_.path() / "dev";
    std::filesystem::path file_ = dir_.path() / "answerfile.xml";
};

TEST_F(InstallerPlan, DryRunOnImageFiles)
{
    answerfile("fresh", "sda", "sdb");
    auto r = plan("--json");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto j = nlohmann::json::parse(r.output.substr(r.output.find('{')), nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.output;
    EXPECT_EQ(j["table"], "gpt");
    EXPECT_EQ(j["partitions"].size(), 6U);
    EXPECT_EQ(j["guest_disks"][0], "sdb");
    ASSERT_TRUE(j["operations"].is_array());
    EXPECT_EQ(j["operations"][0]["step"], "check");
    EXPECT_EQ(j["operations"].back()["step"], "bootloader") << "made bootable last: " << j.dump(2);
    r = plan("--layout legacy");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.output.find("2009 layout (--layout legacy)"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("partitions (dos)"), std::string::npos) << r.output;
}

TEST_F(InstallerPlan, RefusalsLeaveEveryImageUntouched)
{
    // Any write changes a file's mtime and ctime (nanoseconds), and a write
    // into a hole its block count: cheaper than hashing 80 GB of sparse zeros.
    const auto sums = [&] {
        std::string out;
        for (const auto* d : {"sda", "sdb", "small"}) {
            out += run("stat -c '%s %y %z %b' " + quote((dev_ / d).string())).output;
        }
        out += run("dd if=" + quote((dev_ / "sda").string()) + " bs=1M count=64 status=none | md5sum").output;
        return out;
    };
    // An existing installation on sda: a GPT with a root-* ext4 partition.
    const auto sda = quote((dev_ / "sda").string());
    ASSERT_EQ(run("printf 'label: gpt\\nstart=2048, size=2097152, name=root\\n' | sfdisk -q " + sda).exit_code, 0);
    const auto mkfs = run("mke2fs -q -F -t ext4 -L root-abcdef -E offset=1048576 " + sda + " 1G");
    ASSERT_EQ(mkfs.exit_code, 0) << mkfs.output;
    const auto before = sums();

    answerfile("fresh", "sda", "sdb");
    auto r = plan();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("disk sda holds an XCP installation (partition 1, root-abcdef)"), std::string::npos)
        << r.output;
    answerfile("fresh", "small", "sdb");
    r = plan();
    EXPECT_NE(r.output.find("disk small is 8.6 GB; the XCP-ng 8 layout needs at least 46.0 GB"), std::string::npos)
        << r.output;
    answerfile("fresh", "sda", "sdq");
    r = plan();
    EXPECT_NE(r.output.find("disk sdq named as <guest-disk> does not exist under"), std::string::npos) << r.output;
    answerfile("reinstall", "sda", "sdb");
    r = plan();
    EXPECT_EQ(r.exit_code, 0) << "reinstall replaces it: " << r.output;
    r = run(quote(installer().string()) + " --answerfile " + quote(file_.string()) + " --dev-dir " + quote(dev_.string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("norepo' is not a directory"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("nothing was written to the disks"), std::string::npos) << r.output;
    EXPECT_EQ(sums(), before) << "no image file changed";
}

TEST_F(InstallerPlan, AnswerfileFromTheKernelCommandLine)
{
    answerfile("fresh", "sda", "sdb");
    const auto cmdline = dir_.path() / "cmdline";
    std::ofstream(cmdline) << "xencons=hvc console=hvc0 answerfile=file://" << file_.string() << " install\n";
    auto r = run(quote(installer().string()) + " --cmdline " + quote(cmdline.string()) + " --dev-dir " +
                 quote(dev_.string()) + " --boot-mode bios --dry-run");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::ofstream(cmdline, std::ios::trunc) << "install\n";
    r = run(quote(installer().string()) + " --cmdline " + quote(cmdline.string()) + " --dry-run");
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find("no answerfile"), std::string::npos);
}

}  // namespace
}  // namespace xcp::test
