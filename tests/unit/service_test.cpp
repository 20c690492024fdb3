// The product behind HTTP and TFTP, called as the servers call it: requests
// in, replies out, with a real inventory file and real roots.
#include "server/boot/site.hpp"
#include "server/inventory/host_state.hpp"
#include "server/service/boot_config_reply.hpp"
#include "server/service/dhcp_boot.hpp"
#include "server/service/host_admin.hpp"
#include "server/service/metrics.hpp"
#include "server/service/provisioning_service.hpp"
#include "server/service/timeline.hpp"
#include "server/backup/backup_store.hpp"
#include "libxcp/checksum/digest.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <future>
#include <optional>
#include <thread>

namespace xcp::service {
namespace {

namespace bh = http::beast_http;

class ServiceTest : public ::testing::Test {
protected:
    static bool prepare(const std::filesystem::path& dir)
    {
        std::filesystem::create_directories(dir / "http/repo");
        std::filesystem::create_directories(dir / "tftp/xcp-ng");
        std::filesystem::create_directories(dir / "profiles");
        std::ofstream(dir / "http/repo/.treeinfo") << "[general]\n";
        std::ofstream(dir / "tftp/xcp-ng/xen.gz") << "xen";
        std::filesystem::copy_file(test::source_dir() / "answerfiles/profiles/default.xml", dir / "profiles/default.xml");
        std::ofstream(dir / "profiles/broken.xml") << "<installation><primary-disk>sda</primary-disk></installation>";
        return true;
    }

    ServiceTest()
    {
        ServiceSettings s;
        s.site.server = "192.0.2.10";
        s.site.http_url = "http://192.0.2.10:8080";
        s.site.repository_url = "http://192.0.2.10:8080/repo/";
        s.api_token = "admin-token-0123456789";
        service_ = std::make_unique<ProvisioningService>(s, inventory_, profiles_, templates_, http_root_, tftp_root_);
        auto h = new_host("52:54:00:12:34:56", "default", {}, profiles_);
        token_ = *h.token;
        inventory_.add(h);
        // The host boots its installer: its answerfile is served from now on.
        EXPECT_TRUE(service_->generated_tftp_file("pxelinux.cfg/01-52-54-00-12-34-56", client_.address));
    }

    http::Reply call(bh::verb method, const std::string& target, const std::string& body = {},
                     const std::string& bearer = {})
    {
        http::Request r{method, target, 11};
        if (!bearer.empty()) {
            r.set(bh::field::authorization, "Bearer " + bearer);
        }
        r.body() = body;
        r.prepare_payload();
        return service_->handle(r, client_);
    }

