// Attacks from the boot network and from careless settings, each replayed
// against the running daemon, and what must hold afterwards. The clients are
// raw sockets (for what no well-behaved client sends), curl, and the CLI.
#include "tests/support/serve_fixture.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <poll.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

namespace xcp::test {
namespace {

namespace asio = boost::asio;

class Hardening : public ServeFixture {
protected:
    [[nodiscard]] std::vector<std::string> flags() const override
    {
        return {"--tftp-timeout-ms", "100", "--tftp-retransmits", "3", "--events-keep", "50", "--log-level", "debug"};
    }

    // Sends `bytes` on a fresh connection and returns what comes back before
    // the server closes it or `limit` passes.
    [[nodiscard]] std::string raw_http(const std::string& bytes, int limit_ms = 5000) const
    {
        asio::io_context io;
        asio::ip::tcp::socket s(io);
        s.connect({asio::ip::address_v4::loopback(), http_port_});
        boost::system::error_code ec;
        asio::write(s, asio::buffer(bytes), ec);  // the server may close before it has read all
        std::string out;
        const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(limit_ms);
        while (std::chrono::steady_clock::now() < until) {
            pollfd p{s.native_handle(), POLLIN, 0};
            if (::poll(&p, 1, 200) != 1) {
                continue;
            }
            char buf[4096];
            const auto n = s.read_some(asio::buffer(buf), ec);
            if (ec) {
                break;
            }
            out.append(buf, n);
        }
        return out;
    }

    void send_udp(unsigned short port, const std::string& bytes) const
    {
        asio::io_context io;
        asio::ip::udp::socket s(io, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
        boost::system::error_code ec;
        s.send_to(asio::buffer(bytes), {asio::ip::address_v4::loopback(), port}, 0, ec);
    }

    // The daemon still serves a file over HTTP and over TFTP, and runs.
    void expect_serving() const
    {
        EXPECT_TRUE(daemon_->running()) << daemon_->log();
        EXPECT_EQ(run("curl -sS --fail --max-time 10 " + http("/repo/small.txt")).output, "hello\n");
        EXPECT_EQ(run("curl -sS --max-time 10 " + tftp("xcp-ng/xen.gz")).output, "xen.gz");
    }

    [[nodiscard]] std::string token() const
    {
        const auto url = field(pxelinux_config(), "answerfile=", " ");
        return url.substr(url.rfind('/') + 1);
    }

    [[nodiscard]] std::string post_event(const std::string& tok, const std::string& body) const
    {
        return run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H 'Content-Type: application/json' -d " +
                   quote(body) + " " + http("/api/v1/hosts/" + tok + "/events"))
            .output;
    }

    // The admin API, with the token the daemon wrote at its first start.
    [[nodiscard]] nlohmann::json api(const std::string& path) const
    {
        auto token = read_file(state_ / "api-token");
        token = token.substr(0, token.find('\n'));
        return nlohmann::json::parse(
            run("curl -sS --max-time 10 -H " + quote("Authorization: Bearer " + token) + " " + http(path)).output,
            nullptr, false);
    }

