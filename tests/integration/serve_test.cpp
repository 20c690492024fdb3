// `xcp-pxe serve` with its inventory, talked to by clients we did not write:
// curl and wget over HTTP, curl over TFTP, busybox wget as the installer's
// report script would; the admin CLI beside the running daemon.
#include "libxcp/checksum/digest.hpp"
#include "tests/support/serve_fixture.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include <poll.h>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

using checksum::Algorithm;

class Serve : public ServeFixture {};

TEST_F(Serve, HostMovesFromNewToInstalledToLocalBootAcrossACrash)
{
    EXPECT_EQ(show()["state"], "new");
    const auto config = pxelinux_config();
    // (std::regex here trips GCC 12's -Wmaybe-uninitialized under ASan.)
    const auto answerfile_url = field(config, "answerfile=", " ");
    ASSERT_TRUE(answerfile_url.starts_with("http://127.0.0.1:")) << config;
    const auto token = answerfile_url.substr(answerfile_url.rfind('/') + 1);
    ASSERT_EQ(token.size(), 32U) << config;
    ASSERT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos) << config;
    EXPECT_NE(config.find("kernel mboot.c32"), std::string::npos);
    EXPECT_EQ(show()["state"], "booting");

    // The answerfile, fetched as the installer would, is valid per the library.
    const auto file = dir_.path() / "answerfile.xml";
    ASSERT_EQ(run("curl -sS --fail --max-time 20 -o " + quote(file.string()) + " " + answerfile_url).exit_code, 0);
    const auto validate = run(quote(xcp_pxe_binary().string()) + " answerfile validate --strict " + quote(file.string()));
    EXPECT_EQ(validate.exit_code, 0) << validate.output;
    std::ifstream in(file);
    const std::string xml(std::istreambuf_iterator<char>(in), {});
    EXPECT_NE(xml.find("<root-password type=\"hash\">$6$"), std::string::npos) << xml;
    EXPECT_NE(xml.find("/api/v1/report-script/" + token), std::string::npos) << xml;
    EXPECT_EQ(xml.find(password), std::string::npos);

    // Progress from the agent, then the daemon dies without clean-up.
    const auto event = run("curl -sS --fail --max-time 20 -H 'Content-Type: application/json' -d "
                           "'{\"step\":\"partition\",\"percent\":12,\"message\":\"sda\",\"final\":null}' " +
                           http("/api/v1/hosts/" + token + "/events"));
    ASSERT_EQ(event.exit_code, 0) << event.output;
    daemon_->kill_hard();
    auto state = show();
    EXPECT_EQ(state["state"], "installing");
    EXPECT_EQ(state["percent"], 12);
    start();
    EXPECT_EQ(show()["percent"], 12) << "intact after kill -9 and restart";
    EXPECT_NE(pxelinux_config().find("answerfile=" + answerfile_url), std::string::npos)
        << "still installing: same config";

    // The vendor installer's installation-complete script, run by busybox.
    const auto script = dir_.path() / "report.sh";
    ASSERT_EQ(run("busybox wget -q -O " + quote(script.string()) + " " + http("/api/v1/report-script/" + token)).exit_code, 0);
    std::ifstream script_in(script);
    const std::string script_text(std::istreambuf_iterator<char>(script_in), {});
    const auto report = run("PATH=/nonexistent; /bin/busybox sh -c " +
                            quote("wget() { /bin/busybox wget \"$@\"; }; curl() { return 1; }; " + script_text) +
                            " report 0");
    EXPECT_EQ(report.exit_code, 0) << report.output;
    state = show();
    EXPECT_EQ(state["state"], "installed") << state.dump();
    EXPECT_EQ(state["netboot"], false);

    const auto local = pxelinux_config();
    EXPECT_NE(local.find("localboot 0"), std::string::npos) << local;
    EXPECT_EQ(local.find("answerfile="), std::string::npos);
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' " + answerfile_url).output, "404");

    // Only an explicit request installs again, with a new token.
    ASSERT_EQ(cli("host reinstall " + mac).exit_code, 0);
    const auto again = pxelinux_config();
    EXPECT_NE(again.find("answerfile="), std::string::npos);
    EXPECT_EQ(again.find(token), std::string::npos);

    const auto logs = all_logs();
    EXPECT_EQ(logs.find(password), std::string::npos);
    EXPECT_EQ(logs.find(token), std::string::npos) << "tokens are redacted in the log";
    EXPECT_NE(logs.find("/answerfile/<token>"), std::string::npos);
}