    test::TempDir dir_;
    bool prepared_ = prepare(dir_.path());
    inventory::Inventory inventory_{dir_.path() / "state"};
    boot::Profiles profiles_{dir_.path() / "profiles"};
    boot::BootTemplates templates_{test::source_dir() / "pxe-templates"};
    files::ConfinedRoot http_root_{dir_.path() / "http", "HTTP root"};
    files::ConfinedRoot tftp_root_{dir_.path() / "tftp", "TFTP root"};
    std::unique_ptr<ProvisioningService> service_;
    http::Client client_{boost::asio::ip::make_address("192.0.2.50"), 40000};
    std::string token_;
};

TEST_F(ServiceTest, TokensNeverReachTheLog)
{
    EXPECT_EQ(service_->loggable_target("/answerfile/" + token_), "/answerfile/<token>");
    EXPECT_EQ(service_->loggable_target("/api/v1/report/" + token_ + "?status=0"), "/api/v1/report/<token>?status=0");
    EXPECT_EQ(service_->loggable_target("/api/v1/report-script/" + token_), "/api/v1/report-script/<token>");
    EXPECT_EQ(service_->loggable_target("/api/v1/hosts/" + token_ + "/events"), "/api/v1/hosts/<token>/events");
    EXPECT_EQ(service_->loggable_target("/api/v1/hosts/52:54:00:12:34:56"), "/api/v1/hosts/52:54:00:12:34:56");
    EXPECT_EQ(service_->loggable_target("/repo/x"), "/repo/x");
    EXPECT_EQ(service_->loggable_target("/%61nswerfile/" + token_), "/answerfile/<token>") << "decoded first";
    EXPECT_EQ(service_->loggable_target("/repo/a%0ab"), "/repo/a\\x0ab") << "no line breaks in the log";
}

TEST_F(ServiceTest, AnswerfileByTokenUntilSuccess)
{
    auto r = call(bh::verb::get, "/answerfile/" + token_);
    ASSERT_EQ(r.status, bh::status::ok) << r.body;
    EXPECT_NE(r.body.find("<primary-disk>sda</primary-disk>"), std::string::npos);
    EXPECT_EQ(inventory_.find("52:54:00:12:34:56")->state, inventory::HostState::installing);
    EXPECT_EQ(call(bh::verb::get, "/answerfile/ffffffffffffffffffffffffffffffff").status, bh::status::not_found);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/report/" + token_).status, bh::status::bad_request);
    const auto reported = call(bh::verb::get, "/api/v1/report/" + token_ + "?status=0");
    EXPECT_EQ(reported.status, bh::status::ok) << reported.body;
    EXPECT_EQ(call(bh::verb::get, "/answerfile/" + token_).status, bh::status::not_found);
    const auto host = inventory_.find("52:54:00:12:34:56");
    EXPECT_EQ(host->state, inventory::HostState::installed);
    EXPECT_FALSE(host->netboot);
    const auto config = service_->generated_tftp_file("pxelinux.cfg/01-52-54-00-12-34-56", client_.address);
    ASSERT_TRUE(config);
    EXPECT_NE(config->find("localboot 0"), std::string::npos);
}

TEST_F(ServiceTest, AnAnswerfileIsServedOnlyOnceTheHostBoots)
{
    auto h = new_host("52:54:00:12:34:57", "default", {}, profiles_);
    inventory_.add(h);
    EXPECT_EQ(call(bh::verb::get, "/answerfile/" + *h.token).status, bh::status::not_found);
    ASSERT_TRUE(service_->generated_tftp_file("pxelinux.cfg/01-52-54-00-12-34-57", client_.address));
    EXPECT_EQ(call(bh::verb::get, "/answerfile/" + *h.token).status, bh::status::ok);
}

TEST_F(ServiceTest, AChangedHostOrProfileIsServedAtOnce)
{
    const auto url = "/answerfile/" + token_;
    EXPECT_NE(call(bh::verb::get, url).body.find("<hostname>xcp-525400123456</hostname>"), std::string::npos);
    EXPECT_EQ(call(bh::verb::get, url).body, call(bh::verb::get, url).body);
    inventory_.update("52:54:00:12:34:56", [](inventory::Host& h) {
        h.hostname = "renamed";
        return std::optional<inventory::Event>();
    });
    EXPECT_NE(call(bh::verb::get, url).body.find("<hostname>renamed</hostname>"), std::string::npos);
    {
        std::ifstream in(dir_.path() / "profiles/default.xml");
        std::string text(std::istreambuf_iterator<char>(in), {});
        text.replace(text.find("<keymap>{{keymap}}</keymap>"), 27, "<keymap>de</keymap>     ");
        std::ofstream(dir_.path() / "profiles/default.xml", std::ios::trunc) << text;
    }
    EXPECT_NE(call(bh::verb::get, url).body.find("<keymap>de</keymap>"), std::string::npos);
}

TEST_F(ServiceTest, AnAnswerfileFetchedAgainIsAnsweredAtOnceUntilAnythingIsWritten)
{
    files::ChangeWatch changes({dir_.path() / "state", dir_.path() / "profiles"});
    ASSERT_TRUE(changes.able());
    service_->watch_changes(&changes);
    const auto url = "/answerfile/" + token_;
    const http::Request get{bh::verb::get, url, 11};
    EXPECT_FALSE(service_->answer_now(get, client_)) << "never fetched";
    ASSERT_EQ(call(bh::verb::get, url).status, bh::status::ok);
    EXPECT_FALSE(service_->answer_now(get, client_)) << "the first fetch moved the host to installing";
    const auto slow = call(bh::verb::get, url);
    auto now = service_->answer_now(get, client_);
    ASSERT_TRUE(now);
    EXPECT_EQ(now->status, bh::status::ok);
    EXPECT_EQ(now->body, slow.body);
    EXPECT_EQ(now->headers[bh::field::content_type], "text/xml");
    EXPECT_TRUE(service_->answer_now(get, client_));

    // Another process's write to the inventory (as the CLI's), then the very
    // next request: the slow way, which reads it.
    {
        inventory::Inventory cli(dir_.path() / "state");
        cli.update("52:54:00:12:34:56", [](inventory::Host& h) {
            h.hostname = "renamed";
            return std::optional<inventory::Event>();
        });
    }
    EXPECT_FALSE(service_->answer_now(get, client_));
    EXPECT_NE(call(bh::verb::get, url).body.find("<hostname>renamed</hostname>"), std::string::npos);
    now = service_->answer_now(get, client_);
    ASSERT_TRUE(now);
    EXPECT_NE(now->body.find("<hostname>renamed</hostname>"), std::string::npos);

    // The profile edited in place.
    {
        std::ifstream in(dir_.path() / "profiles/default.xml");
        std::string text(std::istreambuf_iterator<char>(in), {});
        text.replace(text.find("<keymap>{{keymap}}</keymap>"), 27, "<keymap>de</keymap>     ");
        std::ofstream(dir_.path() / "profiles/default.xml", std::ios::trunc) << text;
    }
    EXPECT_FALSE(service_->answer_now(get, client_));
    EXPECT_NE(call(bh::verb::get, url).body.find("<keymap>de</keymap>"), std::string::npos);
    EXPECT_NE(service_->answer_now(get, client_)->body.find("<keymap>de</keymap>"), std::string::npos);

    // Only a plain GET of /answerfile/<token> is answered at once.
    EXPECT_FALSE(service_->answer_now(http::Request{bh::verb::head, url, 11}, client_));
    EXPECT_FALSE(service_->answer_now(http::Request{bh::verb::get, "/%61nswerfile/" + token_, 11}, client_));
    EXPECT_FALSE(service_->answer_now(http::Request{bh::verb::get, url + "?x=1", 11}, client_));

    // The report uses the token up: refused, the slow way.
    ASSERT_EQ(call(bh::verb::get, "/api/v1/report/" + token_ + "?status=0").status, bh::status::ok);
    EXPECT_FALSE(service_->answer_now(get, client_));
    EXPECT_EQ(call(bh::verb::get, url).status, bh::status::not_found);
    EXPECT_FALSE(service_->answer_now(get, client_));
}

TEST_F(ServiceTest, ReportScriptCallsTheReportUrl)
{
    const auto r = call(bh::verb::get, "/api/v1/report-script/" + token_);
    ASSERT_EQ(r.status, bh::status::ok);
    EXPECT_TRUE(r.body.starts_with("#!/bin/sh"));
    EXPECT_NE(r.body.find("http://192.0.2.10:8080/api/v1/report/" + token_ + "?status=$status"), std::string::npos);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/report/" + token_ + "?status=1").status, bh::status::ok);
    const auto host = inventory_.find("52:54:00:12:34:56");
    EXPECT_EQ(host->state, inventory::HostState::failed);
    EXPECT_NE(host->reason.find("status 1"), std::string::npos);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/report-script/" + token_).status, bh::status::not_found);
}

TEST_F(ServiceTest, AgentEventsAreCheckedThenRecorded)
{
    const auto url = "/api/v1/hosts/" + token_ + "/events";
    EXPECT_EQ(call(bh::verb::post, url, "not json").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::post, url, R"({"percent": 101})").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::post, url, R"({"final": "maybe"})").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::post, url, R"({"step": 5})").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::post, url, R"({"disk": 5})").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::post, url, R"({"disk": "sda; reboot"})").status, bh::status::bad_request)
        << "a disk name by its shape, as it will reach an answerfile";
    EXPECT_EQ(call(bh::verb::post, url, R"({"disk": "../sda"})").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::post, url,
                   R"({"step": "partition", "percent": 12, "message": "sda", "final": null, "disk": "nvme0n1"})")
                  .status,
              bh::status::ok);
    auto host = inventory_.find("52:54:00:12:34:56");
    EXPECT_EQ(host->state, inventory::HostState::installing);
    EXPECT_EQ(host->percent, 12);
    EXPECT_EQ(host->vars.at("install-disk"), "nvme0n1");
    EXPECT_FALSE(host->vars.contains("installed-disk")) << "not before the install succeeds";
    EXPECT_EQ(call(bh::verb::post, url, R"({"step": "done", "final": "success"})").status, bh::status::ok);
    EXPECT_EQ(inventory_.find("52:54:00:12:34:56")->state, inventory::HostState::installed);
    EXPECT_EQ(inventory_.find("52:54:00:12:34:56")->vars.at("installed-disk"), "nvme0n1");
    EXPECT_EQ(call(bh::verb::post, url, R"({"step": "late"})").status, bh::status::not_found);
}

