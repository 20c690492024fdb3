// `xcp-pxe serve` on loopback, fetched from by clients we did not write:
// curl, tftp-hpa, atftp and busybox. Every file must arrive with its md5.
#include "libxcp/checksum/digest.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>

namespace xcp::test {
namespace {

using checksum::Algorithm;

struct Fixture {
    TempDir dir;
    std::filesystem::path root = dir.path() / "root";
    std::filesystem::path out = dir.path() / "out";
    unsigned short port = free_udp_port();
    std::unique_ptr<Daemon> daemon;
    std::map<std::string, std::string> md5;
};

Fixture* fixture = nullptr;

class TftpClients : public ::testing::Test {
public:
    static void SetUpTestSuite()
    {
        require_programs({"atftp", "busybox", "curl", "tftp"});
        fixture = new Fixture;  // NOLINT: owned by the suite, deleted in TearDownTestSuite
        auto& f = *fixture;
        std::filesystem::create_directories(f.root / "xcp-ng");
        std::filesystem::create_directories(f.out);
        f.daemon = std::make_unique<Daemon>(
            std::vector<std::string>{xcp_pxe_binary().string(), "serve", "--tftp-root", f.root.string(), "--listen",
                                     "127.0.0.1", "--tftp-port", std::to_string(f.port), "--tftp-max-blksize",
                                     "65464", "--tftp-max-per-client", "64"},
            f.dir.path() / "daemon.log");
        ASSERT_TRUE(f.daemon->wait_for_log("listening on")) << f.daemon->log();
    }

    static void TearDownTestSuite()
    {
        if (fixture != nullptr && fixture->daemon) {
            EXPECT_EQ(fixture->daemon->stop(), 0) << fixture->daemon->log();
        }
        delete fixture;  // NOLINT
        fixture = nullptr;
    }

protected:
    static std::string url(const std::string& name)
    {
        return "tftp://127.0.0.1:" + std::to_string(fixture->port) + "/" + name;
    }
    static std::string host_port() { return "127.0.0.1 " + std::to_string(fixture->port); }

    // Test files are made when first needed: each test may run in its own
    // process (ctest), and most need only small ones.
    static void ensure(const std::string& name)
    {
        static const std::map<std::string, std::uint64_t> sizes{
            {"zero", 0},          {"one", 1},          {"b511", 511},           {"b512", 512},
            {"b513", 513},        {"b1468", 1468},     {"m1", 1 << 20},         {"xcp-ng/m33", 33ULL << 20},
            {"m64", 64ULL << 20},
        };
        auto& f = *fixture;
        if (f.md5.count(name) != 0) {
            return;
        }
        const auto size = sizes.at(name);
        write_random_file(f.root / name, size, static_cast<unsigned>(size));
        f.md5[name] = checksum::hex_of_file(Algorithm::md5, f.root / name);
    }