    [[nodiscard]] static std::string read_file(const std::filesystem::path& p)
    {
        std::ifstream in(p, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }
};

const std::string chunked_head = "GET /repo/small.txt HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

// 1. The request from the report: one trailer field of 70,000 bytes made Beast
// throw inside the read and took the daemon down.
TEST_F(Hardening, AHugeTrailerEndsOnlyItsConnection)
{
    const auto reply = raw_http(chunked_head + "0\r\nX: " + std::string(70000, 'a') + "\r\n\r\n");
    EXPECT_TRUE(reply.starts_with("HTTP/1.1 431")) << reply.substr(0, 200);
    expect_serving();

    // 30 MB of trailer lines: cut off at the buffer's limit, not read whole.
    std::string many = chunked_head + "0\r\n";
    while (many.size() < (30U << 20)) {
        many += "X-Filler: " + std::string(100, 'b') + "\r\n";
    }
    const auto cut = raw_http(many + "\r\n");
    EXPECT_TRUE(cut.starts_with("HTTP/1.1 431")) << cut.substr(0, 200);

    // Trailers and chunk extensions are refused even when small.
    EXPECT_TRUE(raw_http(chunked_head + "0\r\nX: y\r\n\r\n").starts_with("HTTP/1.1 400"));
    EXPECT_TRUE(raw_http(chunked_head + "5;ext=1\r\nhello\r\n0\r\n\r\n").starts_with("HTTP/1.1 400"));
    // A chunked request with neither is served.
    EXPECT_NE(raw_http(chunked_head + "0\r\n\r\n", 1000).find("hello\n"), std::string::npos);
    expect_serving();
    EXPECT_NE(daemon_->log().find("trailer fields are not accepted"), std::string::npos);
}

// Every file of the fuzz corpora, through real sockets to the running daemon.
TEST_F(Hardening, EveryFuzzCorpusFileReplayedThroughSocketsLeavesItServing)
{
    const auto corpus = source_dir() / "tests/fuzz/corpus";
    std::size_t sent = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus / "http_request_fuzz")) {
        const auto bytes = read_file(entry.path());
        if (!bytes.empty()) {
            (void)raw_http(bytes.substr(1), 1000);  // the first byte is the fuzzer's piece size
            ++sent;
        }
    }
    for (const auto* target : {"tftp_request_fuzz", "tftp_reply_fuzz"}) {
        if (!std::filesystem::is_directory(corpus / target)) {
            continue;
        }
        for (const auto& entry : std::filesystem::directory_iterator(corpus / target)) {
            send_udp(tftp_port_, read_file(entry.path()));
            ++sent;
        }
    }
    EXPECT_GE(sent, 8U);
    expect_serving();
}

// 2. A release (or profile) with a newline, a space, NUL or ESC never reaches
// a boot config: refused by host set, the API and CSV import alike.
TEST_F(Hardening, SettingsCannotWriteLinesIntoBootConfigs)
{
    const auto before = pxelinux_config();
    for (const std::string& bad : std::vector<std::string>{"x\ndefault evil", "x initrd=evil", "x\x1b[2J", "x\ty", std::string(65, 'a')}) {
        const auto set = cli("host set " + mac + " " + quote("release=" + bad));
        EXPECT_NE(set.exit_code, 0) << set.output;
        EXPECT_NE(set.output.find("is not a release name"), std::string::npos) << set.output;
        EXPECT_EQ(set.output.find('\x1b'), std::string::npos) << "the refusal does not echo escapes";
    }
    auto api_token = read_file(state_ / "api-token");
    api_token = api_token.substr(0, api_token.find('\n'));
    const auto patched = run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X PATCH -H " +
                             quote("Authorization: Bearer " + api_token) +
                             " -d " + quote(R"({"release":"x\ndefault evil"})") + " " + http("/api/v1/hosts/" + mac));
    EXPECT_EQ(patched.output, "400");
    const auto csv = dir_.path() / "hosts.csv";
    std::ofstream(csv) << "mac,release\n52:54:00:aa:bb:09,x initrd=evil\n";
    const auto imported = cli("host import " + quote(csv.string()));
    EXPECT_NE(imported.exit_code, 0) << imported.output;
    EXPECT_EQ(pxelinux_config(), before);
    EXPECT_EQ(cli("host set " + mac + " release=xcp-ng-8.3.0_b1").exit_code, 0) << "a good name is taken";
}

// 3. A read request asking timeout=255 that is never acknowledged (a spoofed
// source) holds its slot for our own short retries, not 7 x 255 s.
TEST_F(Hardening, AnUnacknowledgedRequestDoesNotHoldItsSlotForTheClientsTimeout)
{
    std::string rrq("\0\1", 2);
    for (const std::string field : {"xcp-ng/install.img", "octet", "timeout", "255", "blksize", "1468"}) {
        rrq += field;
        rrq += '\0';
    }
    // A spoofed source: the port is there (no ICMP error comes back), and
    // nothing ever answers from it.
    asio::io_context io;
    asio::ip::udp::socket silent(io, asio::ip::udp::endpoint(asio::ip::address_v4::loopback(), 0));
    silent.send_to(asio::buffer(rrq), {asio::ip::address_v4::loopback(), tftp_port_});
    ASSERT_TRUE(daemon_->wait_for_log("no answer after 3 retransmissions", std::chrono::seconds(20))) << daemon_->log();
    EXPECT_EQ(daemon_->log().find("timeout=255"), std::string::npos) << "the OACK granted no timeout over the cap";
}

