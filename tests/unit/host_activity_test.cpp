// What the server learns about each host as it boots: fetches as events,
// the build's timeline and durations, stalls, failure logs. Pure functions
// first, then a real inventory file.
#include "server/inventory/inventory.hpp"
#include "server/service/boot_event_recorder.hpp"
#include "server/service/boot_observations.hpp"
#include "server/service/stalls.hpp"
#include "server/service/timeline.hpp"
#include "tests/support/inventory_backends.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

namespace xcp::service {
namespace {

using inventory::Event;
using namespace std::chrono_literals;

Event ev(std::string at, std::string source, std::string step, std::optional<std::int64_t> ms = std::nullopt,
         std::optional<std::int64_t> bytes = std::nullopt)
{
    Event e;
    e.at = std::move(at);
    e.source = std::move(source);
    e.step = std::move(step);
    e.duration_ms = ms;
    e.bytes = bytes;
    return e;
}

TEST(Timestamps, MillisecondsRoundTripAndOldRecordsStillRead)
{
    const auto t = inventory::parse_utc("2026-12-02T19:40:00.123Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(inventory::format_utc(*t), "2026-12-02T19:40:00.123Z");
    const auto old = inventory::parse_utc("2026-12-02T19:40:00Z");
    ASSERT_TRUE(old);
    EXPECT_EQ(*t - *old, 123ms);
    for (const auto* bad : {"", "2026-12-02 19:40:00Z", "2026-13-02T19:40:00Z", "2026-12-02T19:40:00.12Z", "garbage"}) {
        EXPECT_FALSE(inventory::parse_utc(bad)) << bad;
    }
    EXPECT_TRUE(inventory::parse_utc(inventory::now_utc()));
}

TEST(BootFetches, PathsAreSortedIntoBootSteps)
{
    EXPECT_EQ(fetch_step("pxelinux.0"), "loader");
    EXPECT_EQ(fetch_step("ldlinux.c32"), "loader");
    EXPECT_EQ(fetch_step("/boot/ipxe.efi"), "loader");
    EXPECT_EQ(fetch_step("EFI/xenserver/grubx64.efi"), "loader");
    EXPECT_EQ(fetch_step("pxelinux.cfg/01-52-54-00-12-34-56"), "config");
    EXPECT_EQ(fetch_step("/ipxe/52:54:00:12:34:56"), "config");
    EXPECT_EQ(fetch_step("EFI/xenserver/grub.cfg"), "config");
    EXPECT_EQ(fetch_step("xcp-ng/xen.gz"), "kernel");
    EXPECT_EQ(fetch_step("/boot/xcp-ng/vmlinuz"), "kernel");
    EXPECT_EQ(fetch_step("releases/8.3/install.img"), "kernel");
    // An install's packages are not boot fetches: they would push the boot
    // out of the host's bounded events.
    EXPECT_FALSE(fetch_step("repo/Packages/kernel-4.19.rpm"));
    EXPECT_FALSE(fetch_step("repo/.treeinfo"));
    EXPECT_FALSE(fetch_step("index.html"));
}

TEST(BootFetches, EachProtocolsResultBecomesAnEventThatCoalescesWithItsRepeats)
{
    tftp::TransferResult t;
    t.client = {boost::asio::ip::make_address("10.0.0.5"), 2000};
    t.path = "pxelinux.cfg/01-52-54-00-12-34-56";
    t.bytes = 1234;
    t.elapsed = 15ms;
    t.retransmits = 0;
    t.completed = true;
    const auto f = fetch_from_tftp(t);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->mac, "52:54:00:12:34:56") << "a per-MAC config names its host";
    EXPECT_EQ(f->step, "config");
    const auto e = fetch_event(*f);
    EXPECT_EQ(e.source, "tftp");
    EXPECT_EQ(e.bytes, 1234);
    EXPECT_EQ(e.duration_ms, 15);
    t.elapsed = 99ms;
    EXPECT_EQ(fetch_event(*fetch_from_tftp(t)).message, e.message) << "time is not in the message";

    http::Served s;
    s.client = {boost::asio::ip::make_address("10.0.0.5"), 40000};
    s.target = "/boot/xcp-ng/vmlinuz?x=1";
    s.bytes = 8000000;
    s.ms = 120.4;
    const auto h = fetch_from_http(s);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->step, "kernel");
    EXPECT_EQ(h->mac, "");
    EXPECT_EQ(h->what, "/boot/xcp-ng/vmlinuz");
    EXPECT_EQ(h->duration_ms, 120);
    s.status = http::beast_http::status::not_found;
    EXPECT_FALSE(fetch_from_http(s)) << "only what was served";
    s.status = http::beast_http::status::ok;
    s.target = "/answerfile/0123456789abcdef0123456789abcdef";
    EXPECT_FALSE(fetch_from_http(s)) << "answerfiles make their own events";