TEST_F(ServiceTest, AnInvalidProfileIsA500AndAnEventNeverABrokenAnswerfile)
{
    auto h = new_host("52:54:00:00:00:02", "broken", {}, profiles_);
    inventory_.add(h);
    ASSERT_TRUE(service_->generated_tftp_file("pxelinux.cfg/01-52-54-00-00-00-02", client_.address));
    const auto r = call(bh::verb::get, "/answerfile/" + *h.token);
    EXPECT_EQ(r.status, bh::status::internal_server_error);
    EXPECT_EQ(r.body.find("<installation"), std::string::npos);
    const auto events = inventory_.events(h.mac);
    ASSERT_FALSE(events.empty());
    EXPECT_NE(events.back().message.find("broken.xml"), std::string::npos) << events.back().message;
}

TEST_F(ServiceTest, AdminApiNeedsTheBearerToken)
{
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts").status, bh::status::unauthorized);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts", {}, "wrong").status, bh::status::unauthorized);
    const auto key = "admin-token-0123456789";
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts", {}, key).status, bh::status::ok);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts", R"({"mac": "52:54:00:00:00:09", "settings": {"ip": "nope"}})", key)
                  .status,
              bh::status::bad_request);
    EXPECT_FALSE(inventory_.find("52:54:00:00:00:09"));
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts", R"({"mac": "52:54:00:00:00:09", "hostname": "h9"})", key).status,
              bh::status::created);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts", R"({"mac": "52:54:00:00:00:09"})", key).status,
              bh::status::conflict);
    EXPECT_EQ(call(bh::verb::patch, "/api/v1/hosts/52-54-00-00-00-09", R"({"timezone": "Europe/Oslo"})", key).status,
              bh::status::ok);
    EXPECT_EQ(inventory_.find("52:54:00:00:00:09")->vars.at("timezone"), "Europe/Oslo");
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/52:54:00:00:00:09/events", {}, key).status, bh::status::ok);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/52:54:00:00:00:09/upgrade", {}, key).status, bh::status::ok);
    EXPECT_EQ(inventory_.find("52:54:00:00:00:09")->next_mode, inventory::NextMode::upgrade);
    EXPECT_EQ(call(bh::verb::delete_, "/api/v1/hosts/52:54:00:00:00:09", {}, key).status, bh::status::ok);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/52:54:00:00:00:09", {}, key).status, bh::status::not_found);
}

