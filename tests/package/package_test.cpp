// The Debian packages, as an operator gets them: built with cpack from this
// build, checked with dpkg-deb and lintian, the unit with systemd-analyze;
// then xcp-pxe installed, started exactly as the unit's ExecStart says, as the
// package's user with the unit's capabilities (setpriv), inside a network
// namespace of the test's own (so ports 69 and 80 are its loopback's), asked
// for a boot config over TFTP and an answerfile over HTTP, and purged.
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace xcp::test {
namespace {

std::string read_text(const std::filesystem::path& p)
{
    std::ifstream in(p);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class Package : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "installing a package needs root; CI runs this as root";
        }
        require_programs({"cpack", "dpkg", "dpkg-deb", "lintian", "systemd-analyze", "setpriv", "ip", "curl"});
        const auto made = run(quote((source_dir() / "scripts/package").string()) + " " + quote(XCP_BINARY_DIR) + " " +
                                  quote(out_.string()),
                              std::chrono::seconds(600));
        ASSERT_EQ(made.exit_code, 0) << made.output;
        installer_deb_ = out_ / ("xcp-installer_" + std::string(XCP_VERSION) + "_amd64.deb");
        server_deb_ = out_ / ("xcp-pxe_" + std::string(XCP_VERSION) + "_amd64.deb");
        ASSERT_TRUE(std::filesystem::exists(server_deb_)) << made.output;
        ASSERT_TRUE(std::filesystem::exists(installer_deb_)) << made.output;
        (void)run("dpkg --purge xcp-pxe");  // a run that died before its purge
    }

    void TearDown() override
    {
        daemon_.reset();
        (void)run("ip netns del " + ns_);
        (void)run("dpkg --purge xcp-pxe");
    }

    [[nodiscard]] CommandResult in_ns(const std::string& command) const
    {
        return run("ip netns exec " + ns_ + " " + command, std::chrono::seconds(30));
    }

    TempDir dir_;
    std::filesystem::path out_ = dir_.path() / "packages";
    std::filesystem::path server_deb_, installer_deb_;
    std::string ns_ = "xcp-pkg-" + std::to_string(::getpid());
    std::unique_ptr<Daemon> daemon_;
};