// 4. Secrets on disk: the inventory and its journal 0600, the state directory
// 0700; a token file others can read, or a short token, is refused.
TEST_F(Hardening, SecretsOnDiskAreTheOwnersOnly)
{
    (void)pxelinux_config();  // a write: the -wal file exists
    const auto mode = [](const std::filesystem::path& p) {
        struct stat st {};
        EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
        return st.st_mode & 0777;
    };
    EXPECT_EQ(mode(state_), 0700U);
    for (const auto* f : {"inventory.sqlite", "inventory.sqlite-wal", "inventory.sqlite-shm", "api-token"}) {
        if (std::filesystem::exists(state_ / f)) {
            EXPECT_EQ(mode(state_ / f), 0600U) << f;
        }
    }
    daemon_->stop();

    const auto token_file = dir_.path() / "token";
    std::ofstream(token_file).close();
    ::chmod(token_file.c_str(), 0644);
    start({"--api-token-file", token_file.string()});
    EXPECT_EQ(mode(token_file), 0600U) << "an empty pre-existing file is closed before the token goes in";
    EXPECT_EQ(read_file(token_file).size(), 33U);
    daemon_->stop();

    ::chmod(token_file.c_str(), 0644);
    Daemon readable({xcp_pxe_binary().string(), "serve", "--state-dir", state_.string(), "--tftp-root", tftp_.string(),
                     "--http-root", http_.string(), "--tftp-port", std::to_string(tftp_port_), "--http-port",
                     std::to_string(http_port_), "--api-token-file", token_file.string()},
                    dir_.path() / "readable.log");
    EXPECT_TRUE(readable.wait_for_log("is readable by group or others (mode 644)")) << readable.log();
    EXPECT_NE(readable.stop(), 0);

    std::ofstream(token_file) << "short\n";
    ::chmod(token_file.c_str(), 0600);
    Daemon short_token({xcp_pxe_binary().string(), "serve", "--state-dir", state_.string(), "--tftp-root",
                        tftp_.string(), "--http-root", http_.string(), "--tftp-port", std::to_string(tftp_port_),
                        "--http-port", std::to_string(http_port_), "--api-token-file", token_file.string()},
                       dir_.path() / "short.log");
    EXPECT_TRUE(short_token.wait_for_log("holds a token of 5 characters; at least 32 are required"))
        << short_token.log();
    EXPECT_NE(short_token.stop(), 0);
}

// 5. An import is all rows or none, even when killed halfway.
TEST_F(Hardening, ImportIsAllRowsOrNoneEvenWhenKilled)
{
    const auto csv = dir_.path() / "many.csv";
    {
        std::ofstream out(csv);
        out << "mac,hostname\n";
        for (int i = 0; i < 20000; ++i) {
            char mac_text[32];
            std::snprintf(mac_text, sizeof mac_text, "02:00:00:%02x:%02x:%02x", (i >> 16) & 0xff, (i >> 8) & 0xff,
                          i & 0xff);
            out << mac_text << ",h" << i << "\n";
        }
    }
    const auto count = [&] { return nlohmann::json::parse(cli("host list --json").output, nullptr, false).size(); };
    // Killed at once, or a moment in, or not at all: never part of the file.
    for (const auto* delay : {"0.05", "0.3"}) {
        (void)run("timeout -s KILL " + std::string(delay) + " " + quote(xcp_pxe_binary().string()) + " host import " +
                  quote(csv.string()) + " --state-dir " + quote(state_.string()));
        const auto n = count();
        EXPECT_TRUE(n == 1 || n == 20001) << n << " hosts after a kill";
        if (n == 20001) {
            return;
        }
    }
    const auto whole = cli("host import " + quote(csv.string()));
    EXPECT_EQ(whole.exit_code, 0) << whole.output;
    EXPECT_EQ(count(), 20001U);
}