// The admin API's restore from a kept backup, and what the host's installer
// then gets for its token: the archive with its SHA-256, once.
TEST_F(ServiceTest, ARestoreFromTheServerHandsTheNextInstallItsBackup)
{
    const auto key = "admin-token-0123456789";
    const std::string mac = "52:54:00:12:34:56";
    backup::BackupStore store(dir_.path() / "backups", 3);
    service_->keep_backups(&store);
    const std::string archive = "the archive's bytes";
    const auto sha = checksum::hex_of(checksum::Algorithm::sha256, archive);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/" + mac + "/restore", R"({"from_server": true})", key).status,
              bh::status::bad_request)
        << "none kept yet";
    const auto kept = store.store(mac, archive, sha, std::chrono::system_clock::now());
    for (const auto* bad : {R"({"from_server": 5})", R"({"from_server": false})", "[]", R"({"from_server": "nope"})"}) {
        EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/" + mac + "/restore", bad, key).status, bh::status::bad_request)
            << bad;
    }
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/52:54:00:00:00:77/restore", R"({"from_server": true})", key).status,
              bh::status::not_found);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/" + token_ + "/restore").status, bh::status::not_found)
        << "nothing asked yet";
    const auto asked = call(bh::verb::post, "/api/v1/hosts/" + mac + "/restore", R"({"from_server": true})", key);
    ASSERT_EQ(asked.status, bh::status::ok) << asked.body;
    const auto host = inventory_.find(mac);
    EXPECT_EQ(host->vars.at("restore-backup"), kept.id);
    EXPECT_EQ(host->next_mode, inventory::NextMode::reinstall);
    const auto sent = call(bh::verb::get, "/api/v1/hosts/" + *host->token + "/restore");
    ASSERT_EQ(sent.status, bh::status::ok) << sent.body;
    EXPECT_EQ(sent.body, archive);
    EXPECT_EQ(sent.headers["X-Checksum-SHA256"], sha);
    EXPECT_EQ(sent.headers["X-Backup-Id"], kept.id);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/" + token_ + "/restore").status, bh::status::not_found)
        << "the old token is spent";
    // Gone from this server (or never here): refused, not a plain install.
    std::filesystem::remove_all(dir_.path() / "backups");
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/" + *host->token + "/restore").status, bh::status::conflict);
    // Another request forgets the choice.
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/" + mac + "/reinstall", {}, key).status, bh::status::ok);
    EXPECT_FALSE(inventory_.find(mac)->vars.contains("restore-backup"));
}

