// `xcp-pxe serve` with its inventory in a temporary directory, on free
// loopback ports, with the admin CLI beside it: the fixture of the tests that
// talk to the real daemon with real clients.
#pragma once

#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace xcp::test {

inline const std::string mac = "52:54:00:aa:bb:01";
inline const std::string mac_dashes = "52-54-00-aa-bb-01";
inline const std::string password = "Sup3r-Secret-Pw";

// The text after `start` up to `end` (or the end of the text).
inline std::string field(const std::string& text, const std::string& start, const std::string& end)
{
    const auto at = text.find(start);
    if (at == std::string::npos) {
        return {};
    }
    const auto from = at + start.size();
    const auto to = text.find(end, from);
    return text.substr(from, to == std::string::npos ? std::string::npos : to - from);
}

class ServeFixture : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"busybox", "curl", "dd", "head", "python3", "timeout", "wget"});
        std::filesystem::create_directories(tftp_ / "xcp-ng");
        std::filesystem::create_directories(http_ / "repo");
        for (const auto* f : {"xen.gz", "vmlinuz", "install.img"}) {
            std::ofstream(tftp_ / "xcp-ng" / f) << f;
        }
        write_random_file(http_ / "repo/big.img", 24ULL << 20, 7);
        std::ofstream(http_ / "repo/small.txt") << "hello\n";
        std::ofstream(dir_.path() / "secret") << "outside the roots\n";
        ASSERT_EQ(cli("host add " + mac + " --hostname h1 --set root-password=" + password).exit_code, 0);
        start(flags());
    }

    // `serve` flags a test's fixture adds to every start.
    [[nodiscard]] virtual std::vector<std::string> flags() const { return {}; }

    void start(const std::vector<std::string>& extra = {})
    {
        std::vector<std::string> argv{xcp_pxe_binary().string(), "serve",           "--state-dir",  state_.string(),
                                      "--tftp-root",             tftp_.string(),     "--http-root",  http_.string(),
                                      "--listen",                "127.0.0.1",        "--tftp-port",  std::to_string(tftp_port_),
                                      "--http-port",             std::to_string(http_port_)};
        argv.insert(argv.end(), extra.begin(), extra.end());
        daemon_ = std::make_unique<Daemon>(argv, dir_.path() / ("daemon" + std::to_string(starts_++) + ".log"));
        ASSERT_TRUE(daemon_->wait_for_log("hosts reach us at")) << daemon_->log();
    }

    [[nodiscard]] CommandResult cli(const std::string& args) const
    {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state_.string()), std::chrono::seconds(30));
    }

    [[nodiscard]] std::string http(const std::string& path) const
    {
        return "http://127.0.0.1:" + std::to_string(http_port_) + path;
    }
    [[nodiscard]] std::string tftp(const std::string& path) const
    {
        return "tftp://127.0.0.1:" + std::to_string(tftp_port_) + "/" + path;
    }

    [[nodiscard]] std::string pxelinux_config() const
    {
        return run("curl -sS --max-time 20 " + tftp("pxelinux.cfg/01-" + mac_dashes)).output;
    }

    // Every log the daemon wrote, across restarts.
    [[nodiscard]] std::string all_logs() const
    {
        std::string out;
        for (int i = 0; i < starts_; ++i) {
            std::ifstream in(dir_.path() / ("daemon" + std::to_string(i) + ".log"));
            out += std::string(std::istreambuf_iterator<char>(in), {});
        }
        return out;
    }

    [[nodiscard]] nlohmann::json show() const
    {
        const auto r = cli("host show " + mac + " --json");
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return nlohmann::json::parse(r.output, nullptr, false);
    }

    TempDir dir_;
    std::filesystem::path state_ = dir_.path() / "state";
    std::filesystem::path tftp_ = dir_.path() / "tftp";
    std::filesystem::path http_ = dir_.path() / "http";
    unsigned short tftp_port_ = free_udp_port();
    unsigned short http_port_ = free_tcp_port();
    int starts_ = 0;
    std::unique_ptr<Daemon> daemon_;
};

}  // namespace xcp::test