// 6. Events: range-checked, control characters escaped, repeats coalesced,
// the newest --events-keep kept, and a rate limit per host.
TEST_F(Hardening, EventsAreBoundedCheckedAndSanitized)
{
    daemon_->stop();
    auto unlimited = flags();
    unlimited.insert(unlimited.end(), {"--host-events-rate", "0"});
    start(unlimited);
    const auto tok = token();
    EXPECT_EQ(post_event(tok, R"({"step":"x","percent":4294967346})"), "400");
    EXPECT_EQ(post_event(tok, R"({"step":"x","percent":-1})"), "400");
    EXPECT_EQ(post_event(tok, R"({"step":"x","percent":12.5})"), "400");
    EXPECT_EQ(post_event(tok, R"({"step":"x","message":"line\n2024-01-01 [info] forged\u001b[2J"})"), "200");
    const auto shown = cli("host show " + mac);
    EXPECT_EQ(shown.output.find('\x1b'), std::string::npos) << shown.output;
    EXPECT_NE(shown.output.find("line\\x0a2024-01-01"), std::string::npos) << shown.output;
    EXPECT_EQ(daemon_->log().find("\n2024-01-01 [info] forged"), std::string::npos);

    // The same event 40 times is one row; 120 distinct ones leave 50.
    std::string same;
    for (int i = 0; i < 40; ++i) {
        same += " " + http("/api/v1/hosts/" + tok + "/events");
    }
    (void)run("curl -s -o /dev/null --max-time 60 -H 'Content-Type: application/json' -d '{\"step\":\"same\"}'" + same);
    auto events = show()["events"];
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back()["step"], "same");
    EXPECT_EQ(events.back()["repeats"], 40) << events.back().dump();
    for (int i = 0; i < 120; ++i) {
        (void)post_event(tok, R"({"step":"s)" + std::to_string(i) + R"("})");
    }
    const auto all = api("/api/v1/hosts/" + mac + "/events");
    ASSERT_TRUE(all.is_array()) << all.dump();
    EXPECT_EQ(all.size(), 50U);
    EXPECT_EQ(all.back()["step"], "s119");
}

TEST_F(Hardening, AHostPostingWithoutPauseIsRateLimited)
{
    const auto tok = token();
    std::string urls;
    for (int i = 0; i < 150; ++i) {
        urls += " " + http("/api/v1/hosts/" + tok + "/events");
    }
    // One curl, one connection: far faster than 5 a second plus a burst of 50.
    const auto codes = run("curl -s -o /dev/null -w '%{http_code}\\n' --max-time 60 -H 'Content-Type: application/json' "
                           "-d '{\"step\":\"flood\"}'" + urls);
    EXPECT_NE(codes.output.find("429"), std::string::npos) << codes.output.substr(0, 400);
    EXPECT_NE(codes.output.find("200"), std::string::npos);
    // The final event is never refused, however many came before it.
    EXPECT_EQ(post_event(tok, R"({"step":"done","final":"success"})"), "200");
    EXPECT_EQ(show()["state"], "installed");
}

// 7. A token in a percent-encoded path is redacted like a plain one.
TEST_F(Hardening, TokensAreRedactedAfterDecoding)
{
    const auto tok = token();
    const auto got = run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 " + http("/%61nswerfile/" + tok));
    EXPECT_EQ(got.output, "200");
    ASSERT_TRUE(daemon_->wait_for_log("/answerfile/<token>"));
    EXPECT_EQ(daemon_->log().find(tok), std::string::npos) << "the token is in the log";
}

