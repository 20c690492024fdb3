// The operator's page in a real browser: headless Chromium driven by
// Selenium (tests/ui/browser_check.py) against the real daemon. Daemon,
// clients and browser share a network namespace this test makes, holding
// only a loopback: nothing the browser tries can leave it. Needs root.
#include "libxcp/checksum/digest.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"
#include "tests/support/serve_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

const std::string installed = "52:54:00:c0:00:01";
const std::string installing = "52:54:00:c0:00:02";
const std::string failed = "52:54:00:c0:00:03";
const std::string log_line = "ERROR: the disk sdq is not there (xcp-ui-test)";

std::string dashes(std::string mac)
{
    std::replace(mac.begin(), mac.end(), ':', '-');
    return mac;
}

class OperatorsPage : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"ip", "curl", "chromium", "chromedriver", "timeout"});
        if (!std::filesystem::exists("/usr/bin/python3")) {
            GTEST_FAIL() << "/usr/bin/python3 (with python3-selenium) is missing: run scripts/install-deps";
        }
        if (::geteuid() != 0) {
            GTEST_SKIP() << "the browser's network namespace needs root; CI runs this as root";
        }
        ns_ = "xcpui" + std::to_string(::getpid());
        ASSERT_EQ(run("ip netns add " + ns_).exit_code, 0);
        made_ns_ = true;
        ASSERT_EQ(in_ns("ip link set lo up").exit_code, 0);
        std::filesystem::create_directories(tftp_ / "xcp-ng");
        std::filesystem::create_directories(dir_.path() / "http");
        write_random_file(tftp_ / "pxelinux.0", 26 * 1024, 1);
        write_random_file(tftp_ / "xcp-ng/xen.gz", 900 * 1024, 2);
        write_random_file(tftp_ / "xcp-ng/vmlinuz", 2 * 1024 * 1024, 3);
        write_random_file(tftp_ / "xcp-ng/install.img", 4 * 1024 * 1024, 4);
        for (const auto& m : {installed, installing, failed}) {
            ASSERT_EQ(cli("host add " + m + " --hostname h-" + m.substr(15) + " --set root-password=" + password)
                          .exit_code,
                      0);
        }
        const auto serve = "exec ip netns exec " + ns_ + " " + quote(xcp_pxe_binary().string()) + " serve --state-dir " +
                           quote(state_.string()) + " --tftp-root " + quote(tftp_.string()) + " --http-root " +
                           quote((dir_.path() / "http").string()) +
                           " --listen 127.0.0.1 --tftp-port 6969 --http-port 8080 --ui-dir " +
                           quote((source_dir() / "ui").string());
        daemon_ = std::make_unique<Daemon>(std::vector<std::string>{"/bin/sh", "-c", serve}, dir_.path() / "daemon.log");
        ASSERT_TRUE(daemon_->wait_for_log("hosts reach us at")) << daemon_->log();
        std::ifstream in(state_ / "api-token");
        std::getline(in, token_);
        ASSERT_EQ(token_.size(), 32U);
    }

    void TearDown() override
    {
        daemon_.reset();
        if (made_ns_) {
            run("ip netns del " + ns_);
        }
    }

    [[nodiscard]] CommandResult in_ns(const std::string& command, std::chrono::seconds limit = std::chrono::seconds(30)) const
    {
        return run("ip netns exec " + ns_ + " " + command, limit);
    }

    [[nodiscard]] CommandResult cli(const std::string& args) const
    {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state_.string()),
                   std::chrono::seconds(30));
    }

    // A host's boot up to its answerfile, as pxelinux and the installer
    // fetch it; returns the token.
    std::string boot(const std::string& mac)
    {
        const auto config = in_ns("curl -sS --max-time 10 tftp://127.0.0.1:6969/pxelinux.cfg/01-" + dashes(mac)).output;
        const auto url = field(config, "answerfile=", " ");
        EXPECT_FALSE(url.empty()) << config;
        for (const auto* f : {"pxelinux.0", "xcp-ng/xen.gz"}) {
            EXPECT_EQ(in_ns(std::string("curl -sS --max-time 10 -o /dev/null tftp://127.0.0.1:6969/") + f).exit_code, 0);
        }
        for (const auto* f : {"xcp-ng/vmlinuz", "xcp-ng/install.img"}) {
            EXPECT_EQ(in_ns(std::string("curl -sS --fail --max-time 10 -o /dev/null http://127.0.0.1:8080/boot/") + f)
                          .exit_code,
                      0);
        }
        EXPECT_EQ(in_ns("curl -sS --fail --max-time 10 -o /dev/null " + quote(url)).exit_code, 0);
        return url.substr(url.rfind('/') + 1);
    }

    void post(const std::string& path, const std::string& body)
    {
        const auto r = in_ns("curl -sS --fail --max-time 10 -o /dev/null --data-binary " + quote(body) +
                             " http://127.0.0.1:8080" + path);
        EXPECT_EQ(r.exit_code, 0) << path << ": " << r.output;
    }

    TempDir dir_;
    std::filesystem::path state_ = dir_.path() / "state";
    std::filesystem::path tftp_ = dir_.path() / "tftp";
    std::string ns_;
    bool made_ns_ = false;
    std::unique_ptr<Daemon> daemon_;
    std::string token_;
};