TEST_F(Package, BuiltCheckedInstalledServedAndPurged)
{
    // Contents and metadata.
    const auto contents = run("dpkg-deb -c " + quote(server_deb_.string())).output;
    for (const auto* path : {"./usr/sbin/xcp-pxe", "./usr/share/xcp-pxe/pxe-templates/pxelinux-install.cfg",
                             "./usr/share/xcp-pxe/answerfiles/profiles/default.xml", "./etc/xcp-pxe/xcp-pxe.toml",
                             "./lib/systemd/system/xcp-pxe.service", "./usr/share/doc/xcp-pxe/copyright",
                             "./usr/share/doc/xcp-pxe/changelog.gz"}) {
        EXPECT_NE(contents.find(std::string(path) + "\n"), std::string::npos) << path << "\n" << contents;
    }
    EXPECT_EQ(contents.find("xcp-installer"), std::string::npos) << "the installer is a package of its own";
    const auto installer = run("dpkg-deb -c " + quote(installer_deb_.string())).output;
    EXPECT_NE(installer.find("./usr/sbin/xcp-installer\n"), std::string::npos) << installer;
    EXPECT_EQ(installer.find("./usr/sbin/xcp-pxe"), std::string::npos);
    const auto info = run("dpkg-deb -I " + quote(server_deb_.string())).output;
    EXPECT_NE(info.find("Package: xcp-pxe"), std::string::npos) << info;
    EXPECT_NE(info.find("libsqlite3-0"), std::string::npos) << "dependencies computed by dpkg-shlibdeps:\n" << info;
    EXPECT_NE(run("dpkg-deb -f " + quote(server_deb_.string()) + " Depends").output.find("adduser"), std::string::npos);
    EXPECT_NE(run("dpkg-deb -I " + quote(server_deb_.string()) + " conffiles").output.find("/etc/xcp-pxe/xcp-pxe.toml"),
              std::string::npos);
    const auto lint = run("lintian --fail-on error " + quote(server_deb_.string()) + " " + quote(installer_deb_.string()),
                          std::chrono::seconds(300));
    EXPECT_EQ(lint.exit_code, 0) << lint.output;

    // Installed: the user, the state directory, the roots.
    const auto installed = run("dpkg -i " + quote(server_deb_.string()), std::chrono::seconds(120));
    ASSERT_EQ(installed.exit_code, 0) << installed.output;
    EXPECT_EQ(run("id -u xcp-pxe").exit_code, 0);
    EXPECT_EQ(run("stat -c '%a %U' /var/lib/xcp-pxe").output, "700 xcp-pxe\n");
    EXPECT_TRUE(std::filesystem::is_directory("/srv/xcp-pxe/tftp"));

    // The unit.
    const auto unit = std::string("/lib/systemd/system/xcp-pxe.service");
    const auto verify = run("systemd-analyze verify " + unit);
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    const auto security = run("systemd-analyze security --offline=yes " + unit).output;
    const auto at = security.find("Overall exposure level for xcp-pxe.service: ");
    ASSERT_NE(at, std::string::npos) << security;
    const double exposure = std::stod(security.substr(at + 44));
    EXPECT_LE(exposure, 2.0) << security.substr(at);
    std::cout << "systemd-analyze security: " << security.substr(at, security.find('\n', at) - at) << "\n";

    // Started exactly as ExecStart says, as the unit would start it.
    const auto unit_text = read_text(unit);
    const auto exec_at = unit_text.find("\nExecStart=");
    ASSERT_NE(exec_at, std::string::npos);
    const auto exec = unit_text.substr(exec_at + 11, unit_text.find('\n', exec_at + 1) - exec_at - 11);
    EXPECT_EQ(exec, "/usr/sbin/xcp-pxe serve --config /etc/xcp-pxe/xcp-pxe.toml");
    const std::string as_unit = "setpriv --reuid=xcp-pxe --regid=xcp-pxe --init-groups --no-new-privs "
                                "--inh-caps=-all,+net_bind_service,+net_raw --ambient-caps=-all,+net_bind_service,+net_raw "
                                "--bounding-set=-all,+net_bind_service,+net_raw ";
    std::ofstream("/srv/xcp-pxe/tftp/pxelinux.0") << "loader";
    const std::string mac = "52:54:00:be:ef:01";
    const auto added = run("setpriv --reuid=xcp-pxe --regid=xcp-pxe --init-groups /usr/sbin/xcp-pxe host add " + mac +
                           " --state-dir /var/lib/xcp-pxe");
    ASSERT_EQ(added.exit_code, 0) << added.output;
    ASSERT_EQ(run("ip netns add " + ns_).exit_code, 0);
    ASSERT_EQ(in_ns("ip link set lo up").exit_code, 0);
    const auto check = in_ns(as_unit + "/usr/sbin/xcp-pxe serve --check --config /etc/xcp-pxe/xcp-pxe.toml");
    EXPECT_EQ(check.exit_code, 0) << check.output;
    daemon_ = std::make_unique<Daemon>(
        std::vector<std::string>{"/bin/sh", "-c", "exec ip netns exec " + ns_ + " " + as_unit + exec},
        dir_.path() / "daemon.log");
    ASSERT_TRUE(daemon_->wait_for_log("hosts reach us at")) << daemon_->log();
    const auto config = in_ns("curl -sS --max-time 20 tftp://127.0.0.1/pxelinux.cfg/01-52-54-00-be-ef-01").output;
    const auto url_at = config.find("answerfile=");
    ASSERT_NE(url_at, std::string::npos) << config << daemon_->log();
    const auto url = config.substr(url_at + 11, config.find(' ', url_at) - url_at - 11);
    const auto answerfile = in_ns("curl -sS --fail --max-time 20 " + quote(url));
    EXPECT_EQ(answerfile.exit_code, 0) << answerfile.output;
    EXPECT_NE(answerfile.output.find("<installation"), std::string::npos) << answerfile.output;
    EXPECT_EQ(in_ns("curl -sS --max-time 20 tftp://127.0.0.1/pxelinux.0").output, "loader");
    // The operator's page, from the package's own files.
    const auto page = in_ns("curl -sS --fail --max-time 20 http://" + std::string(url.substr(7, url.find('/', 7) - 7)) +
                            "/ui/app.js");
    EXPECT_EQ(page.exit_code, 0) << page.output << daemon_->log();
    EXPECT_NE(page.output.find("sessionStorage"), std::string::npos);
    daemon_->stop();
    daemon_.reset();
    std::filesystem::remove("/srv/xcp-pxe/tftp/pxelinux.0");

    // Purged: nothing left but the system user, which Debian policy keeps.
    const auto purged = run("dpkg --purge xcp-pxe", std::chrono::seconds(120));
    EXPECT_EQ(purged.exit_code, 0) << purged.output;
    for (const auto* path : {"/usr/sbin/xcp-pxe", "/usr/share/xcp-pxe", "/etc/xcp-pxe", "/var/lib/xcp-pxe", "/srv/xcp-pxe",
                             "/lib/systemd/system/xcp-pxe.service", "/usr/share/doc/xcp-pxe"}) {
        EXPECT_FALSE(std::filesystem::exists(path)) << path << " is left behind";
    }
}

}  // namespace
}  // namespace xcp::test