TEST_F(Serve, UnknownTokensAndUnknownHosts)
{
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' " + http("/answerfile/0123456789abcdef0123456789abcdef")).output, "404");
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' " + http("/answerfile/")).output, "404");
    const auto unknown = run("curl -sS --max-time 20 " + tftp("pxelinux.cfg/01-52-54-00-00-00-99"));
    EXPECT_NE(unknown.output.find("localboot 0"), std::string::npos) << unknown.output;
}

TEST_F(Serve, FilesOverHttpWithCurlAndWget)
{
    const auto big = http_ / "repo/big.img";
    const auto md5 = checksum::hex_of_file(Algorithm::md5, big);
    const auto out = dir_.path() / "out";
    ASSERT_EQ(run("curl -sS --fail --max-time 60 -o " + quote(out.string()) + " " + http("/repo/big.img")).exit_code, 0);
    EXPECT_EQ(checksum::hex_of_file(Algorithm::md5, out), md5);

    // A range, checked against the same bytes cut with dd.
    const auto part = dir_.path() / "part";
    const auto want = dir_.path() / "want";
    ASSERT_EQ(run("curl -sS --fail -r 1000000-2999999 -o " + quote(part.string()) + " " + http("/repo/big.img")).exit_code, 0);
    run("dd if=" + quote(big.string()) + " of=" + quote(want.string()) + " bs=1000000 skip=1 count=2 status=none");
    EXPECT_EQ(checksum::hex_of_file(Algorithm::md5, part), checksum::hex_of_file(Algorithm::md5, want));
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' -r 999999999- " + http("/repo/big.img")).output, "416");

    // wget resumes a cut download with a Range request.
    const auto resumed = dir_.path() / "resumed";
    run("head -c 5000000 " + quote(big.string()) + " > " + quote(resumed.string()));
    const auto wget = run("wget -q -c -O " + quote(resumed.string()) + " " + http("/repo/big.img"));
    EXPECT_EQ(wget.exit_code, 0) << wget.output;
    EXPECT_EQ(checksum::hex_of_file(Algorithm::md5, resumed), md5);

    // HEAD: the length, no body.
    const auto head = run("curl -sS -I " + http("/repo/big.img")).output;
    EXPECT_NE(head.find("Content-Length: " + std::to_string(24ULL << 20)), std::string::npos) << head;
    EXPECT_NE(head.find("ETag: \""), std::string::npos) << head;

    // ETag and If-None-Match.
    const auto etag = field(head, "ETag: ", "\r\n");
    ASSERT_TRUE(etag.starts_with("\"") && etag.ends_with("\"")) << head;
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' -H " + quote("If-None-Match: " + etag) + " " +
                  http("/repo/big.img")).output, "304");

    // Keep-alive: two requests, one connection.
    const auto two = run("curl -sv -o /dev/null -o /dev/null " + http("/repo/small.txt") + " " + http("/repo/small.txt"));
    EXPECT_NE(two.output.find("Re-using existing connection"), std::string::npos) << two.output;
}

TEST_F(Serve, NothingOutsideTheRootsOverHttp)
{
    std::filesystem::create_symlink(dir_.path() / "secret", http_ / "repo/link-out");
    for (const auto* path : {"/../secret", "/repo/../../secret", "/%2e%2e/secret", "/repo/link-out", "/boot/../../secret",
                             "/..%2fsecret", "/repo/%00", "/repo"}) {
        const auto r = run("curl -s --path-as-is -w ' %{http_code}' " + quote(http(path)));
        EXPECT_EQ(r.output.find("outside the roots"), std::string::npos) << path;
        EXPECT_TRUE(r.output.ends_with(" 403") || r.output.ends_with(" 404")) << path << ": " << r.output;
    }
}