    dhcp::Answered a;
    a.mac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    a.reply = dhcp::MessageType::ack;
    a.pxe = dhcp::PxeClient{dhcp::ClientArch::bios, 0, false, false};
    a.file = "pxelinux.0";
    a.address = 0x0a000005;
    const auto d = fetch_from_dhcp(a);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->mac, "52:54:00:12:34:56");
    EXPECT_EQ(d->client.to_string(), "10.0.0.5");
    EXPECT_NE(d->what.find("10.0.0.5"), std::string::npos) << d->what;
    EXPECT_NE(d->what.find("pxelinux.0"), std::string::npos) << d->what;
    EXPECT_NE(d->what.find("BIOS"), std::string::npos) << d->what;
}

// A whole boot as the events record it.
std::vector<Event> a_build()
{
    std::vector<Event> events;
    events.push_back(ev("2026-12-02T10:00:00.000Z", "admin", ""));  // added
    events.push_back(ev("2026-12-02T10:01:00.000Z", "dhcp", "dhcp"));
    events.push_back(ev("2026-12-02T10:01:00.500Z", "dhcp", "dhcp"));
    events.push_back(ev("2026-12-02T10:01:01.000Z", "tftp", "loader", 400, 26000));
    events.push_back(ev("2026-12-02T10:01:01.200Z", "server", "boot"));
    events.push_back(ev("2026-12-02T10:01:01.300Z", "tftp", "config", 50, 700));
    events.push_back(ev("2026-12-02T10:01:05.000Z", "tftp", "kernel", 3000, 8000000));
    events.push_back(ev("2026-12-02T10:01:30.000Z", "tftp", "kernel", 24000, 80000000));
    events.push_back(ev("2026-12-02T10:02:00.000Z", "server", "answerfile"));
    events.push_back(ev("2026-12-02T10:02:10.000Z", "agent", "partition"));
    events.push_back(ev("2026-12-02T10:03:10.000Z", "agent", "install"));
    auto done = ev("2026-12-02T10:10:00.000Z", "agent", "done");
    done.final = inventory::Final::success;
    events.push_back(done);
    events.push_back(ev("2026-12-02T10:11:00.000Z", "dhcp", "dhcp"));
    events.push_back(ev("2026-12-02T10:11:01.000Z", "tftp", "config", 20, 300));
    return events;
}

TEST(Timeline, EachPhaseOnOneAxisFromTheFirstDhcpToTheReportAndTheLocalBoot)
{
    const auto t = build_timeline(a_build());
    std::vector<std::string> phases;
    for (const auto& s : t.spans) {
        phases.push_back(s.phase);
    }
    EXPECT_EQ(phases, (std::vector<std::string>{"dhcp", "loader", "config", "kernel and image", "answerfile",
                                                "partition", "install", "report", "local boot"}));
    EXPECT_EQ(t.started, "2026-12-02T10:01:00.000Z");
    EXPECT_EQ(t.finished, "2026-12-02T10:10:00.000Z");
    ASSERT_TRUE(t.build_ms);
    EXPECT_EQ(*t.build_ms, 9 * 60 * 1000);
    // The kernel and image: from the first transfer's start to the last's end.
    EXPECT_EQ(t.spans[3].start, "2026-12-02T10:01:02.000Z");
    EXPECT_EQ(t.spans[3].end, "2026-12-02T10:01:30.000Z");
    EXPECT_EQ(t.spans[3].bytes, 88000000);
    // An installer step lasts until the next one begins.
    EXPECT_EQ(t.spans[5].ms, 60000);
    EXPECT_EQ(t.phase_ms.front().first, "dhcp");
    EXPECT_EQ(t.outcome, "success");
}

