// A host's own requests as pure decisions: what it sent and what was read
// in, the reply or the change out. No sockets, no inventory.
#include "server/inventory/host_state.hpp"
#include "server/service/host_requests.hpp"
#include "server/service/ready_answerfiles.hpp"
#include "libxcp/util/text.hpp"

#include <gtest/gtest.h>

namespace xcp::service {
namespace {

namespace bh = http::beast_http;

inventory::Host booting()
{
    inventory::Host h;
    h.mac = "52:54:00:12:34:56";
    h = inventory::request_install(h, inventory::NextMode::install, "0123456789abcdef0123456789abcdef");
    return inventory::mark_booting(h);
}

bh::status refused(const HostDecision& d)
{
    return std::holds_alternative<http::Reply>(d) ? std::get<http::Reply>(d).status : bh::status::ok;
}

TEST(HostRequests, AReportIsAFinalEventOrARefusal)
{
    EXPECT_EQ(refused(decide_report(std::nullopt, "0")), bh::status::not_found);
    for (const auto* bad : {"", "x", "1000", "-1"}) {
        EXPECT_EQ(refused(decide_report(booting(), bad)), bh::status::bad_request) << bad;
    }
    const auto ok = std::get<HostChange>(decide_report(booting(), "0"));
    EXPECT_EQ(ok.mac, "52:54:00:12:34:56");
    EXPECT_TRUE(ok.moves_state);
    EXPECT_EQ(ok.event.final, inventory::Final::success);
    const auto failed = std::get<HostChange>(decide_report(booting(), "3"));
    EXPECT_EQ(failed.event.final, inventory::Final::failure);
    EXPECT_NE(failed.event.message.find("status 3"), std::string::npos);
}

TEST(HostRequests, AnAgentEventIsCheckedFieldByFieldBeforeItIsAChange)
{
    EXPECT_EQ(refused(decide_agent_event(std::nullopt, "{}")), bh::status::not_found);
    for (const auto* bad : {"[]", "{", R"({"percent":4294967346})", R"({"percent":-1})", R"({"step":7})",
                            R"({"final":"maybe"})", R"({"disk":"../../etc"})", R"({"message":1})"}) {
        EXPECT_EQ(refused(decide_agent_event(booting(), bad)), bh::status::bad_request) << bad;
    }
    const auto c = std::get<HostChange>(
        decide_agent_event(booting(), R"({"step":"mkfs","percent":30,"message":"a\u001b[2Jb","disk":"sda"})"));
    EXPECT_EQ(c.event.step, "mkfs");
    EXPECT_EQ(c.event.percent, 30);
    EXPECT_EQ(c.event.message, "a\\x1b[2Jb") << "escaped before it is stored";
    EXPECT_EQ(c.install_disk, "sda");
    EXPECT_FALSE(c.event.final);
}

TEST(HostRequests, ALogNeedsALiveTokenAndKeepsItsLines)
{
    EXPECT_EQ(refused(decide_host_log(std::nullopt, "agent", "x")), bh::status::not_found);
    auto done = booting();
    inventory::Event final;
    final.final = inventory::Final::failure;
    done = inventory::apply_event(done, final);
    EXPECT_EQ(refused(decide_host_log(done, "agent", "x")), bh::status::not_found) << "spent token";
    EXPECT_EQ(refused(decide_host_log(booting(), "someone", "x")), bh::status::bad_request);
    const auto c = std::get<HostChange>(decide_host_log(booting(), "installer", "one\n\x1b]0;title\x07two\n"));
    ASSERT_TRUE(c.log);
    EXPECT_EQ(c.log->text, "one\n\\x1b]0;title\\x07two\n");
    EXPECT_EQ(c.log->source, "installer");
    EXPECT_EQ(c.event.step, "log");
    EXPECT_FALSE(c.moves_state) << "a log alone does not end the install";
}

TEST(HostRequests, ABackupNeedsALiveTokenAndTheSha256ItWasSentWith)
{
    const std::string sha(64, 'a');
    const auto status = [](const std::optional<http::Reply>& r) { return r ? r->status : bh::status::ok; };
    EXPECT_EQ(status(refuse_backup(std::nullopt, sha, sha)), bh::status::unauthorized);
    auto done = booting();
    inventory::Event final;
    final.final = inventory::Final::success;
    done = inventory::apply_event(done, final);
    EXPECT_EQ(status(refuse_backup(done, sha, sha)), bh::status::unauthorized) << "spent token";
    for (const auto& bad : {std::string(), std::string(63, 'a'), std::string(64, 'g'), sha + "a"}) {
        EXPECT_EQ(status(refuse_backup(booting(), bad, sha)), bh::status::bad_request) << bad;
    }
    const auto other = refuse_backup(booting(), std::string(64, 'b'), sha);
    ASSERT_TRUE(other);
    EXPECT_EQ(other->status, bh::status::unprocessable_entity);
    EXPECT_NE(other->body.find("nothing was kept"), std::string::npos) << other->body;
    EXPECT_EQ(status(refuse_backup(booting(), std::string(64, 'A'), sha)), bh::status::ok) << "hex in either case";
    const auto kept = backup_kept(booting(), "20261203T101500.000Z-aaaaaaaa", 5000, sha);
    EXPECT_EQ(kept.event.step, "backup");
    EXPECT_FALSE(kept.moves_state);
    EXPECT_NE(kept.event.message.find("20261203T101500.000Z-aaaaaaaa kept (5000 bytes"), std::string::npos);
}

TEST(HostRequests, AnAnswerfileGoesToABootingHostAndWithBoundTokensOnlyToItsLease)
{
    auto fresh = booting();
    fresh.state = inventory::HostState::new_;
    EXPECT_EQ(decide_answerfile_access(fresh, "10.0.0.5", std::nullopt)->reply.status, bh::status::not_found);
    EXPECT_EQ(decide_answerfile_access(std::nullopt, "10.0.0.5", std::nullopt)->reply.status, bh::status::not_found);
    EXPECT_FALSE(decide_answerfile_access(booting(), "10.0.0.5", std::nullopt));
    EXPECT_FALSE(decide_answerfile_access(booting(), "10.0.0.5", std::string("10.0.0.5")));
    const auto other = decide_answerfile_access(booting(), "10.0.0.9", std::string("10.0.0.5"));
    ASSERT_TRUE(other);
    EXPECT_EQ(other->reply.status, bh::status::forbidden);
    ASSERT_TRUE(other->change);
    EXPECT_NE(other->change->event.message.find("10.0.0.5"), std::string::npos);

    const auto started = answerfile_served(booting(), "10.0.0.5");
    ASSERT_TRUE(started);
    EXPECT_TRUE(started->moves_state);
    auto installing = booting();
    installing.state = inventory::HostState::installing;
    EXPECT_FALSE(answerfile_served(installing, "10.0.0.5")) << "a fetch again writes nothing";
}

TEST(HostRequests, AKeptAnswerfileIsAnsweredAtOnceOnlyWhereTheSlowWayWouldServeItAndWriteNothing)
{
    auto installing = booting();
    installing.state = inventory::HostState::installing;
    const ReadyAnswerfile ready{7, installing, std::nullopt, "<installation/>"};
    const auto now = reply_from_ready(ready, "10.0.0.5");
    ASSERT_TRUE(now);
    EXPECT_EQ(now->status, bh::status::ok);
    EXPECT_EQ(now->body, "<installation/>");
    EXPECT_EQ(now->headers[bh::field::content_type], "text/xml");

    EXPECT_FALSE(reply_from_ready({7, booting(), std::nullopt, "x"}, "10.0.0.5")) << "the first fetch writes";
    EXPECT_FALSE(reply_from_ready({7, installing, std::string("10.0.0.9"), "x"}, "10.0.0.5")) << "not its lease";
    EXPECT_TRUE(reply_from_ready({7, installing, std::string("10.0.0.5"), "x"}, "10.0.0.5"));
    auto installed = installing;
    installed.state = inventory::HostState::installed;
    EXPECT_FALSE(reply_from_ready({7, installed, std::nullopt, "x"}, "10.0.0.5")) << "a used-up token";

    ReadyAnswerfiles kept(2);
    const std::string a(32, 'a');
    kept.keep(a, ready);
    EXPECT_TRUE(kept.reply(a, 7, "10.0.0.5"));
    EXPECT_FALSE(kept.reply(a, 8, "10.0.0.5")) << "written since";
    EXPECT_FALSE(kept.reply(std::string(32, 'b'), 7, "10.0.0.5"));
    kept.keep(std::string(32, 'b'), ready);
    kept.keep(std::string(32, 'c'), ready);
    EXPECT_FALSE(kept.reply(a, 7, "10.0.0.5")) << "bounded: emptied when full";
    EXPECT_TRUE(kept.reply(std::string(32, 'c'), 7, "10.0.0.5"));
}

}  // namespace
}  // namespace xcp::service

namespace xcp::util {
namespace {

// What a host or a client sends is stored as valid UTF-8 whatever it was
// (PostgreSQL refuses anything else), and no terminal control survives.
TEST(EscapeControls, KeepsUtf8AndEscapesWhatIsNotWellFormedOrAControl)
{
    EXPECT_EQ(escape_controls("d\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac \xf0\x9f\x98\x80"),
              "d\xc3\xa9j\xc3\xa0 vu \xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_EQ(escape_controls("a\x1b[2Jb\x7f"), "a\\x1b[2Jb\\x7f");
    EXPECT_EQ(escape_controls("\xc2\x9b" "31m"), "\\xc2\\x9b31m") << "C1 CSI";
    EXPECT_EQ(escape_controls("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(escape_controls("\xc0\xaf"), "\\xc0\\xaf") << "overlong";
    EXPECT_EQ(escape_controls("\xed\xa0\x80"), "\\xed\\xa0\\x80") << "a surrogate";
    EXPECT_EQ(escape_controls("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80") << "above U+10FFFF";
    EXPECT_EQ(escape_controls(std::string_view("ab\xe2\x82\xac", 4)), "ab\\xe2\\x82") << "cut inside a character";
    EXPECT_EQ(escape_controls_but_lines("line 1\nline\t2\r\n"), "line 1\nline\t2\\x0d\n");
}

}  // namespace
}  // namespace xcp::util