// A client sending its request a byte a second holds only its own
// connection: others are served meanwhile, and it is cut off at the
// request timeout.
TEST_F(Serve, ASlowClientDoesNotBlockOthers)
{
    daemon_->stop();
    start({"--http-request-timeout", "3"});
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket slow(io);
    slow.connect({boost::asio::ip::address_v4::loopback(), http_port_});
    const std::string request = "GET /repo/small.txt HTTP/1.1\r\nHost: x\r\n\r\n";
    std::atomic<bool> cut{false};
    std::thread dribble([&] {
        for (std::size_t i = 0; i < request.size() && !cut; ++i) {
            boost::system::error_code ec;
            boost::asio::write(slow, boost::asio::buffer(&request[i], 1), ec);
            if (ec) {
                cut = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::seconds(1));
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    for (int i = 0; i < 5; ++i) {
        const auto r = run("curl -sS --fail --max-time 10 " + http("/repo/small.txt"));
        EXPECT_EQ(r.output, "hello\n");
    }
    // The server closes the slow connection: a read sees the end.
    pollfd p{slow.native_handle(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 15000), 1) << "the slow client was not cut off";
    char byte = 0;
    boost::system::error_code ec;
    const auto n = slow.read_some(boost::asio::buffer(&byte, 1), ec);
    EXPECT_TRUE(ec || n == 0);
    cut = true;
    dribble.join();
    EXPECT_TRUE(daemon_->wait_for_log("request not complete within 3000 ms")) << daemon_->log();
}

TEST_F(Serve, TheCliChangesWhatTheRunningDaemonServes)
{
    ASSERT_EQ(cli("host set " + mac + " hostname=renamed primary-disk=nvme0n1").exit_code, 0);
    EXPECT_NE(pxelinux_config().find("renamed"), std::string::npos);
    ASSERT_EQ(cli("host set " + mac + " netboot=no").exit_code, 0);
    EXPECT_NE(pxelinux_config().find("localboot 0"), std::string::npos);
    const auto bad = cli("host set " + mac + " primary_disk=sda");
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.output.find("did you mean 'primary-disk'"), std::string::npos) << bad.output;
    const auto metrics = run("curl -sS " + http("/metrics")).output;
    EXPECT_NE(metrics.find("xcp_hosts{state=\"booting\"} 1"), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("xcp_tftp_requests_total"), std::string::npos);
}

TEST_F(Serve, AnAnswerfileFetchedAgainFollowsEveryCliChangeAtOnce)
{
    const auto url = field(pxelinux_config(), "answerfile=", " ");
    ASSERT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
    ASSERT_EQ(run("curl -sS --fail --max-time 20 -o /dev/null " + url).exit_code, 0);  // installing from here
    for (int i = 0; i < 5; ++i) {
        const auto name = "name" + std::to_string(i);
        ASSERT_EQ(cli("host set " + mac + " hostname=" + name).exit_code, 0);
        // Three fetches on one connection: the first reads the change, the
        // others are answered from what it kept.
        const auto fetched = run("curl -sS --fail --max-time 20 " + url + " " + url + " " + url);
        ASSERT_EQ(fetched.exit_code, 0) << fetched.output;
        std::size_t count = 0;
        for (auto at = fetched.output.find("<hostname>" + name + "</hostname>"); at != std::string::npos;
             at = fetched.output.find("<hostname>" + name + "</hostname>", at + 1)) {
            ++count;
        }
        EXPECT_EQ(count, 3U) << fetched.output;
    }
    const auto metrics = run("curl -sS " + http("/metrics")).output;
    EXPECT_NE(metrics.find("xcp_answerfiles_served_total 16\n"), std::string::npos) << metrics;
    // Ten could be; a boot event the daemon wrote meanwhile costs one.
    const auto at_once = std::stoi("0" + field(metrics, "\nxcp_answerfiles_served_at_once_total ", "\n"));
    EXPECT_GE(at_once, 5) << metrics;
    EXPECT_LE(at_once, 10) << metrics;
    ASSERT_EQ(cli("host set " + mac + " netboot=no").exit_code, 0);
    EXPECT_EQ(run("curl -sS --fail --max-time 20 -o /dev/null " + url).exit_code, 22) << "a host sent to its disk";
}

TEST_F(Serve, AdminApiWithItsBearerToken)
{
    std::ifstream in(state_ / "api-token");
    std::string key;
    std::getline(in, key);
    ASSERT_EQ(key.size(), 32U);
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' " + http("/api/v1/hosts")).output, "401");
    const auto auth = " -H " + quote("Authorization: Bearer " + key) + " ";
    const auto add = run("curl -sS --fail" + auth + "-d '{\"mac\":\"52:54:00:aa:bb:02\",\"settings\":{\"ip\":\"10.1.0.2\","
                         "\"netmask\":\"255.255.0.0\",\"gateway\":\"10.1.0.1\"}}' " + http("/api/v1/hosts"));
    ASSERT_EQ(add.exit_code, 0) << add.output;
    const auto list = nlohmann::json::parse(run("curl -sS --fail" + auth + http("/api/v1/hosts")).output, nullptr, false);
    ASSERT_TRUE(list.is_array());
    EXPECT_EQ(list.size(), 2U);
    EXPECT_EQ(cli("host show 52:54:00:aa:bb:02").exit_code, 0);
}

TEST(ServeConfig, FileSettingsWithFlagsOverridingThem)
{
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "tftp");
    std::filesystem::create_directories(dir.path() / "http");
    std::ofstream(dir.path() / "http/x.txt") << "x\n";
    const auto http_port = free_tcp_port();
    const auto config = dir.path() / "xcp-pxe.toml";
    std::ofstream(config) << "# lab\nstate-dir = \"" << (dir.path() / "state").string() << "\"\ntftp-root = \""
                          << (dir.path() / "tftp").string() << "\"\nhttp-root = \"" << (dir.path() / "http").string()
                          << "\"\nlisten = \"127.0.0.1\"\ntftp-port = " << free_udp_port()
                          << "\nhttp-port = 1\n";
    Daemon d({xcp_pxe_binary().string(), "serve", "--config", config.string(), "--http-port", std::to_string(http_port)},
             dir.path() / "d.log");
    ASSERT_TRUE(d.wait_for_log("hosts reach us at")) << d.log();
    EXPECT_EQ(run("curl -sS http://127.0.0.1:" + std::to_string(http_port) + "/x.txt").output, "x\n");
    d.stop();

    std::ofstream(config, std::ios::app) << "htp-port = 8080\n";
    const auto bad = run(quote(xcp_pxe_binary().string()) + " serve --config " + quote(config.string()));
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.output.find("xcp-pxe.toml:8: unknown setting 'htp-port' (did you mean 'http-port'?)"),
              std::string::npos)
        << bad.output;
}

