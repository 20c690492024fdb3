#pragma once

#include "server/inventory/host.hpp"
#include "server/inventory/release.hpp"
#include "server/inventory/database.hpp"
#include "server/inventory/timestamp.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace xcp::inventory {

// The hosts and their events, in `<state-dir>/inventory.sqlite` or in a
// PostgreSQL database several servers share. Every call is its own
// transaction and reads what is stored, so the daemon, the CLI and other
// servers see each other's changes at once; nothing is cached here. (The
// service keeps answerfiles only while a watch of the SQLite file's
// directory says nothing was written: ready_answerfiles.hpp.)
class Inventory {
public:
    static constexpr std::size_t default_events_keep = 500;
    // SQLite in the state directory, which is created (0700) when missing.
    // Keeps the newest `events_keep` events of each host.
    explicit Inventory(const std::filesystem::path& state_dir, std::size_t events_keep = default_events_keep);
    // Creates the schema when missing, migrates an older one, and refuses a
    // newer one (InventoryError). With `Reach::later`, a database that
    // cannot be reached yet is migrated at the first call that reaches it;
    // until then every call throws InventoryUnavailable.
    explicit Inventory(std::unique_ptr<Database> database, std::size_t events_keep = default_events_keep,
                       Reach reach = Reach::now);
    ~Inventory();
    Inventory(const Inventory&) = delete;
    Inventory& operator=(const Inventory&) = delete;

    // Throws InventoryError when the MAC is already there.
    void add(const Host& host);
    // All in one transaction: every host is added, or (on a MAC already
    // there, or a kill) none is.
    void add_all(const std::vector<Host>& hosts);
    [[nodiscard]] std::optional<Host> find(std::string_view mac);
    [[nodiscard]] std::optional<Host> find_by_token(std::string_view token);
    [[nodiscard]] std::vector<Host> list();
    // Reads, changes and writes one host in one transaction; false if unknown.
    // `change` may also return the event to log with it; `log` replaces the
    // host's failure log in the same transaction.
    bool update(std::string_view mac, const std::function<std::optional<Event>(Host&)>& change,
                const HostLog* log = nullptr);
    bool remove(std::string_view mac);

    void add_event(std::string_view mac, Event event);
    // Many events in one transaction (the boot fetches of a busy second);
    // those of MACs not in the inventory are dropped. Returns how many were kept.
    std::size_t add_events(const std::vector<std::pair<std::string, Event>>& events);

    // What stall detection reads: each host's state, its newest event's time
    // and, when it is marked stalled, since when.
    struct Activity {
        std::string mac;
        HostState state = HostState::new_;
        std::string last_event;     // ISO 8601, empty if none
        std::string stalled_since;  // empty: not stalled
        std::int64_t last_event_id = 0;  // with last_event: changes whenever the host's events do
    };
    [[nodiscard]] std::vector<Activity> activity();
    // Logs `event` and marks the host stalled until its next event; false if
    // it is unknown or already stalled.
    bool mark_stalled(std::string_view mac, const Event& event);
    [[nodiscard]] std::size_t count_stalled();

    // The last failure log a host posted (one per host, replaced by a newer one).
    void put_log(std::string_view mac, const HostLog& log);
    [[nodiscard]] std::optional<HostLog> log(std::string_view mac);
    [[nodiscard]] std::vector<Event> events(std::string_view mac, std::size_t limit = 1000);
    // Stalled hosts are left out of their state's count (see count_stalled).
    [[nodiscard]] std::map<HostState, std::size_t> count_by_state();

    // DHCP leases (full mode), kept with the hosts so that they survive
    // restarts.
    struct LeaseRecord {
        std::uint32_t ip = 0;  // host byte order
        std::string mac;
        std::int64_t expires = 0;
        std::string state;
    };
    [[nodiscard]] std::vector<LeaseRecord> leases();
    // False, and nothing written, when the address is another MAC's lease or
    // offer that has not run out by `now` (seconds since the epoch): with
    // several servers, the database is what keeps one address to one MAC.
    [[nodiscard]] bool store_lease(const LeaseRecord& lease, std::int64_t now);
    // Several changes in one transaction, in order (full DHCP's group commit):
    // for each, whether its lease was stored (true when it stores none).
    struct LeaseChange {
        std::optional<std::uint32_t> forget;
        std::optional<LeaseRecord> store;
    };
    [[nodiscard]] std::vector<bool> change_leases(const std::vector<LeaseChange>& changes, std::int64_t now);
    // The leases on addresses first..last, through the primary key.
    [[nodiscard]] std::vector<LeaseRecord> leases_between(std::uint32_t first, std::uint32_t last);
    // Hosts' `ip` settings, full DHCP's reservations: every host's (MAC ->
    // address as written), or one host's.
    [[nodiscard]] std::map<std::string, std::string> fixed_addresses();
    [[nodiscard]] std::optional<std::string> fixed_address(std::string_view mac);
    // The IPv4 address (dotted) our DHCP offered or leased to this MAC.
    [[nodiscard]] std::optional<std::string> lease_of(std::string_view mac);
    // Whose lease this address (host byte order) is.
    [[nodiscard]] std::optional<std::string> mac_of_lease(std::uint32_t ip);

    // Releases: one row each, replaced whole by a new import of the same name.
    void put_release(const Release& release);
    [[nodiscard]] std::optional<Release> find_release(std::string_view name);
    [[nodiscard]] std::vector<Release> releases();
    // Throws InventoryError, naming the hosts, while any host is set to it;
    // false when there is no such release.
    bool remove_release(std::string_view name);

    // A server records itself (name, segment, address), with a heartbeat;
    // from then on every event this inventory stores carries its name, and a
    // host's own events mark it seen by this server. Registered again under
    // the same name (a restart), the record is replaced. When the write
    // fails, the name still signs events and heartbeat() writes the record.
    void register_server(const ServerRecord& server);
    void heartbeat();
    // Signs this connection's events with a server's name (a second
    // connection of a server that registered through its first).
    void sign_as(std::string name) { server_ = std::move(name); }
    [[nodiscard]] std::vector<ServerRecord> servers();

    [[nodiscard]] DatabaseHealth health() const { return db_ptr_->health(); }
    // "inventory /var/lib/xcp-pxe/inventory.sqlite", "inventory postgresql://db1/xcp".
    [[nodiscard]] const std::string& name() const { return db_ptr_->name(); }

private:
    void write_host(const Host& host, bool insert);
    void insert_new(const Host& host);
    void insert_event(std::string_view mac, const Event& event);
    void insert_log(std::string_view mac, const HostLog& log);
    bool put_lease(const LeaseRecord& lease, std::int64_t now);

    // The database, its schema migrated first if that has not been done.
    Database& db();

    std::unique_ptr<Database> db_ptr_;
    bool migrated_ = false;
    std::size_t events_keep_;
    std::string server_;  // this server's name; empty in the CLI
    std::optional<ServerRecord> unregistered_;  // to write when the database answers
};

}  // namespace xcp::inventory
