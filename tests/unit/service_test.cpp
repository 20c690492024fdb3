// The product behind HTTP and TFTP, called as the servers call it: requests
// in, replies out, with a real inventory file and real roots.
#include "server/boot/site.hpp"
#include "server/service/dhcp_boot.hpp"
#include "server/service/host_admin.hpp"
#include "server/service/provisioning_service.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>

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
        auto h = new_host("52:54:00:12:34:56", "default", {});
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
    EXPECT_EQ(call(bh::verb::get, "/api/v1/report/" + token_ + "?status=0").status, bh::status::ok);
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
    auto h = new_host("52:54:00:12:34:57", "default", {});
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
    auto h = new_host("52:54:00:00:00:02", "broken", {});
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

TEST_F(ServiceTest, MetricsCountHostsByState)
{
    inventory_.add(new_host("52:54:00:00:00:09", "default", {}));
    const auto r = call(bh::verb::get, "/metrics");
    EXPECT_NE(r.body.find("xcp_hosts{state=\"new\"} 1"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("xcp_hosts{state=\"booting\"} 1"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace xcp::service

namespace xcp::service {
namespace {

TEST(DhcpBootDecider, IpxeGetsItsScriptOrTheLoaderAsAnyPxeRom)
{
    test::TempDir dir;
    inventory::Inventory inventory(dir.path() / "state");
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