// The list keeps each host's build duration by its newest event: a new
// event, or a repeat that only moves the newest one's time, is seen at once.
TEST_F(ServiceTest, TheHostListFollowsNewEvents)
{
    const auto key = "admin-token-0123456789";
    const auto mac = std::string("52:54:00:12:34:56");
    const auto build_ms = [&] {
        const auto list = nlohmann::json::parse(call(bh::verb::get, "/api/v1/hosts", {}, key).body, nullptr, false);
        for (const auto& h : list) {
            if (h["mac"] == mac) {
                return h["build_ms"];
            }
        }
        return nlohmann::json("absent");
    };
    const auto event = [&](const char* at, const char* source, const char* step, bool final = false) {
        inventory::Event e;
        e.at = at;
        e.source = source;
        e.step = step;
        if (final) {
            e.final = inventory::Final::success;
        }
        inventory_.add_event(mac, e);
    };
    event("2099-12-02T10:01:00.000Z", "dhcp", "dhcp");
    event("2099-12-02T10:02:00.000Z", "agent", "partition");
    EXPECT_TRUE(build_ms().is_null()) << "not finished";
    EXPECT_TRUE(build_ms().is_null()) << "the same, from what was kept";
    event("2099-12-02T10:10:00.000Z", "agent", "done", true);
    const auto fresh = build_timeline(inventory_.events(mac, 300)).build_ms;
    ASSERT_TRUE(fresh);
    EXPECT_EQ(build_ms(), *fresh) << "a new event is read";
    EXPECT_EQ(build_ms(), *fresh);
}

// Found by http_request_fuzz: an error message echoing a path with invalid
// UTF-8 made the JSON writer throw.
TEST_F(ServiceTest, ErrorsEchoingBadBytesAreStillJson)
{
    const auto r = call(bh::verb::get, "/api/v1/hosts/ab%ee%ff", {}, "admin-token-0123456789");
    EXPECT_EQ(r.status, bh::status::bad_request);
    EXPECT_TRUE(r.body.starts_with("{")) << r.body;
    EXPECT_EQ(service_->loggable_target("/api/v1/report/" + token_ + "/x/" + token_), "/api/v1/report/<token><...>");
}

TEST_F(ServiceTest, FilesStayInsideTheirRoots)
{
    EXPECT_EQ(call(bh::verb::get, "/repo/.treeinfo").status, bh::status::ok);
    EXPECT_EQ(call(bh::verb::get, "/boot/xcp-ng/xen.gz").status, bh::status::ok);
    for (const auto* bad : {"/../etc/passwd", "/repo/../../x", "/%2e%2e/%2e%2e/etc/passwd", "/repo/%00x",
                            "/boot/../../etc/passwd", "/..%5c..%5cetc"}) {
        EXPECT_EQ(call(bh::verb::get, bad).status, bh::status::forbidden) << bad;
    }
    EXPECT_EQ(call(bh::verb::get, "/nothing").status, bh::status::not_found);
    EXPECT_EQ(call(bh::verb::put, "/repo/x", "data").status, bh::status::method_not_allowed);
    const auto cfg = call(bh::verb::get, "/boot/pxelinux.cfg/01-52-54-00-12-34-56");
    EXPECT_NE(cfg.body.find("answerfile=http://192.0.2.10:8080/answerfile/" + token_), std::string::npos);
}

TEST_F(ServiceTest, AChangedReleaseRecordIsServedAtOnce)
{
    inventory::Release release;
    release.name = "r1";
    release.repository = "http://mirror.example/r1/";
    inventory_.put_release(release);
    inventory_.update("52:54:00:12:34:56", [](inventory::Host& h) {
        h.release = "r1";
        return std::optional<inventory::Event>();
    });
    const auto url = "/answerfile/" + token_;
    EXPECT_NE(call(bh::verb::get, url).body.find("http://mirror.example/r1/"), std::string::npos);
    release.repository = "http://mirror.example/r1-moved/";
    inventory_.put_release(release);
    EXPECT_NE(call(bh::verb::get, url).body.find("http://mirror.example/r1-moved/"), std::string::npos)
        << "the cache is keyed by the release record rendering reads";
}

TEST_F(ServiceTest, TheCliAndTheApiCheckAChangeThroughOneFunction)
{
    const auto key = "admin-token-0123456789";
    const auto mac = "52:54:00:12:34:56";
    auto r = call(bh::verb::patch, std::string("/api/v1/hosts/") + mac, R"({"profile": "nope"})", key);
    EXPECT_EQ(r.status, bh::status::bad_request);
    EXPECT_NE(r.body.find("nope"), std::string::npos) << r.body;
    EXPECT_EQ(inventory_.find(mac)->profile, "default") << "nothing changed";
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts", R"({"mac": "52:54:00:00:00:0a", "profile": "nope"})", key).status,
              bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts", R"({"mac": "52:54:00:00:00:0a", "profile": 7})", key).status,
              bh::status::bad_request);
    EXPECT_FALSE(inventory_.find("52:54:00:00:00:0a"));
    inventory::Host h = *inventory_.find(mac);
    EXPECT_THROW(apply_settings(h, {{"profile", "nope"}}, profiles_), AdminError) << "what `host set` calls";
    EXPECT_NO_THROW(apply_settings(h, {{"profile", "broken"}}, profiles_)) << "a profile that loads";
    EXPECT_EQ(call(bh::verb::patch, std::string("/api/v1/hosts/") + mac, R"({"profile": "broken"})", key).status,
              bh::status::ok);
}

