// The inventory: host state transitions (pure), settings checks, and the
// SQLite store with two writers at once.
#include "server/inventory/host_state.hpp"
#include "server/inventory/host_vars.hpp"
#include "server/inventory/inventory.hpp"
#include "server/inventory/location.hpp"
#include "server/inventory/secrets.hpp"
#include "tests/support/inventory_backends.hpp"
#include "tests/support/process.hpp"

#include <crypt.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

namespace xcp::inventory {
namespace {

Host installing_host()
{
    Host h;
    h.mac = "52:54:00:12:34:56";
    return request_install(h, NextMode::install, "0123456789abcdef0123456789abcdef");
}

TEST(HostState, ProgressThenSuccessEndsTheInstallRequest)
{
    auto h = mark_booting(installing_host());
    EXPECT_EQ(h.state, HostState::booting);
    EXPECT_TRUE(h.install_requested());
    h = apply_event(h, Event{0, {}, "agent", "partition", 12, "", std::nullopt});
    EXPECT_EQ(h.state, HostState::installing);
    EXPECT_EQ(h.percent, 12);
    EXPECT_EQ(h.step, "partition");
    h = apply_event(h, Event{0, {}, "agent", "", 150, "", std::nullopt});
    EXPECT_EQ(h.percent, 100) << "clamped";
    h = apply_event(h, Event{0, {}, "agent", "done", std::nullopt, "", Final::success});
    EXPECT_EQ(h.state, HostState::installed);
    EXPECT_FALSE(h.netboot);
    EXPECT_EQ(h.next_mode, NextMode::none);
    EXPECT_FALSE(h.token);
    EXPECT_FALSE(h.install_requested());
}

TEST(HostState, FailureStopsTheLoopAndKeepsTheReason)
{
    auto h = apply_event(installing_host(), Event{0, {}, "installer", "", std::nullopt, "disk sdb missing", Final::failure});
    EXPECT_EQ(h.state, HostState::failed);
    EXPECT_EQ(h.reason, "disk sdb missing");
    EXPECT_FALSE(h.install_requested());
    h = request_install(h, NextMode::reinstall, "ffffffffffffffffffffffffffffffff");
    EXPECT_EQ(h.state, HostState::new_);
    EXPECT_TRUE(h.reason.empty());
    EXPECT_TRUE(h.install_requested());
    EXPECT_EQ(h.next_mode, NextMode::reinstall);
}

TEST(HostState, TheDiskAnInstallReportsIsKeptOnlyWhenItSucceeds)
{
    auto h = installing_host();
    h.vars["installed-disk"] = "sda";
    h.vars["install-disk"] = "sdb";
    const auto failed = apply_event(h, Event{0, {}, "agent", "", std::nullopt, "no", Final::failure});
    EXPECT_EQ(failed.vars.at("installed-disk"), "sda") << "a failed install proves nothing about sdb";
    EXPECT_FALSE(failed.vars.contains("install-disk"));
    const auto progress = apply_event(h, Event{0, {}, "agent", "mkfs", 50, "", std::nullopt});
    EXPECT_EQ(progress.vars.at("installed-disk"), "sda");
    const auto done = apply_event(h, Event{0, {}, "installer", "", std::nullopt, "", Final::success});
    EXPECT_EQ(done.vars.at("installed-disk"), "sdb");
    EXPECT_FALSE(done.vars.contains("install-disk"));
}

TEST(HostState, BootingDoesNotResetAnInstallInProgress)
{
    auto h = apply_event(installing_host(), Event{0, {}, "agent", "copy", 40, "", std::nullopt});
    h = mark_booting(h);
    EXPECT_EQ(h.state, HostState::installing);
    EXPECT_EQ(h.percent, 40);
}

TEST(HostSettings, CheckedWhenSet)
{
    Host h;
    h.mac = "52:54:00:12:34:56";
    EXPECT_EQ(set_host_value(h, "ip", "10.0.0.5"), "");
    EXPECT_EQ(h.vars["ip"], "10.0.0.5");
    EXPECT_NE(set_host_value(h, "ip", "10.0.0.500"), "");
    EXPECT_NE(set_host_value(h, "netmask", "255.0.255.0"), "");
    EXPECT_EQ(set_host_value(h, "dns", "192.0.2.1, 192.0.2.2"), "");
    EXPECT_NE(set_host_value(h, "dns", "192.0.2.1,nope"), "");
    EXPECT_EQ(set_host_value(h, "guest-disks", "sdb,sdc"), "");
    EXPECT_EQ(set_host_value(h, "hostname", "host-1.example.com"), "");
    EXPECT_EQ(h.hostname, "host-1.example.com");
    EXPECT_NE(set_host_value(h, "hostname", "bad_name!"), "");
    EXPECT_EQ(set_host_value(h, "netboot", "no"), "");
    EXPECT_FALSE(h.netboot);
    EXPECT_NE(set_host_value(h, "profile", "../etc"), "");
    EXPECT_NE(set_host_value(h, "release", "a/b"), "");
    EXPECT_NE(set_host_value(h, "vlan", "4095"), "");
    const auto unknown = set_host_value(h, "primary_disk", "sda");
    EXPECT_NE(unknown.find("did you mean 'primary-disk'"), std::string::npos) << unknown;
    EXPECT_EQ(set_host_value(h, "ip", ""), "");
    EXPECT_FALSE(h.vars.contains("ip")) << "an empty value removes the setting";
}

TEST(HostSettings, PlainPasswordIsStoredOnlyAsItsHash)
{
    Host h;
    EXPECT_EQ(set_host_value(h, "root-password", "hunter2-secret"), "");
    EXPECT_FALSE(h.vars.contains("root-password"));
    const auto hash = h.vars.at("root-password-hash");
    EXPECT_TRUE(hash.starts_with("$6$")) << hash;
    EXPECT_EQ(hash.find("hunter2"), std::string::npos);
    crypt_data data{};
    EXPECT_EQ(std::string(crypt_rn("hunter2-secret", hash.c_str(), &data, sizeof data)), hash);
    const auto refused = set_host_value(h, "root-password-hash", "hunter2-secret");
    EXPECT_NE(refused, "");
    EXPECT_EQ(refused.find("hunter2"), std::string::npos) << "a wrong hash is never echoed: " << refused;
}

TEST(Secrets, TokensAreRandomHex)
{
    const auto a = new_token();
    const auto b = new_token();
    EXPECT_EQ(a.size(), 32U);
    EXPECT_NE(a, b);
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_TRUE(equal_secrets(a, a));
    EXPECT_FALSE(equal_secrets(a, b));
    EXPECT_FALSE(equal_secrets(a, a.substr(1)));
}

class InventoryStore : public test::OnEachInventoryBackend {};

TEST_P(InventoryStore, StoresFindsUpdatesAndRemoves)
{
    auto opened = place_.open();
    auto& inv = *opened;
    auto h = installing_host();
    h.vars["ip"] = "10.0.0.5";
    inv.add(h);
    EXPECT_THROW(inv.add(h), InventoryError);
    auto found = inv.find(h.mac);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->vars.at("ip"), "10.0.0.5");
    EXPECT_EQ(found->token, h.token);
    EXPECT_EQ(inv.find_by_token(*h.token)->mac, h.mac);
    EXPECT_FALSE(inv.find_by_token(""));
    EXPECT_TRUE(inv.update(h.mac, [](Host& x) {
        x = apply_event(x, Event{0, {}, "agent", "", std::nullopt, "", Final::success});
        return std::optional(Event{0, {}, "agent", "done", 100, "ok", Final::success});
    }));
    EXPECT_FALSE(inv.find_by_token(*h.token)) << "the token dies with the install request";
    EXPECT_EQ(inv.find(h.mac)->state, HostState::installed);
    const auto events = inv.events(h.mac);
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events.back().final, Final::success);
    EXPECT_EQ(inv.count_by_state()[HostState::installed], 1U);
    EXPECT_FALSE(inv.update("00:00:00:00:00:01", [](Host&) { return std::optional<Event>(); }));
    EXPECT_TRUE(inv.remove(h.mac));
    EXPECT_FALSE(inv.remove(h.mac));
    EXPECT_TRUE(inv.events(h.mac).empty()) << "events go with their host";
}