TEST_F(OperatorsPage, AHeadlessChromiumSeesTheHostsTheirTimelineAndLogAndReinstalls)
{
    // One installed, one installing with events, one failed with its log.
    auto t = boot(installed);
    EXPECT_EQ(in_ns("curl -sS --fail --max-time 10 -o /dev/null http://127.0.0.1:8080/api/v1/report/" + t + "?status=0")
                  .exit_code,
              0);
    t = boot(installing);
    post("/api/v1/hosts/" + t + "/events", R"({"step":"partition","percent":10,"message":"partitioning sda"})");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    post("/api/v1/hosts/" + t + "/events", R"({"step":"install","percent":40,"message":"installing packages"})");
    // The installing host's upgrade sent its backup (curl, as the installer would).
    const std::string archive = "carry-over files";
    const auto sha = checksum::hex_of(checksum::Algorithm::sha256, archive);
    const auto kept = in_ns("curl -sS --fail --max-time 10 -H " + quote("X-Checksum-SHA256: " + sha) +
                            " --data-binary " + quote(archive) + " http://127.0.0.1:8080/api/v1/hosts/" + t + "/backups");
    ASSERT_EQ(kept.exit_code, 0) << kept.output;
    const auto backup_id = nlohmann::json::parse(kept.output, nullptr, false).value("id", "");
    ASSERT_FALSE(backup_id.empty()) << kept.output;
    t = boot(failed);
    post("/api/v1/hosts/" + t + "/log?source=agent", "step one\n" + log_line + "\n");
    post("/api/v1/hosts/" + t + "/events", R"({"step":"partition","final":"failure","message":"no disk sdq"})");

    // Boot fetches are written in batches: wait (bounded) for the last ones.
    bool recorded = false;
    for (int i = 0; i < 50 && !recorded; ++i) {
        const auto shown = nlohmann::json::parse(cli("host show " + failed + " --json").output, nullptr, false);
        for (const auto& e : shown.value("events", nlohmann::json::array())) {
            recorded = recorded || (e.value("source", "") == "http" && e.value("step", "") == "kernel");
        }
        if (!recorded) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    ASSERT_TRUE(recorded) << cli("host show " + failed).output;

    const auto shots = std::filesystem::current_path() / "artifacts/ui";
    const auto r = in_ns("timeout 150 /usr/bin/python3 " + quote((source_dir() / "tests/ui/browser_check.py").string()) +
                             " --url http://127.0.0.1:8080 --token " + token_ + " --installed " + installed +
                             " --installing " + installing + " --failed " + failed + " --log-line " + quote(log_line) +
                             " --shots " + quote(shots.string()) + " --backup " + backup_id,
                         std::chrono::seconds(180));
    EXPECT_EQ(r.exit_code, 0) << r.output << "\n" << daemon_->log();
    std::cout << r.output << "screenshots: " << shots.string() << "\n";
    for (const auto* f : {"host-list.png", "host-timeline.png", "host-failed.png", "host-list-narrow.png", "wrong-token.png"}) {
        EXPECT_GT(std::filesystem::exists(shots / f) ? std::filesystem::file_size(shots / f) : 0U, 1000U) << f;
    }

    // What the browser asked for, through the same API as the CLI.
    const auto host = nlohmann::json::parse(cli("host show " + failed + " --json").output, nullptr, false);
    EXPECT_EQ(host.value("next_mode", ""), "reinstall") << host.dump(2);
    EXPECT_EQ(host.value("install_requested", false), true);
    const auto restored = nlohmann::json::parse(cli("host show " + installing + " --json").output, nullptr, false);
    EXPECT_EQ(restored.value("next_mode", ""), "reinstall") << restored.dump(2);
    EXPECT_NE(restored.dump().find("\"restore-backup\":\"" + backup_id + "\""), std::string::npos) << restored.dump(2);
    // The token never reached the server's log.
    EXPECT_EQ(daemon_->log().find(token_), std::string::npos);
}

}  // namespace
}  // namespace xcp::test
