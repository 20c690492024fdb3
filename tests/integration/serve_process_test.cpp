// How `xcp-pxe serve` behaves as a process, as the systemd unit and lab mode
// run it: SIGHUP reloads the boot templates without dropping a transfer in
// flight, and --user leaves it with another uid and no capability, still
// serving and still writing its inventory.
#include "libxcp/checksum/digest.hpp"
#include "libxcp/util/text.hpp"
#include "tests/support/serve_fixture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

class ServeProcess : public ServeFixture {
protected:
    ServeProcess() { std::filesystem::copy(source_dir() / "pxe-templates", templates_); }

    [[nodiscard]] std::vector<std::string> flags() const override { return {"--templates-dir", templates_.string()}; }

    // A line of /proc/PID/status, after its name.
    [[nodiscard]] std::string status_line(const std::string& name) const
    {
        std::ifstream in("/proc/" + std::to_string(daemon_->pid()) + "/status");
        for (std::string line; std::getline(in, line);) {
            if (line.starts_with(name + ":")) {
                return std::string(util::trim(std::string_view(line).substr(name.size() + 1)));
            }
        }
        return {};
    }

    std::filesystem::path templates_ = dir_.path() / "templates";
};

TEST_F(ServeProcess, SighupReloadsTemplatesWithoutDroppingATransfer)
{
    const auto before = pxelinux_config();
    ASSERT_NE(before.find("label xcp-ng-auto"), std::string::npos) << before;
    // A download at 4 MB/s spans both reloads.
    CommandResult download;
    const auto out = dir_.path() / "big.out";
    std::thread slow([&] {
        download = run("curl -sS --fail --max-time 60 --limit-rate 4M -o " + quote(out.string()) + " " +
                       http("/repo/big.img"));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    std::ofstream(templates_ / "pxelinux-install.cfg", std::ios::app) << "# reloaded by SIGHUP\n";
    daemon_->signal(SIGHUP);
    ASSERT_TRUE(daemon_->wait_for_log("SIGHUP: boot templates reloaded")) << daemon_->log();
    EXPECT_NE(pxelinux_config().find("# reloaded by SIGHUP"), std::string::npos);

    // A broken template is refused at the reload; the running ones stay.
    std::ofstream(templates_ / "pxelinux-install.cfg", std::ios::app) << "{{nope}}\n";
    daemon_->signal(SIGHUP);
    ASSERT_TRUE(daemon_->wait_for_log("boot templates not reloaded, the running ones stay")) << daemon_->log();
    const auto after = pxelinux_config();
    EXPECT_NE(after.find("# reloaded by SIGHUP"), std::string::npos) << after;
    EXPECT_EQ(after.find("nope"), std::string::npos);

    slow.join();
    EXPECT_EQ(download.exit_code, 0) << download.output;
    EXPECT_EQ(checksum::hex_of_file(checksum::Algorithm::md5, out),
              checksum::hex_of_file(checksum::Algorithm::md5, http_ / "repo/big.img"));
    EXPECT_TRUE(daemon_->running());
}

// Type=notify: READY=1 reaches $NOTIFY_SOCKET once every socket is bound
// (the log's "hosts reach us at" line comes after it).
TEST_F(ServeProcess, TellsSystemdItIsReadyOnceBound)
{
    daemon_->stop();
    const auto socket = dir_.path() / "notify";
    const auto got = dir_.path() / "notified";
    Daemon listener({"/usr/bin/python3", "-c",
                     "import socket,sys\n"
                     "s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(20)\n"
                     "print('bound', flush=True)\n"
                     "open(sys.argv[2],'wb').write(s.recv(4096))\n",
                     socket.string(), got.string()},
                    dir_.path() / "listener.log");
    ASSERT_TRUE(listener.wait_for_log("bound")) << listener.log();
    ::setenv("NOTIFY_SOCKET", socket.c_str(), 1);
    start(flags());
    ::unsetenv("NOTIFY_SOCKET");
    for (int i = 0; i < 100 && listener.running(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::ifstream in(got);
    const std::string message{std::istreambuf_iterator<char>(in), {}};
    EXPECT_NE(message.find("READY=1"), std::string::npos) << message << listener.log();
}

TEST_F(ServeProcess, UserDropsToAnotherUidWithNoCapabilityOnceBound)
{
    if (::geteuid() != 0) {
        GTEST_SKIP() << "dropping privileges needs root; CI runs this as root";
    }
    daemon_->stop();
    auto with_user = flags();
    with_user.insert(with_user.end(), {"--user", "nobody"});
    start(with_user);
    EXPECT_TRUE(daemon_->wait_for_log("running as user nobody")) << daemon_->log();
    EXPECT_EQ(status_line("Uid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(status_line("Gid"), "65534\t65534\t65534\t65534");
    EXPECT_EQ(status_line("CapEff"), "0000000000000000");
    EXPECT_EQ(status_line("CapPrm"), "0000000000000000");
    EXPECT_EQ(status_line("NoNewPrivs"), "1");
    // Still serving, and still writing its inventory as that user.
    EXPECT_NE(pxelinux_config().find("answerfile="), std::string::npos);
    EXPECT_EQ(show()["state"], "booting");
    EXPECT_EQ(run("curl -sS --fail --max-time 10 " + http("/repo/small.txt")).output, "hello\n");
}

}  // namespace
}  // namespace xcp::test