TEST(Timeline, APostedLogIsNoPhaseAndAFailureIsTheOutcome)
{
    auto events = a_build();
    events.resize(11);  // up to the install step
    events.push_back(ev("2026-12-02T10:04:00.000Z", "agent", "log"));
    auto failed = ev("2026-12-02T10:04:00.100Z", "agent", "install");
    failed.final = inventory::Final::failure;
    events.push_back(failed);
    const auto t = build_timeline(events);
    for (const auto& s : t.spans) {
        EXPECT_NE(s.phase, "log");
    }
    EXPECT_EQ(t.spans.back().phase, "report");
    EXPECT_EQ(t.outcome, "failure");
}

TEST(Timeline, ARunningBuildHasNoDurationAndANewBuildStartsAfresh)
{
    auto events = a_build();
    events.resize(10);  // up to the partition step
    auto t = build_timeline(events);
    EXPECT_FALSE(t.build_ms);
    EXPECT_TRUE(t.finished.empty());
    EXPECT_EQ(t.spans.back().phase, "partition");

    // Reinstalled the next day: the timeline is the new build's.
    events = a_build();
    events.push_back(ev("2026-12-03T09:00:00.000Z", "admin", ""));
    events.push_back(ev("2026-12-03T09:05:00.000Z", "dhcp", "dhcp"));
    events.push_back(ev("2026-12-03T09:05:01.000Z", "server", "boot"));
    t = build_timeline(events);
    ASSERT_FALSE(t.spans.empty());
    EXPECT_EQ(t.started, "2026-12-03T09:05:00.000Z");
    EXPECT_FALSE(t.build_ms);
}

TEST(Durations, AreWrittenForPeople)
{
    EXPECT_EQ(format_duration(1234), "1.2 s");
    EXPECT_EQ(format_duration(45000), "45 s");
    EXPECT_EQ(format_duration(185000), "3 min 5 s");
    EXPECT_EQ(format_duration(3720000), "1 h 2 min");
}

TEST(Stalls, OnlyBootingOrInstallingHostsSilentForLongerThanTheLimit)
{
    const auto now = *inventory::parse_utc("2026-12-02T11:00:00.000Z");
    std::vector<inventory::Inventory::Activity> hosts{
        {"52:54:00:00:00:01", inventory::HostState::installing, "2026-12-02T10:30:00.000Z", ""},
        {"52:54:00:00:00:02", inventory::HostState::installing, "2026-12-02T10:50:00.000Z", ""},
        {"52:54:00:00:00:03", inventory::HostState::installed, "2026-12-01T10:00:00.000Z", ""},
        {"52:54:00:00:00:04", inventory::HostState::booting, "2026-12-02T10:00:00.000Z", "2026-12-02T10:25:00.000Z"},
        {"52:54:00:00:00:05", inventory::HostState::booting, "2026-12-02T10:39:59.000Z", ""},
    };
    const auto stalls = find_stalls(hosts, now, 20min);
    ASSERT_EQ(stalls.size(), 2U);
    EXPECT_EQ(stalls[0].mac, "52:54:00:00:00:01");
    EXPECT_EQ(stalls[1].mac, "52:54:00:00:00:05");
    EXPECT_EQ(stalls[0].event.step, "stalled");
    EXPECT_NE(stalls[0].event.message.find("30 min"), std::string::npos) << stalls[0].event.message;
}

class Activity : public test::OnEachInventoryBackend {
protected:
    Activity()
    {
        inventory::Host h;
        h.mac = mac;
        h.state = inventory::HostState::installing;
        inventory_.add(h);
    }
    static constexpr const char* mac = "52:54:00:12:34:56";
    std::unique_ptr<inventory::Inventory> opened_ = place_.open(50);
    inventory::Inventory& inventory_ = *opened_;
};

TEST_P(Activity, AStallIsMarkedOnceCountedApartAndClearedByTheNextEvent)
{
    Event stall;
    stall.source = "server";
    stall.step = "stalled";
    stall.message = "silent";
    EXPECT_TRUE(inventory_.mark_stalled(mac, stall));
    EXPECT_FALSE(inventory_.mark_stalled(mac, stall)) << "once";
    EXPECT_EQ(inventory_.count_stalled(), 1U);
    EXPECT_EQ(inventory_.count_by_state().count(inventory::HostState::installing), 0U);
    EXPECT_FALSE(inventory_.activity().front().stalled_since.empty());
    inventory_.add_event(mac, ev("", "agent", "install"));
    EXPECT_EQ(inventory_.count_stalled(), 0U);
    EXPECT_EQ(inventory_.count_by_state().at(inventory::HostState::installing), 1U);
    EXPECT_TRUE(inventory_.activity().front().stalled_since.empty());
}