TEST_P(InventoryStore, TwoWritersAtOnceLoseNothing)
{
    place_.open()->add(installing_host());
    constexpr int per_writer = 100;
    auto writer = [&](const char* who) {
        auto opened = place_.open();
        auto& inv = *opened;
        for (int i = 0; i < per_writer; ++i) {
            inv.update("52:54:00:12:34:56", [&](Host& h) {
                h.vars["counter"] = std::to_string(std::stoi(h.vars.contains("counter") ? h.vars["counter"] : "0") + 1);
                return std::optional(Event{0, {}, who, "", std::nullopt, "tick " + std::to_string(i), std::nullopt});
            });
        }
    };
    std::thread a(writer, "a");
    std::thread b(writer, "b");
    a.join();
    b.join();
    auto opened = place_.open();
    auto& inv = *opened;
    EXPECT_EQ(inv.find("52:54:00:12:34:56")->vars.at("counter"), std::to_string(2 * per_writer));
    EXPECT_EQ(inv.events("52:54:00:12:34:56", 10000).size(), 1U + 2 * per_writer);
}

// A repeat of a host's last event is counted, not stored; a host keeps its
// newest events_keep.
TEST_P(InventoryStore, EventsAreCoalescedAndBounded)
{
    auto opened = place_.open(10);
    auto& inv = *opened;
    inv.add(installing_host());
    const auto mac = std::string("52:54:00:12:34:56");
    Event same{0, {}, "agent", "fetch", 5, "again", std::nullopt};
    for (int i = 0; i < 30; ++i) {
        inv.add_event(mac, same);
    }
    auto events = inv.events(mac);
    ASSERT_EQ(events.size(), 2U);  // "added", then the repeated one
    EXPECT_EQ(events.back().repeats, 30);
    same.percent = 6;
    inv.add_event(mac, same);
    EXPECT_EQ(inv.events(mac).size(), 3U) << "another percent is another event";
    for (int i = 0; i < 25; ++i) {
        inv.add_event(mac, Event{0, {}, "agent", "s" + std::to_string(i), std::nullopt, "", std::nullopt});
    }
    events = inv.events(mac);
    ASSERT_EQ(events.size(), 10U);
    EXPECT_EQ(events.back().step, "s24");
    EXPECT_EQ(events.front().step, "s15");
}

