// TFTP through a lossy link: a network namespace made by this test, where
// nftables drops about 10% of UDP packets (the kernel here has no netem).
// Traffic never leaves the namespace's own loopback.
#include "libxcp/checksum/digest.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

namespace xcp::test {
namespace {

class NetworkNamespace {
public:
    NetworkNamespace() : name_("xcp-test-" + std::to_string(::getpid()))
    {
        ok_ = run("ip netns add " + name_).exit_code == 0 && run("ip -n " + name_ + " link set lo up").exit_code == 0;
    }
    ~NetworkNamespace() { run("ip netns del " + name_); }
    NetworkNamespace(const NetworkNamespace&) = delete;
    NetworkNamespace& operator=(const NetworkNamespace&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] std::string exec(const std::string& command) const
    {
        return "ip netns exec " + name_ + " " + command;
    }

private:
    std::string name_;
    bool ok_ = false;
};

TEST(TftpLoss, TwentyTransfersThroughTenPercentLoss)
{
    require_programs({"busybox", "curl", "ip", "nft"});
    if (::geteuid() != 0) {
        GTEST_SKIP() << "network namespaces need root; CI runs this as root";
    }
    NetworkNamespace ns;
    ASSERT_TRUE(ns.ok()) << "cannot create a network namespace";
    const auto nft = run(ns.exec("sh -c \"nft add table inet loss && "
                                 "nft add chain inet loss in '{ type filter hook input priority 0; }' && "
                                 "nft add rule inet loss in meta l4proto udp numgen random mod 10 0 drop\""));
    ASSERT_EQ(nft.exit_code, 0) << nft.output;

    TempDir dir;
    const auto root = dir.path() / "root";
    std::filesystem::create_directories(root);
    write_random_file(root / "kernel", 200 * 1024, 42);
    const auto md5 = checksum::hex_of_file(checksum::Algorithm::md5, root / "kernel");

    Daemon daemon({"/bin/sh", "-c",
                   "exec " + ns.exec(quote(xcp_pxe_binary().string()) + " serve --tftp-root " +
                                     quote(root.string()) +
                                     " --listen 127.0.0.1 --tftp-port 69 --tftp-timeout-ms 200 --tftp-retransmits 10"
                                     " --tftp-max-client-timeout 1")},
                  dir.path() / "daemon.log");
    ASSERT_TRUE(daemon.wait_for_log("listening on")) << daemon.log();

    std::string script;
    // Three clients we did not write, about seven transfers each, all at once.
    for (int i = 0; i < 20; ++i) {
        const auto out = quote((dir.path() / ("k" + std::to_string(i))).string());
        if (i % 3 == 0) {
            script += "curl -sS --fail --max-time 200 --tftp-blksize 1468 -o " + out + " tftp://127.0.0.1/kernel & ";
        } else if (i % 3 == 1) {
            script += "busybox tftp -g -r kernel -l " + out + " -b 1468 127.0.0.1 & ";
        } else {
            script += "tftp -m octet 127.0.0.1 -c get kernel " + out + " & ";
        }
    }
    script += "wait";
    const auto r = run(ns.exec("sh -c " + quote(script)), std::chrono::seconds(240));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (int i = 0; i < 20; ++i) {
        const auto file = dir.path() / ("k" + std::to_string(i));
        ASSERT_TRUE(std::filesystem::exists(file)) << i << "\n" << r.output;
        EXPECT_EQ(checksum::hex_of_file(checksum::Algorithm::md5, file), md5) << i;
    }
    daemon.stop();
    const auto log = daemon.log();
    // The loss was real: the server had to retransmit.
    std::size_t retransmitting = 0;
    for (std::size_t at = log.find("sent kernel"); at != std::string::npos; at = log.find("sent kernel", at + 1)) {
        const auto line = log.substr(at, log.find('\n', at) - at);
        if (line.find(", 0 retransmits") == std::string::npos) {
            ++retransmitting;
        }
    }
    EXPECT_GT(retransmitting, 0U) << log;
}

}  // namespace
}  // namespace xcp::test