// The answerfile only while the host boots or installs, and (with
// --bind-tokens-to-address) only to the address its lease names.
TEST_F(Hardening, AnAnswerfileIsServedOnlyToABootingHostAndItsLeasedAddress)
{
    daemon_->stop();
    start({"--bind-tokens-to-address"});
    ASSERT_EQ(cli("host reinstall " + mac).exit_code, 0);
    const auto shown = api("/api/v1/hosts/" + mac);
    ASSERT_TRUE(shown.contains("answerfile_url")) << shown.dump();
    const std::string url = shown["answerfile_url"];
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 " + url).output, "404")
        << "not booting yet: no answerfile";
    const auto tok = token();
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 " + http("/answerfile/" + tok)).output, "200");
    // A lease of our DHCP names another address for this MAC.
    const auto lease = run("/usr/bin/python3 -c " + quote("import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); "
                                                 "c.execute(\"INSERT INTO leases VALUES (167772675, ?, 4102444800, "
                                                 "'bound')\", (sys.argv[2],)); c.commit()") +
                           " " + quote((state_ / "inventory.sqlite").string()) + " " + mac);
    ASSERT_EQ(lease.exit_code, 0) << lease.output;
    EXPECT_EQ(run("curl -s -o /dev/null -w '%{http_code}' --max-time 10 " + http("/answerfile/" + tok)).output, "403");
    EXPECT_NE(cli("host show " + mac).output.find("not the host's leased address 10.0.2.3"), std::string::npos);
}

// 9. A CLI (here: python's sqlite3) holding the inventory's lock stalls what
// needs the inventory, never TFTP transfers or static files.
TEST_F(Hardening, AHeldInventoryLockStallsNeitherFilesNorTftp)
{
    const auto go = dir_.path() / "release";
    Daemon holder({"/usr/bin/python3", "-c",
                   "import sqlite3,sys,os,time\n"
                   "c=sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
                   "c.execute('BEGIN EXCLUSIVE')\n"
                   "print('locked', flush=True)\n"
                   "t=time.time()\n"
                   "while not os.path.exists(sys.argv[2]) and time.time()-t < 30: time.sleep(0.05)\n"
                   "c.execute('COMMIT')\n",
                   (state_ / "inventory.sqlite").string(), go.string()},
                  dir_.path() / "holder.log");
    ASSERT_TRUE(holder.wait_for_log("locked")) << holder.log();
    // A boot config waits for the lock (it marks the host booting)...
    CommandResult waited;
    std::thread waiting([&] {
        waited = run("curl -sS --max-time 40 -o " + quote((dir_.path() / "config").string()) + " " +
                     tftp("pxelinux.cfg/01-" + mac_dashes));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    // ...while files go on: well inside the inventory's 10 s busy timeout.
    EXPECT_EQ(run("curl -sS --fail --max-time 5 " + http("/repo/small.txt")).output, "hello\n");
    EXPECT_EQ(run("curl -sS --max-time 5 " + tftp("xcp-ng/xen.gz")).output, "xen.gz");
    std::ofstream(go).close();
    waiting.join();
    EXPECT_EQ(waited.exit_code, 0) << waited.output;
    EXPECT_NE(read_file(dir_.path() / "config").find("answerfile="), std::string::npos);
}

// 10. If-Range: a resumed download of a file that changed meanwhile gets the
// whole new file, not a part of it.
TEST_F(Hardening, IfRangeWithAStaleValidatorSendsTheWholeFile)
{
    const auto head = run("curl -sS -I --max-time 10 " + http("/repo/small.txt")).output;
    const auto etag = field(head, "ETag: ", "\r");
    ASSERT_FALSE(etag.empty()) << head;
    EXPECT_EQ(run("curl -sS --max-time 10 -r 0-1 -H " + quote("If-Range: " + etag) + " " + http("/repo/small.txt")).output,
              "he");
    std::ofstream(http_ / "repo/small.txt") << "changed!\n";
    EXPECT_EQ(run("curl -sS --max-time 10 -r 0-1 -H " + quote("If-Range: " + etag) + " " + http("/repo/small.txt")).output,
              "changed!\n");
    EXPECT_EQ(run("curl -sS --max-time 10 -r 0-1 -H 'If-Range: Thu, 01 Jan 1970 00:00:00 GMT' " +
                  http("/repo/small.txt"))
                  .output,
              "changed!\n");
}

}  // namespace
}  // namespace xcp::test