TEST_F(ServiceTest, ErrorsMapByKind)
{
    const auto key = "admin-token-0123456789";
    const auto json = [](const http::Reply& r) { return r.body.starts_with("{"); };
    auto r = call(bh::verb::get, "/api/v1/hosts/not-a-mac", {}, key);
    EXPECT_EQ(r.status, bh::status::bad_request);
    EXPECT_NE(r.body.find("is not a MAC address"), std::string::npos) << r.body;
    EXPECT_TRUE(json(r));
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/52:54:00:00:00:77", {}, key).status, bh::status::not_found);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/52:54:00:12:34:56/bogus", {}, key).status, bh::status::not_found);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts", R"({"mac": "52:54:00:12:34:56"})", key).status,
              bh::status::conflict);
    r = call(bh::verb::put, "/api/v1/hosts", {}, key);
    EXPECT_EQ(r.status, bh::status::method_not_allowed);
    EXPECT_EQ(r.headers[bh::field::allow], "GET, HEAD, POST");
    EXPECT_TRUE(json(r));
    EXPECT_EQ(call(bh::verb::get, "/api/v1/nothing", {}, key).status, bh::status::not_found);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/nothing").status, bh::status::unauthorized) << "the token before the rest";
    EXPECT_EQ(call(bh::verb::get, "/api/v1/report/" + token_ + "?status=%zz").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::get, "/answerfile/not-a-token").status, bh::status::not_found);
    EXPECT_EQ(call(bh::verb::get, "/ipxe/zz").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::head, "/metrics").status, bh::status::ok) << "GET routes answer HEAD";
    EXPECT_EQ(call(bh::verb::post, "/metrics").status, bh::status::method_not_allowed);
}