// Schema 4 as the previous release left it: no servers, events without
// their server, hosts without seen_by. Opened by this one, it is migrated,
// and what it held is kept.
TEST_P(InventoryStore, ThePreviousSchemaIsMigratedAndANewerOneRefused)
{
    place_.open()->add(installing_host());
    {
        auto db = place_.database();
        db->execute("DROP TABLE servers");
        db->execute("ALTER TABLE events DROP COLUMN server");
        db->execute("ALTER TABLE hosts DROP COLUMN seen_by");
        db->set_schema_version(4);
        ASSERT_FALSE(db->has_column("hosts", "seen_by"));
    }
    {
        auto inv = place_.open();
        EXPECT_EQ(place_.database()->schema_version(), 5);
        EXPECT_TRUE(place_.database()->has_column("hosts", "seen_by"));
        EXPECT_TRUE(place_.database()->has_column("events", "server"));
        ASSERT_TRUE(inv->find("52:54:00:12:34:56"));
        EXPECT_EQ(inv->events("52:54:00:12:34:56").size(), 1U);
        inv->register_server({"pxe-a", "rack 1", "http://10.0.0.1", "", ""});
        EXPECT_EQ(inv->servers().size(), 1U);
    }
    place_.database()->set_schema_version(6);
    try {
        const auto refused = place_.open();
        ADD_FAILURE() << "a newer schema was opened";
    } catch (const InventoryError& e) {
        EXPECT_NE(std::string(e.what()).find("was written by a newer xcp-pxe (schema 6, this one knows 5)"),
                  std::string::npos)
            << e.what();
    }
}