TEST(HostCli, ImportIsAllOrNothingAndProfilesRender)
{
    TempDir dir;
    const auto state = (dir.path() / "state").string();
    const auto cli = [&](const std::string& args) {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " + quote(state));
    };
    const auto csv = dir.path() / "hosts.csv";
    std::ofstream(csv) << "mac,hostname,ip,netmask,gateway,profile\n"
                          "52:54:00:00:01:01,h1,10.0.0.11,255.255.255.0,10.0.0.1,default\n"
                          "52:54:00:00:01:02,h2,10.0.0.500,255.255.255.0,10.0.0.1,default\n"
                          "52:54:00:00:01:03,h3,,,,nosuchprofile\n";
    auto r = cli("host import " + quote(csv.string()));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("hosts.csv:3: host 52:54:00:00:01:02: ip '10.0.0.500'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("hosts.csv:4: host 52:54:00:00:01:03: profile 'nosuchprofile'"), std::string::npos) << r.output;
    EXPECT_EQ(cli("host list --json").output, "[]\n") << "nothing imported";

    std::ofstream(csv) << "mac,hostname,ip,netmask,gateway\n"
                          "52:54:00:00:01:01,h1,10.0.0.11,255.255.255.0,10.0.0.1\n"
                          "\"52-54-00-00-01-02\",\"h2\",,,\n";
    r = cli("host import " + quote(csv.string()));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    const auto list = nlohmann::json::parse(cli("host list --json").output, nullptr, false);
    ASSERT_EQ(list.size(), 2U);
    EXPECT_EQ(list[1]["mac"], "52:54:00:00:01:02");

    r = cli("profile render default --mac 52:54:00:00:01:01");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("<ipaddr>10.0.0.11</ipaddr>"), std::string::npos) << r.output;
    EXPECT_EQ(cli("profile list").exit_code, 0);
    EXPECT_EQ(cli("host add nonsense").exit_code, 1);
    EXPECT_EQ(cli("host add 52:54:00:00:01:01").exit_code, 4) << "already there";
    EXPECT_EQ(cli("host rm 52:54:00:00:01:01").exit_code, 0);
    EXPECT_EQ(cli("host rm 52:54:00:00:01:01").exit_code, 1);
}

// Backups sent by upgrading installers, with curl as the client: kept,
// listed and fetched; refused whole when too large, for a spent token, or
// with another SHA-256; an upload cut off leaves nothing behind.
class ServeBackups : public ServeFixture {
protected:
    [[nodiscard]] std::vector<std::string> flags() const override
    {
        return {"--backup-max-mib", "1", "--backups-keep", "2"};
    }

    // curl's HTTP status for an upload of `file` claiming `sha256`.
    [[nodiscard]] std::string upload(const std::string& token, const std::filesystem::path& file,
                                     const std::string& sha256) const
    {
        return run("curl -sS -o /dev/null -w '%{http_code}' --max-time 20 -H " + quote("X-Checksum-SHA256: " + sha256) +
                   " --data-binary @" + quote(file.string()) + " " + http("/api/v1/hosts/" + token + "/backups"))
            .output;
    }

    [[nodiscard]] std::string sha256_of(const std::filesystem::path& file) const
    {
        return run("sha256sum " + quote(file.string())).output.substr(0, 64);
    }