TEST_F(ServiceTest, MetricsCountHostsByState)
{
    inventory_.add(new_host("52:54:00:00:00:09", "default", {}, profiles_));
    const auto r = call(bh::verb::get, "/metrics");
    EXPECT_NE(r.body.find("xcp_hosts{state=\"new\"} 1"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("xcp_hosts{state=\"booting\"} 1"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace xcp::service

namespace xcp::service {
namespace {

TEST(BootConfigDecision, TheInstallersConfigMarksTheHostBootingAndNamesItsFiles)
{
    const boot::BootTemplates templates(test::source_dir() / "pxe-templates");
    boot::Site site;
    site.server = "192.0.2.10";
    site.http_url = "http://192.0.2.10";
    site.repository_url = "http://192.0.2.10/repo/";
    inventory::Host host;
    host.mac = "52:54:00:12:34:56";
    host = inventory::request_install(std::move(host), inventory::NextMode::install, std::string(32, 'a'));
    const auto decided = decide_boot_config(templates, boot::Loader::pxelinux, host.mac, host, nullptr, site,
                                            boot::UnknownHosts::local, "192.0.2.50");
    EXPECT_NE(decided.text.find("answerfile=http://192.0.2.10/answerfile/" + std::string(32, 'a')), std::string::npos);
    ASSERT_TRUE(decided.change);
    EXPECT_EQ(decided.change->mac, host.mac);
    EXPECT_TRUE(decided.change->mark_booting);
    EXPECT_NE(decided.change->event.message.find("pxelinux install config served to 192.0.2.50"), std::string::npos);
    EXPECT_EQ(installer_boot_files(host, site, nullptr), (std::vector<std::string>{site.xen, site.kernel, site.image}));

    // A server sharing the inventory without the host's boot files sends it
    // to its disk and says why, instead of a config that would fail.
    auto with_release = host;
    with_release.release = "xcp-8.3";
    const auto lacking = decide_boot_config(templates, boot::Loader::pxelinux, host.mac, with_release, nullptr, site,
                                            boot::UnknownHosts::menu, "192.0.2.50", {"releases/xcp-8.3/install.img"});
    EXPECT_NE(lacking.text.find("localboot"), std::string::npos) << lacking.text;
    EXPECT_EQ(lacking.text.find("answerfile="), std::string::npos);
    ASSERT_TRUE(lacking.change);
    EXPECT_FALSE(lacking.change->mark_booting);
    EXPECT_NE(lacking.change->event.message.find("this server lacks release xcp-8.3's files "
                                                 "(releases/xcp-8.3/install.img under its TFTP root)"),
              std::string::npos)
        << lacking.change->event.message;
    EXPECT_NE(lacking.change->event.message.find("copy releases/xcp-8.3/ under the TFTP and HTTP roots"),
              std::string::npos);

    host.netboot = false;  // installed: local boot, and nothing changes
    const auto local = decide_boot_config(templates, boot::Loader::pxelinux, host.mac, host, nullptr, site,
                                          boot::UnknownHosts::local, "192.0.2.50");
    EXPECT_NE(local.text.find("localboot"), std::string::npos);
    EXPECT_FALSE(local.change);
    EXPECT_TRUE(installer_boot_files(host, site, nullptr).empty());
    EXPECT_FALSE(decide_boot_config(templates, boot::Loader::ipxe, host.mac, std::nullopt, nullptr, site,
                                    boot::UnknownHosts::local, "192.0.2.50")
                     .change)
        << "an unknown host changes nothing";
}

TEST(Metrics, AreAFunctionOfTheCountersGiven)
{
    tftp::ServerCounters tftp;
    tftp.requests = 7;
    tftp.bytes = 4096;
    const auto text = render_metrics(&tftp, nullptr, {3, 1, 2}, HostCounts{{{inventory::HostState::installing, 2}}, 0});
    EXPECT_NE(text.find("xcp_tftp_requests_total 7\n"), std::string::npos) << text;
    EXPECT_NE(text.find("xcp_tftp_bytes_total 4096\n"), std::string::npos);
    EXPECT_EQ(text.find("xcp_http_"), std::string::npos) << "no HTTP server, no HTTP lines";
    EXPECT_NE(text.find("xcp_answerfiles_served_total 3\n"), std::string::npos);
    EXPECT_NE(text.find("xcp_answerfile_errors_total 1\n"), std::string::npos);
    EXPECT_NE(text.find("xcp_answerfiles_served_at_once_total 2\n"), std::string::npos);
    EXPECT_NE(text.find("xcp_hosts{state=\"installing\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("xcp_hosts{state=\"failed\"} 0\n"), std::string::npos) << "every state, zero or not";
    EXPECT_EQ(text.find("# HELP xcp_tftp_transfers_total"), text.rfind("# HELP xcp_tftp_transfers_total"))
        << "a family's help once";
}

TEST(DhcpBootDecider, IpxeGetsItsScriptOrTheLoaderAsAnyPxeRom)
{
    test::TempDir dir;
    InventoryPool inventory(1, [&] { return std::make_unique<inventory::Inventory>(dir.path() / "state"); });
    DhcpBootSettings s;
    s.site.http_url = "http://192.0.2.10:8080";
    const dhcp::Mac mac{0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    dhcp::PxeClient ipxe;
    ipxe.ipxe = true;
    EXPECT_EQ(DhcpBootDecider(s, inventory).decide(mac, ipxe)->file, "http://192.0.2.10:8080/ipxe");
    // iPXE cannot multiboot under UEFI: grub, whatever --dhcp-ipxe says.
    ipxe.arch = dhcp::ClientArch::efi_x64;
    EXPECT_EQ(DhcpBootDecider(s, inventory).decide(mac, ipxe)->file, "EFI/xenserver/grubx64.efi");
    s.ipxe_script = false;
    EXPECT_EQ(DhcpBootDecider(s, inventory).decide(mac, ipxe)->file, "EFI/xenserver/grubx64.efi");
    ipxe.arch = dhcp::ClientArch::bios;
    EXPECT_EQ(DhcpBootDecider(s, inventory).decide(mac, ipxe)->file, "pxelinux.0");
}

}  // namespace
}  // namespace xcp::service

namespace xcp::service {
namespace {

TEST_F(ServiceTest, AFailingHostPostsItsLogWhichTheAdminReadsAndASpentTokenCannot)
{
    http::Request header{bh::verb::post, "/api/v1/hosts/" + token_ + "/log", 11};
    EXPECT_EQ(service_->body_limit(header), std::optional<std::size_t>(1024 * 1024));
    header.target("/api/v1/hosts/" + token_ + "/events");
    EXPECT_FALSE(service_->body_limit(header)) << "others keep the server's default";

    auto r = call(bh::verb::post, "/api/v1/hosts/" + token_ + "/log?source=installer",
                  "step 1\nstep 2 \x1b[31mfailed\x1b[0m\n");
    ASSERT_EQ(r.status, bh::status::ok) << r.body;
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/" + token_ + "/log?source=me", "x").status, bh::status::bad_request);
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/52:54:00:12:34:56/log").status, bh::status::unauthorized);
    r = call(bh::verb::get, "/api/v1/hosts/52:54:00:12:34:56/log", {}, "admin-token-0123456789");
    ASSERT_EQ(r.status, bh::status::ok) << r.body;
    const auto log = nlohmann::json::parse(r.body);
    EXPECT_EQ(log["source"], "installer");
    EXPECT_EQ(log["text"], "step 1\nstep 2 \\x1b[31mfailed\\x1b[0m\n") << "lines kept, escapes escaped";
    const auto shown = nlohmann::json::parse(
        call(bh::verb::get, "/api/v1/hosts/52:54:00:12:34:56", {}, "admin-token-0123456789").body);
    EXPECT_EQ(shown["has_log"], true);
    EXPECT_TRUE(shown.contains("timeline"));
    EXPECT_EQ(call(bh::verb::get, "/api/v1/hosts/52:54:00:aa:aa:aa/log", {}, "admin-token-0123456789").status,
              bh::status::not_found);

    // The final event ends the token's use: no log after it.
    ASSERT_EQ(call(bh::verb::post, "/api/v1/hosts/" + token_ + "/events", R"({"final":"failure"})").status,
              bh::status::ok);
    EXPECT_EQ(call(bh::verb::post, "/api/v1/hosts/" + token_ + "/log", "late").status, bh::status::not_found);
    EXPECT_EQ(service_->loggable_target("/api/v1/hosts/" + token_ + "/log?source=installer"),
              "/api/v1/hosts/<token>/log?source=installer");
}

TEST_F(ServiceTest, TheReportScriptSendsTheInstallersLogBeforeAFailureReport)
{
    const auto r = call(bh::verb::get, "/api/v1/report-script/" + token_);
    const auto log_at = r.body.find("http://192.0.2.10:8080/api/v1/hosts/" + token_ + "/log?source=installer");
    const auto report_at = r.body.find("/api/v1/report/" + token_);
    ASSERT_NE(log_at, std::string::npos) << r.body;
    EXPECT_LT(log_at, report_at) << "the report ends the token's use";
    EXPECT_NE(r.body.find("/tmp/install-log"), std::string::npos);
}

TEST_F(ServiceTest, TheOperatorsPageIsServedWithItsOwnFilesAndAStrictPolicy)
{
    EXPECT_EQ(call(bh::verb::get, "/ui/").status, bh::status::not_found) << "no UI directory given";
    const files::ConfinedRoot ui(test::source_dir() / "ui", "UI directory");
    service_->serve_ui(&ui);
    auto r = call(bh::verb::get, "/ui/");
    ASSERT_EQ(r.status, bh::status::ok);
    ASSERT_TRUE(r.file);
    EXPECT_EQ(r.file->length, std::filesystem::file_size(test::source_dir() / "ui/index.html"));
    EXPECT_EQ(r.headers["Content-Security-Policy"].find("default-src 'self'"), 0U);
    EXPECT_EQ(call(bh::verb::get, "/ui/app.js").status, bh::status::ok);
    EXPECT_EQ(call(bh::verb::get, "/ui").status, bh::status::moved_permanently);
    EXPECT_EQ(call(bh::verb::get, "/ui/../state/inventory.sqlite").status, bh::status::forbidden);
    service_->serve_ui(nullptr);
}

TEST_F(ServiceTest, MetricsCountStalledHostsApart)
{
    inventory::Event e;
    e.source = "server";
    e.step = "stalled";
    ASSERT_TRUE(inventory_.mark_stalled("52:54:00:12:34:56", e));
    const auto m = call(bh::verb::get, "/metrics").body;
    EXPECT_NE(m.find("xcp_hosts{state=\"stalled\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("xcp_hosts{state=\"booting\"} 0"), std::string::npos) << m;
}

// Each connection serves one caller at a time; a caller finding none idle
// waits for one to come back, and gets that one.
TEST(InventoryPoolTest, ACallerWaitsForAConnectionToComeBack)
{
    test::TempDir dir;
    int opened = 0;
    InventoryPool pool(2, [&] {
        ++opened;
        return std::make_unique<inventory::Inventory>(dir.path() / "state");
    });
    EXPECT_EQ(opened, 2);
    auto first = pool.borrow();
    std::optional<InventoryPool::Borrowed> second(pool.borrow());
    inventory::Host h;
    h.mac = "52:54:00:12:34:56";
    first->add(h);
    const auto* lent = &**second;
    std::promise<const inventory::Inventory*> got;
    std::thread third([&] {
        const auto b = pool.borrow();
        got.set_value(&*b);
    });
    auto future = got.get_future();
    EXPECT_EQ(future.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout) << "none was idle";
    second.reset();
    ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(future.get(), lent) << "the one given back";
    third.join();
    EXPECT_TRUE(pool.borrow()->find(h.mac).has_value()) << "one inventory behind every connection";
}

}  // namespace
}  // namespace xcp::service
