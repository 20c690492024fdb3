// What the running daemon learns about a host, seen with clients we did not
// write: tftp-hpa and curl fetch, the report script runs under busybox, and
// the CLI reads the result. Stalls, failure logs and their limits, and
// events that stay bounded under a flood of requests.
#include "tests/support/serve_fixture.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

class HostActivity : public ServeFixture {
protected:
    [[nodiscard]] std::vector<std::string> flags() const override
    {
        // 1.2 s: a stall shows within the test's time.
        return {"--stall-after", "0.02", "--events-keep", "100"};
    }

    [[nodiscard]] std::string token() const
    {
        const auto config = pxelinux_config();
        const auto url = field(config, "answerfile=", " ");
        return url.substr(url.rfind('/') + 1);
    }

    [[nodiscard]] std::string admin_key() const
    {
        std::ifstream in(state_ / "api-token");
        std::string key;
        std::getline(in, key);
        return key;
    }

    // Polls (bounded) until `done` holds for `host show --json`.
    template <typename Done>
    nlohmann::json wait_for(Done done, int tenths = 100) const
    {
        nlohmann::json shown;
        for (int i = 0; i < tenths; ++i) {
            shown = show();
            if (done(shown)) {
                return shown;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return shown;
    }
};

TEST_F(HostActivity, AHostSilentForTooLongIsStalledUntilItsNextEvent)
{
    const auto t = token();  // booting from now on
    auto shown = wait_for([](const auto& s) { return s.value("stalled", false); });
    ASSERT_TRUE(shown.value("stalled", false)) << shown.dump(2);
    EXPECT_EQ(shown["state"], "booting");
    EXPECT_NE(shown["events"].dump().find("\"step\":\"stalled\""), std::string::npos) << shown["events"].dump();
    auto metrics = run("curl -sS " + http("/metrics")).output;
    EXPECT_NE(metrics.find("xcp_hosts{state=\"stalled\"} 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("xcp_hosts{state=\"booting\"} 0"), std::string::npos) << metrics;
    EXPECT_NE(cli("host show " + mac).output.find("(stalled)"), std::string::npos);
    EXPECT_NE(cli("host list").output.find("booting (stalled)"), std::string::npos);

    // Its next event clears it.
    ASSERT_EQ(run("curl -sS --fail -o /dev/null -d '{\"step\":\"partition\",\"percent\":5}' " +
                  http("/api/v1/hosts/" + t + "/events"))
                  .exit_code,
              0);
    shown = show();
    EXPECT_FALSE(shown.value("stalled", true)) << shown.dump(2);
    metrics = run("curl -sS " + http("/metrics")).output;
    EXPECT_NE(metrics.find("xcp_hosts{state=\"stalled\"} 0"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("xcp_hosts{state=\"installing\"} 1"), std::string::npos) << metrics;
}

TEST_F(HostActivity, AFailureLogIsKeptWithinItsLimitAndNotAfterTheTokenIsSpent)
{
    const auto t = token();
    const auto log_url = http("/api/v1/hosts/" + t + "/log");
    const auto big = dir_.path() / "big.log";
    write_random_file(big, (1 << 20) + 1, 3);
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' --data-binary @" + quote(big.string()) + " " + log_url).output,
              "413");
    EXPECT_FALSE(show().contains("log")) << "nothing kept";

    // The vendor installer's installation-complete script, under busybox:
    // the log's tail first, then the failure.
    const auto vendor_log = dir_.path() / "install-log";
    {
        std::ofstream out(vendor_log);
        for (int i = 0; i < 20000; ++i) {
            out << "line " << i << " of the vendor installer's log\n";
        }
        out << "FATAL: no disk sdq\n";
    }
    const auto script = run("curl -sS --fail " + http("/api/v1/report-script/" + t)).output;
    const auto r = run("PATH=/nonexistent; XCP_INSTALL_LOG=" + quote(vendor_log.string()) + " /bin/busybox sh -c " +
                       quote("wget() { /bin/busybox wget \"$@\"; }; tail() { /bin/busybox tail \"$@\"; }; "
                             "curl() { return 1; }; " + script) +
                       " report 1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto shown = show();
    EXPECT_EQ(shown["state"], "failed") << shown.dump(2);
    const auto printed = cli("host log " + mac);
    EXPECT_EQ(printed.exit_code, 0) << printed.output << "\n" << all_logs();
    EXPECT_NE(printed.output.find("FATAL: no disk sdq"), std::string::npos);
    EXPECT_LE(printed.output.size(), (1U << 20) + 1);
    EXPECT_GT(printed.output.size(), 500000U) << "the tail, not a few lines";
    const auto api = run("curl -sS --fail -H " + quote("Authorization: Bearer " + admin_key()) + " " +
                         http("/api/v1/hosts/" + mac + "/log"));
    ASSERT_EQ(api.exit_code, 0) << api.output;
    EXPECT_EQ(nlohmann::json::parse(api.output).value("source", ""), "installer");
    EXPECT_NE(cli("host show " + mac).output.find("bytes from the installer"), std::string::npos);

    // The report ended the token's use.
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' --data-binary late " + log_url).output, "404");
    EXPECT_EQ(all_logs().find(t), std::string::npos) << "tokens never reach the log";
}

TEST_F(HostActivity, TenThousandTftpRequestsFromOneHostLeaveItsEventsBounded)
{
    std::ofstream(tftp_ / "pxelinux.0") << "loader";
    std::ofstream(tftp_ / "ldlinux.c32") << "module";
    ASSERT_FALSE(token().empty());  // its config from 127.0.0.1: that address is this host's
    const auto out = dir_.path() / "out";
    std::filesystem::create_directories(out);
    std::string files;
    for (int i = 0; i < 5000; ++i) {
        files += " pxelinux.0 ldlinux.c32";  // alternating: no two in a row coalesce
    }
    const auto r = run("cd " + quote(out.string()) + " && timeout 120 tftp -m binary 127.0.0.1 " +
                           std::to_string(tftp_port_) + " -c get" + files,
                       std::chrono::seconds(150));
    ASSERT_EQ(r.exit_code, 0) << r.output.substr(0, 2000);
    std::string metrics;
    for (int i = 0; i < 300; ++i) {  // 30 s at most
        metrics = run("curl -sS " + http("/metrics")).output;
        if (metrics.find("xcp_boot_events_total{outcome=\"recorded\"} 10") != std::string::npos) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_NE(metrics.find("xcp_tftp_transfers_total{outcome=\"completed\"} 1000"), std::string::npos) << metrics;
    const auto shown = show();
    EXPECT_EQ(shown["events"].size(), 50U) << "host show prints the newest 50";
    const auto api = run("curl -sS --fail -H " + quote("Authorization: Bearer " + admin_key()) + " " +
                         http("/api/v1/hosts/" + mac + "/events"));
    const auto events = nlohmann::json::parse(api.output, nullptr, false);
    ASSERT_TRUE(events.is_array()) << api.output.substr(0, 500);
    EXPECT_EQ(events.size(), 100U) << "--events-keep 100";
    EXPECT_EQ(events.back().value("source", ""), "tftp");
    EXPECT_EQ(run("du -k " + quote((state_ / "inventory.sqlite").string()) + " | cut -f1").exit_code, 0);
}

}  // namespace
}  // namespace xcp::test