    static void expect_same(const std::string& name, const std::filesystem::path& got, const std::string& how)
    {
        ASSERT_TRUE(std::filesystem::exists(got)) << how;
        EXPECT_EQ(checksum::hex_of_file(Algorithm::md5, got), fixture->md5.at(name)) << how;
    }
};

struct Case {
    const char* client;
    const char* file;
    int blksize;     // 0: the client's default
    int windowsize;  // atftp only
};

std::string label(const Case& c)
{
    std::string s = std::string(c.client) + "_" + c.file + "_bs" + std::to_string(c.blksize) + "_ws" +
                    std::to_string(c.windowsize);
    for (auto& ch : s) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return s;
}

class TftpClientMatrix : public TftpClients, public ::testing::WithParamInterface<Case> {};

TEST_P(TftpClientMatrix, DownloadsWithTheRightMd5)
{
    const auto& c = GetParam();
    ensure(c.file);
    const auto out = fixture->out / label(c);
    std::filesystem::remove(out);
    const std::string client = c.client;
    std::string command;
    if (client == "curl") {
        command = "curl -sS --fail -o " + quote(out.string()) +
                  (c.blksize != 0 ? " --tftp-blksize " + std::to_string(c.blksize) : "") + " " + url(c.file);
    } else if (client == "tftp-hpa") {
        command = "tftp -m octet " + host_port() + " -c get " + c.file + " " + quote(out.string());
    } else if (client == "atftp") {
        command = "atftp -g -r " + std::string(c.file) + " -l " + quote(out.string()) +
                  (c.blksize != 0 ? " --option 'blksize " + std::to_string(c.blksize) + "'" : "") +
                  (c.windowsize != 0 ? " --option 'windowsize " + std::to_string(c.windowsize) + "'" : "") +
                  " --option 'tsize 0' " + host_port();
    } else {
        command = "busybox tftp -g -r " + std::string(c.file) + " -l " + quote(out.string()) +
                  (c.blksize != 0 ? " -b " + std::to_string(c.blksize) : "") + " " + host_port();
    }
    const auto r = run(command, std::chrono::seconds(300));
    EXPECT_EQ(r.exit_code, 0) << command << "\n" << r.output;
    expect_same(c.file, out, command);
}

std::vector<Case> matrix()
{
    std::vector<Case> cases;
    for (const char* file : {"zero", "one", "b511", "b512", "b513", "b1468", "m1"}) {
        cases.push_back({"curl", file, 0, 0});
        cases.push_back({"curl", file, 1468, 0});
        cases.push_back({"tftp-hpa", file, 0, 0});
        cases.push_back({"atftp", file, 1468, 0});
        cases.push_back({"atftp", file, 1468, 16});
        cases.push_back({"busybox", file, 0, 0});
        cases.push_back({"busybox", file, 1468, 0});
    }
    // Large files; 33 MiB at blksize 512 is 67584 blocks: the block number wraps.
    cases.push_back({"curl", "m64", 8192, 0});
    cases.push_back({"curl", "m64", 1468, 0});
    cases.push_back({"atftp", "m64", 1468, 64});
    cases.push_back({"busybox", "m64", 65464, 0});
    cases.push_back({"curl", "xcp-ng/m33", 512, 0});
    cases.push_back({"tftp-hpa", "xcp-ng/m33", 0, 0});
    cases.push_back({"busybox", "xcp-ng/m33", 512, 0});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Clients, TftpClientMatrix, ::testing::ValuesIn(matrix()),
                         [](const auto& row) { return label(row.param); });

TEST_F(TftpClients, ManyClientsAtOnce)
{
    // 24 transfers at once, mixing clients and options, as a rack booting together.
    ensure("m1");
    std::string script;
    for (int i = 0; i < 8; ++i) {
        const auto n = std::to_string(i);
        script += "curl -sS --fail --tftp-blksize 1468 -o " + quote((fixture->out / ("c" + n)).string()) + " " +
                  url("m1") + " & ";
        script += "busybox tftp -g -r m1 -l " + quote((fixture->out / ("b" + n)).string()) + " " + host_port() + " & ";
        script += "atftp -g -r m1 -l " + quote((fixture->out / ("a" + n)).string()) +
                  " --option 'windowsize 8' " + host_port() + " >/dev/null & ";
    }
    script += "wait";
    const auto r = run(script, std::chrono::seconds(300));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    for (int i = 0; i < 8; ++i) {
        for (const char* prefix : {"c", "b", "a"}) {
            expect_same("m1", fixture->out / (prefix + std::to_string(i)), prefix + std::to_string(i));
        }
    }
}

TEST_F(TftpClients, TraversalFromARealClientIsRefused)
{
    // tftp-hpa sends the name exactly as given (curl would normalize it first).
    std::ofstream(fixture->dir.path() / "outside") << "outside the root";
    for (const std::string name : {"../outside", "..\\outside", "/../outside", "xcp-ng/../../outside"}) {
        const auto out = fixture->out / "traversal";
        std::filesystem::remove(out);
        const auto r = run("tftp -m octet " + host_port() + " -c get '" + name + "' " + quote(out.string()));
        EXPECT_NE(r.output.find("Error code 2"), std::string::npos) << name << ": " << r.output;
        EXPECT_FALSE(std::filesystem::exists(out) && std::filesystem::file_size(out) > 0) << name;
    }
    EXPECT_TRUE(fixture->daemon->wait_for_log("refused ../outside: name climbs out of the root"))
        << fixture->daemon->log();
}

TEST_F(TftpClients, MissingFileIsReported)
{
    const auto r = run("curl -sS --fail -o /dev/null " + url("no-such-file"));
    // curl 7.88 prints a stale getpeername() message for TFTP errors (curl PR
    // 11332); its exit code is the reliable part: 68 is "TFTP file not found".
    EXPECT_EQ(r.exit_code, 68) << r.output;
    const auto hpa = run("tftp -m octet " + host_port() + " -c get no-such-file /dev/null");
    EXPECT_NE(hpa.output.find("Error code 1: file not found"), std::string::npos) << hpa.output;
}

TEST_F(TftpClients, LogHasOneLinePerTransferStartAndEnd)
{
    ensure("b1468");
    const auto r = run("curl -sS --fail -o /dev/null --tftp-blksize 1468 " + url("b1468"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    // The end line is written when the client's last ACK arrives, which may
    // be just after curl has exited.
    EXPECT_TRUE(fixture->daemon->wait_for_log("sent b1468: 1468 bytes in")) << fixture->daemon->log();
    const auto log = fixture->daemon->log();
    EXPECT_NE(log.find("get b1468 (octet"), std::string::npos) << log;
    EXPECT_NE(log.find("blksize 1468, windowsize 1, 0 retransmits"), std::string::npos) << log;
}

}  // namespace
}  // namespace xcp::test