// Two servers on one inventory: each registers, each event says which server
// recorded it, and a host is seen by whichever it reached last.
TEST_P(InventoryStore, EachServerRegistersAndSignsWhatItRecords)
{
    auto a = place_.open();
    auto b = place_.open();
    auto cli = place_.open();
    a->register_server({"pxe-a", "rack 1", "http://10.0.1.1", "", ""});
    b->register_server({"pxe-b", "rack 2", "http://10.0.2.1", "", ""});
    cli->add(installing_host());
    const std::string mac = "52:54:00:12:34:56";
    EXPECT_EQ(cli->find(mac)->seen_by, "") << "the operator's add is no sign of the host";
    a->add_event(mac, Event{0, {}, "tftp", "loader", std::nullopt, "tftp pxelinux.0", std::nullopt});
    EXPECT_EQ(cli->find(mac)->seen_by, "pxe-a");
    b->update(mac, [](Host& h) {
        h = apply_event(h, Event{0, {}, "agent", "partition", 10, "", std::nullopt});
        return std::optional(Event{0, {}, "agent", "partition", 10, "", std::nullopt});
    });
    const auto host = cli->find(mac);
    EXPECT_EQ(host->seen_by, "pxe-b");
    EXPECT_EQ(host->state, HostState::installing);
    const auto events = cli->events(mac);
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[0].server, "") << "added by the CLI";
    EXPECT_EQ(events[1].server, "pxe-a");
    EXPECT_EQ(events[2].server, "pxe-b");
    a->add_event(mac, Event{0, {}, "server", "stalled", std::nullopt, "silent", std::nullopt});
    EXPECT_EQ(cli->find(mac)->seen_by, "pxe-b") << "a server's own check is no sign of the host";

    const auto servers = cli->servers();
    ASSERT_EQ(servers.size(), 2U);
    EXPECT_EQ(servers[0].name, "pxe-a");
    EXPECT_EQ(servers[1].segment, "rack 2");
    EXPECT_EQ(servers[1].address, "http://10.0.2.1");
    EXPECT_TRUE(parse_utc(servers[0].heartbeat));
    const auto before = servers[0].heartbeat;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    a->heartbeat();
    EXPECT_GT(cli->servers()[0].heartbeat, before);
}

// Two servers whose ranges overlap, each deciding from what it read: the
// database takes an address only from nobody, from the same MAC, or from a
// lease that has run out.
TEST_P(InventoryStore, TheDatabaseNeverLeasesOneAddressToTwoMacs)
{
    auto a = place_.open();
    auto b = place_.open();
    const std::uint32_t ip = 0x0a4d0064;  // 10.77.0.100
    const std::int64_t now = 1'000'000;
    ASSERT_TRUE(a->store_lease({ip, "52:54:00:00:00:01", now + 60, "offered"}, now));
    EXPECT_FALSE(b->store_lease({ip, "52:54:00:00:00:02", now + 60, "offered"}, now)) << "B's view was stale";
    EXPECT_EQ(a->mac_of_lease(ip), "52:54:00:00:00:01");
    EXPECT_TRUE(a->store_lease({ip, "52:54:00:00:00:01", now + 3600, "bound"}, now)) << "the same MAC renews";
    ASSERT_TRUE(b->store_lease({ip + 1, "52:54:00:00:00:02", now + 60, "offered"}, now));
    EXPECT_FALSE(b->store_lease({ip, "52:54:00:00:00:02", now + 60, "offered"}, now + 3599));
    EXPECT_EQ(b->lease_of("52:54:00:00:00:02"), "10.77.0.101") << "a refused store changes nothing";
    EXPECT_TRUE(b->store_lease({ip, "52:54:00:00:00:02", now + 7200, "offered"}, now + 3600)) << "run out";
    EXPECT_EQ(a->mac_of_lease(ip), "52:54:00:00:00:02");
    EXPECT_EQ(a->lease_of("52:54:00:00:00:02"), "10.77.0.100") << "one address per MAC: its older offer went";

    // Many at once from both: every address ends up with exactly one MAC.
    std::vector<std::thread> writers;
    std::atomic<int> stored{0};
    for (int w = 0; w < 2; ++w) {
        writers.emplace_back([&, w] {
            auto inv = place_.open();
            for (int i = 0; i < 40; ++i) {
                const auto mac = "52:54:00:01:0" + std::to_string(w) + ":" + (i < 10 ? "0" : "") + std::to_string(i);
                if (inv->store_lease({ip + 10 + static_cast<std::uint32_t>(i % 20), mac, now + 60, "offered"}, now)) {
                    ++stored;
                }
            }
        });
    }
    for (auto& t : writers) {
        t.join();
    }
    std::set<std::uint32_t> addresses;
    for (const auto& l : a->leases()) {
        EXPECT_TRUE(addresses.insert(l.ip).second) << "address twice";
    }
    EXPECT_EQ(stored.load(), 20) << "twenty addresses, each taken once";
}