    [[nodiscard]] std::vector<std::string> kept_files() const
    {
        std::vector<std::string> names;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(state_ / "backups" / mac_dashes, ec)) {
            names.push_back(e.path().filename().string());
        }
        std::sort(names.begin(), names.end());
        return names;
    }
};

TEST_F(ServeBackups, KeptListedFetchedAndRefusedWhole)
{
    const auto config = pxelinux_config();
    const auto token = field(config, "/answerfile/", " ");
    ASSERT_EQ(token.size(), 32U) << config;
    std::vector<std::string> shas;
    for (int i = 0; i < 3; ++i) {
        const auto file = dir_.path() / ("archive" + std::to_string(i));
        write_random_file(file, 300000, 50 + i);
        shas.push_back(sha256_of(file));
        EXPECT_EQ(upload(token, file, shas.back()), "200");
    }
    // The newest two, by the CLI and by the API, the same.
    const auto listed = nlohmann::json::parse(cli("host backups " + mac + " --json").output, nullptr, false);
    ASSERT_EQ(listed["backups"].size(), 2U) << listed.dump();
    EXPECT_EQ(listed["backups"][0]["sha256"], shas[2]);
    EXPECT_EQ(listed["backups"][1]["sha256"], shas[1]);
    EXPECT_NE(cli("host backups " + mac).output.find(shas[2]), std::string::npos);
    std::ifstream in(state_ / "api-token");
    std::string key;
    std::getline(in, key);
    const auto auth = " -H " + quote("Authorization: Bearer " + key) + " ";
    const auto api = nlohmann::json::parse(
        run("curl -sS --max-time 20" + auth + http("/api/v1/hosts/" + mac + "/backups")).output, nullptr, false);
    EXPECT_EQ(api["backups"], listed["backups"]);
    EXPECT_EQ(api["keep"], 2);
    const auto id = listed["backups"][0]["id"].get<std::string>();
    const auto fetched = dir_.path() / "fetched";
    EXPECT_EQ(run("curl -sS -o " + quote(fetched.string()) + " -w '%{http_code}' --max-time 20" + auth +
                  http("/api/v1/hosts/" + mac + "/backups/" + id)).output,
              "200");
    EXPECT_EQ(run("cmp " + quote(fetched.string()) + " " + quote((dir_.path() / "archive2").string())).exit_code, 0);
    EXPECT_EQ(run("curl -sS -o /dev/null -w '%{http_code}' --max-time 20 " + http("/api/v1/hosts/" + mac + "/backups"))
                  .output,
              "401")
        << "the list is the admin's";
    EXPECT_EQ(run("curl -sS -o /dev/null -w '%{http_code}' --max-time 20" + auth +
                  http("/api/v1/hosts/" + mac + "/backups/..%2f..%2fapi-token")).output,
              "404");
    EXPECT_NE(cli("host show " + mac).output.find("backup " + id + " kept"), std::string::npos);

    const auto before = kept_files();
    ASSERT_EQ(before.size(), 4U) << "two archives, two digests";
    // Too large, another SHA-256, no SHA-256: refused, nothing kept.
    const auto big = dir_.path() / "big";
    write_random_file(big, 3 << 20, 60);
    EXPECT_EQ(upload(token, big, sha256_of(big)), "413");
    EXPECT_EQ(upload(token, dir_.path() / "archive0", shas[1]), "422");
    EXPECT_EQ(upload(token, dir_.path() / "archive0", "not-a-digest"), "400");
    // Cut off halfway: the rest never comes, the connection ends.
    const auto cut = run("bash -c " + quote("exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(http_port_) +
                                            " && printf 'POST /api/v1/hosts/" + token +
                                            "/backups HTTP/1.1\\r\\nHost: x\\r\\nX-Checksum-SHA256: " + shas[0] +
                                            "\\r\\nContent-Length: 300000\\r\\n\\r\\n' >&3 && head -c 100000 " +
                                            quote((dir_.path() / "archive0").string()) + " >&3 && exec 3>&-"),
                         std::chrono::seconds(20));
    EXPECT_EQ(cut.exit_code, 0) << cut.output;
    EXPECT_EQ(kept_files(), before);
    // Spent: once the host reported, its token uploads nothing.
    EXPECT_EQ(run("curl -sS -o /dev/null --max-time 20 " + http("/api/v1/report/" + token + "?status=0")).exit_code, 0);
    EXPECT_EQ(upload(token, dir_.path() / "archive0", shas[0]), "401");
    EXPECT_EQ(kept_files(), before);
    EXPECT_TRUE(daemon_->running());
    EXPECT_EQ(cli("host backups 52:54:00:99:99:99").exit_code, 1) << "no such host, no backups";
}

}  // namespace
}  // namespace xcp::test