TEST_P(Activity, TheLastLogIsKeptWithTheHostAndGoesWithIt)
{
    EXPECT_FALSE(inventory_.log(mac));
    inventory_.put_log(mac, {"", "agent", "first"});
    inventory_.put_log(mac, {"", "installer", "line 1\nline 2\n"});
    const auto log = inventory_.log(mac);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->source, "installer");
    EXPECT_EQ(log->text, "line 1\nline 2\n");
    EXPECT_TRUE(inventory::parse_utc(log->at));
    EXPECT_TRUE(inventory_.remove(mac));
    EXPECT_FALSE(inventory_.log(mac));
}

TEST_P(Activity, TenThousandFetchesFromOneHostStayBounded)
{
    BootEventRecorder recorder(inventory_);
    const auto address = boost::asio::ip::make_address("10.0.0.5");
    // Its lease ties the address to the host (full DHCP).
    ASSERT_TRUE(inventory_.store_lease({0x0a000005, mac, 0, "bound"}, 0));
    for (int i = 0; i < 10000; ++i) {
        Fetch f;
        f.client = address;
        f.protocol = "tftp";
        f.step = "loader";
        f.what = i % 2 == 0 ? "pxelinux.0" : "ldlinux.c32";  // alternating: never coalesced
        f.bytes = 100;
        recorder.record(std::move(f));
        if (i % 1000 == 999) {
            recorder.flush();
        }
    }
    EXPECT_EQ(recorder.recorded(), 10000U);
    EXPECT_EQ(inventory_.events(mac, 100000).size(), 50U) << "--events-keep";

    // The same file again and again is one event with a count.
    for (int i = 0; i < 1000; ++i) {
        Fetch f;
        f.client = address;
        f.protocol = "tftp";
        f.step = "kernel";
        f.what = "xen.gz";
        f.bytes = i;
        recorder.record(std::move(f));
    }
    recorder.flush();
    const auto events = inventory_.events(mac, 100000);
    EXPECT_EQ(events.size(), 50U);
    EXPECT_EQ(events.back().repeats, 1000);
    EXPECT_EQ(events.back().bytes, 999) << "the latest";

    // An address nobody tied to a host records nothing.
    Fetch stranger;
    stranger.client = boost::asio::ip::make_address("10.0.0.99");
    stranger.protocol = "tftp";
    stranger.step = "loader";
    stranger.what = "pxelinux.0";
    recorder.record(stranger);
    recorder.flush();
    EXPECT_EQ(recorder.recorded(), 11000U);
}

TEST_P(Activity, AnAddressIsTiedByDhcpOrByAPerMacConfigFetch)
{
    BootEventRecorder recorder(inventory_);
    Fetch dhcp;
    dhcp.client = boost::asio::ip::make_address("10.0.0.7");
    dhcp.mac = mac;
    dhcp.protocol = "dhcp";
    dhcp.step = "dhcp";
    dhcp.what = "ack 10.0.0.7";
    recorder.record(dhcp);
    Fetch tftp;
    tftp.client = dhcp.client;
    tftp.protocol = "tftp";
    tftp.step = "loader";
    tftp.what = "pxelinux.0";
    recorder.record(tftp);
    recorder.tie(boost::asio::ip::make_address("10.0.0.8"), mac);
    tftp.client = boost::asio::ip::make_address("10.0.0.8");
    tftp.what = "ldlinux.c32";
    recorder.record(tftp);
    recorder.flush();
    const auto events = inventory_.events(mac);
    ASSERT_EQ(events.size(), 4U);  // after "added"
    EXPECT_EQ(events[1].source, "dhcp");
    EXPECT_EQ(events[2].message, "tftp pxelinux.0");
    EXPECT_EQ(events[3].message, "tftp ldlinux.c32");
}

XCP_ON_BOTH_INVENTORY_BACKENDS(Activity);

}  // namespace
}  // namespace xcp::service