// Full DHCP's group commit: several requests' changes in one transaction,
// each refused or stored on its own, and the range and reservations read
// through their indexes.
TEST_P(InventoryStore, LeaseChangesCommitTogetherEachRefusedOnItsOwn)
{
    auto a = place_.open();
    auto b = place_.open();
    const std::uint32_t ip = 0x0a4d0064;
    const std::int64_t now = 1'000'000;
    ASSERT_TRUE(b->store_lease({ip + 1, "52:54:00:00:00:0b", now + 60, "offered"}, now));
    const auto stored = a->change_leases({{std::nullopt, Inventory::LeaseRecord{ip, "52:54:00:00:00:01", now + 60, "offered"}},
                                          {std::nullopt, Inventory::LeaseRecord{ip + 1, "52:54:00:00:00:02", now + 60, "offered"}},
                                          {std::nullopt, Inventory::LeaseRecord{ip + 2, "52:54:00:00:00:03", now + 60, "offered"}},
                                          {ip + 2, std::nullopt}},
                                         now);
    EXPECT_EQ(stored, (std::vector<bool>{true, false, true, true})) << "B holds .101";
    const auto range = a->leases_between(ip, ip + 10);
    ASSERT_EQ(range.size(), 2U) << ".102 was stored, then forgotten in the same transaction";
    EXPECT_EQ(range[0].mac, "52:54:00:00:00:01");
    EXPECT_EQ(range[1].mac, "52:54:00:00:00:0b");
    EXPECT_TRUE(a->leases_between(ip + 2, ip + 10).empty());

    Host h;
    h.mac = "52:54:00:00:00:aa";
    h.profile = "default";
    h.vars["ip"] = "10.77.0.120";
    a->add(h);
    h.mac = "52:54:00:00:00:bb";
    h.vars.clear();
    h.vars["hostname"] = "ip";
    a->add(h);
    EXPECT_EQ(b->fixed_addresses(), (std::map<std::string, std::string>{{"52:54:00:00:00:aa", "10.77.0.120"}}))
        << "only hosts whose `ip` is set, whatever else mentions ip";
    EXPECT_EQ(b->fixed_address("52:54:00:00:00:aa"), "10.77.0.120");
    EXPECT_EQ(b->fixed_address("52:54:00:00:00:bb"), std::nullopt);
    EXPECT_EQ(b->fixed_address("52:54:00:00:00:cc"), std::nullopt);
}

XCP_ON_BOTH_INVENTORY_BACKENDS(InventoryStore);

}  // namespace
}  // namespace xcp::inventory

namespace xcp::inventory {
namespace {

// --inventory as an operator may mistype it: one sentence each, and what
// logs show never holds the password.
TEST(InventoryLocation, EachFormIsReadAndAnythingElseIsOneSentence)
{
    EXPECT_EQ(parse_location("", "/var/lib/xcp-pxe").file, "/var/lib/xcp-pxe/inventory.sqlite");
    EXPECT_EQ(parse_location("sqlite:///srv/inv.sqlite", "/x").file, "/srv/inv.sqlite");
    const auto pg = parse_location("postgresql://xcp:s3cret@db1/xcp?sslmode=require&password=other#frag", "/x");
    EXPECT_EQ(pg.backend, Location::Backend::postgresql);
    EXPECT_TRUE(pg.has_password);
    EXPECT_EQ(pg.shown, "postgresql://xcp@db1/xcp?sslmode=require");
    EXPECT_FALSE(parse_location("postgres:///xcp?host=/run/postgresql&user=xcp", "/x").has_password);
    for (const auto* bad : {"mysql://db1/xcp", "sqlite:relative.sqlite", "/var/lib/inv.sqlite", "postgresql://[bad"}) {
        try {
            (void)parse_location(bad, "/x");
            ADD_FAILURE() << bad << " was taken";
        } catch (const InventoryError& e) {
            EXPECT_NE(std::string(e.what()).find("--inventory"), std::string::npos) << e.what();
            EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace xcp::inventory
