#include "server/inventory/inventory.hpp"

#include "server/inventory/location.hpp"
#include "server/inventory/schema.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>


#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <system_error>

namespace xcp::inventory {
namespace {

// Events that come from the host (its boot, its installer, a config served
// to it), as opposed to the operator's changes or the server's finding it
// stalled: they say which server the host reached.
bool heard_from_host(const Event& e)
{
    return e.source != "admin" && e.step != "stalled";
}

constexpr const char* release_columns =
    "name, kind, product, version, build, era, xen, kernel, image, efi, repository, identity, digest, checksums, imported";

Release read_release(const Statement& s)
{
    Release r;
    r.name = s.text(0);
    r.kind = s.text(1);
    r.product = s.text(2);
    r.version = s.text(3);
    r.build = s.text(4);
    r.era = s.text(5);
    r.xen = s.text(6);
    r.kernel = s.text(7);
    r.image = s.text(8);
    r.efi = s.integer(9) != 0;
    r.repository = s.text(10);
    r.identity = s.text(11);
    r.digest = s.text(12);
    const auto sums = nlohmann::json::parse(s.text(13), nullptr, false);
    if (sums.is_object()) {
        for (const auto& [path, sum] : sums.items()) {
            if (sum.is_string()) {
                r.checksums[path] = sum.get<std::string>();
            }
        }
    }
    r.imported = s.text(14);
    return r;
}

// seen_by last: written only as events arrive, never by write_host.
constexpr const char* host_columns =
    "mac, hostname, profile, vars, next_mode, netboot, state, percent, step, reason, release, token, created, updated, "
    "seen_by";
constexpr const char* written_host_columns =
    "mac, hostname, profile, vars, next_mode, netboot, state, percent, step, reason, release, token, created, updated";

Host read_host(const Statement& s, const std::string& inventory)
{
    Host h;
    h.mac = s.text(0);
    h.hostname = s.text(1);
    h.profile = s.text(2);
    const auto vars = nlohmann::json::parse(s.text(3), nullptr, false);
    if (!vars.is_object()) {
        throw InventoryError(inventory + ": host " + h.mac + " has unreadable variables");
    }
    for (const auto& [key, value] : vars.items()) {
        if (value.is_string()) {
            h.vars[key] = value.get<std::string>();
        }
    }
    h.next_mode = next_mode_from(s.text(4)).value_or(NextMode::none);
    h.netboot = s.integer(5) != 0;
    h.state = host_state_from(s.text(6)).value_or(HostState::new_);
    if (const auto p = s.optional_integer(7)) {
        h.percent = static_cast<int>(*p);
    }
    h.step = s.text(8);
    h.reason = s.text(9);
    h.release = s.text(10);
    h.token = s.optional_text(11);
    h.created = s.text(12);
    h.updated = s.text(13);
    h.seen_by = s.text(14);
    return h;
}

}  // namespace

Inventory::Inventory(const std::filesystem::path& state_dir, std::size_t events_keep)
    : Inventory(open_database(parse_location("", state_dir)), events_keep)
{
}

Inventory::Inventory(std::unique_ptr<Database> database, std::size_t events_keep, Reach reach)
    : db_ptr_(std::move(database)), events_keep_(std::max<std::size_t>(events_keep, 1))
{
    try {
        db();
    } catch (const InventoryUnavailable&) {
        if (reach == Reach::now) {
            throw;
        }
        spdlog::warn("{}: its schema is checked when it answers", name());
    }
}

Database& Inventory::db()
{
    if (!migrated_) {
        migrate(*db_ptr_);
        migrated_ = true;
        if (unregistered_) {  // a server started while its database could not be reached
            register_server(ServerRecord(*unregistered_));
            spdlog::info("{}: this server is registered as {}", name(), server_);
        }
    }
    return *db_ptr_;
}

Inventory::~Inventory() = default;

void Inventory::write_host(const Host& h, bool insert)
{
    nlohmann::json vars = nlohmann::json::object();
    for (const auto& [key, value] : h.vars) {
        vars[key] = value;
    }
    const std::string sql =
        insert ? std::string("INSERT INTO hosts (") + written_host_columns + ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
               : "UPDATE hosts SET hostname=?2, profile=?3, vars=?4, next_mode=?5, netboot=?6, state=?7, percent=?8, "
                 "step=?9, reason=?10, release=?11, token=?12, updated=?13 WHERE mac=?1";
    Statement s(db(), sql);
    const auto now = now_utc();
    s.bind(1, h.mac)
        .bind(2, h.hostname)
        .bind(3, h.profile)
        .bind(4, vars.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .bind(5, to_string(h.next_mode))
        .bind(6, std::int64_t{h.netboot ? 1 : 0})
        .bind(7, to_string(h.state))
        .bind_optional(8, h.percent ? std::optional<std::int64_t>(*h.percent) : std::nullopt)
        .bind(9, h.step)
        .bind(10, h.reason)
        .bind(11, h.release)
        .bind_optional(12, h.token);
    // PostgreSQL types every parameter from where it is used: an update
    // binds none it does not use.
    if (insert) {
        s.bind(13, h.created.empty() ? now : h.created).bind(14, now);
    } else {
        s.bind(13, now);
    }
    s.run();
}

void Inventory::insert_new(const Host& host)
{
    Statement exists(db(), "SELECT 1 FROM hosts WHERE mac=?1");
    exists.bind(1, host.mac);
    if (exists.step()) {
        throw InventoryConflict("host " + host.mac + " is already in the inventory; change it with `host set`");
    }
    write_host(host, true);
    Event e;
    e.source = "admin";
    e.message = "added with profile " + host.profile;
    insert_event(host.mac, e);
}

void Inventory::add(const Host& host)
{
    Transaction t(db());
    insert_new(host);
    t.commit();
}

void Inventory::add_all(const std::vector<Host>& hosts)
{
    Transaction t(db());
    for (const auto& host : hosts) {
        insert_new(host);
    }
    t.commit();
}

std::optional<Host> Inventory::find(std::string_view mac)
{
    Statement s(db(), std::string("SELECT ") + host_columns + " FROM hosts WHERE mac=?1");
    s.bind(1, mac);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_host(s, db().name());
}

std::optional<Host> Inventory::find_by_token(std::string_view token)
{
    if (token.empty()) {
        return std::nullopt;
    }
    Statement s(db(), std::string("SELECT ") + host_columns + " FROM hosts WHERE token=?1");
    s.bind(1, token);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_host(s, db().name());
}

std::vector<Host> Inventory::list()
{
    Statement s(db(), std::string("SELECT ") + host_columns + " FROM hosts ORDER BY mac");
    std::vector<Host> out;
    while (s.step()) {
        out.push_back(read_host(s, db().name()));
    }
    return out;
}

bool Inventory::update(std::string_view mac, const std::function<std::optional<Event>(Host&)>& change,
                       const HostLog* log)
{
    Transaction t(db());
    auto host = find(mac);
    if (!host) {
        return false;
    }
    const auto event = change(*host);
    write_host(*host, false);
    if (log != nullptr) {
        insert_log(mac, *log);
    }
    if (event) {
        insert_event(mac, *event);
    }
    t.commit();
    return true;
}

bool Inventory::remove(std::string_view mac)
{
    Transaction t(db());
    const bool removed = Statement(db(), "DELETE FROM hosts WHERE mac=?1").bind(1, mac).run() > 0;
    t.commit();
    return removed;
}

// The same event as the host's last one (an installer retrying, a boot loop)
// bumps that one's count and time; a host keeps its newest events_keep_:
// nothing a host sends grows the inventory without bound.
void Inventory::insert_event(std::string_view mac, const Event& e)
{
    const auto final_text = e.final ? std::optional<std::string>(std::string(to_string(*e.final))) : std::nullopt;
    Statement last(db(), "SELECT id FROM events WHERE mac=?1 AND id=(SELECT max(id) FROM events WHERE mac=?1) AND "
                        "source=?2 AND step=?3 AND percent IS NOT DISTINCT FROM ?4 AND message=?5 AND final IS NOT DISTINCT FROM ?6");
    last.bind(1, mac)
        .bind(2, e.source)
        .bind(3, e.step)
        .bind_optional(4, e.percent ? std::optional<std::int64_t>(*e.percent) : std::nullopt)
        .bind(5, e.message)
        .bind_optional(6, final_text);
    // Any news of a host ends its stall.
    Statement(db(), "DELETE FROM stalls WHERE mac=?1").bind(1, mac).run();
    if (!server_.empty() && heard_from_host(e)) {
        Statement(db(), "UPDATE hosts SET seen_by=?2 WHERE mac=?1 AND seen_by<>?2").bind(1, mac).bind(2, server_).run();
    }
    if (last.step()) {
        const auto id = last.integer(0);
        Statement(db(), "UPDATE events SET at=?2, repeats=repeats+1, bytes=?3, duration_ms=?4, server=?5 WHERE id=?1")
            .bind(1, id)
            .bind(2, e.at.empty() ? now_utc() : e.at)
            .bind_optional(3, e.bytes)
            .bind_optional(4, e.duration_ms)
            .bind_optional(5, server_.empty() ? std::nullopt : std::optional<std::string>(server_))
            .run();
        return;
    }
    Statement(db(), "DELETE FROM events WHERE mac=?1 AND id<=(SELECT id FROM events WHERE mac=?1 ORDER BY id DESC "
                   "LIMIT 1 OFFSET ?2)")
        .bind(1, mac)
        .bind(2, static_cast<std::int64_t>(events_keep_ - 1))
        .run();
    Statement s(db(), "INSERT INTO events (mac, at, source, step, percent, message, final, bytes, duration_ms, server) "
                     "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)");
    s.bind(1, mac)
        .bind(2, e.at.empty() ? now_utc() : e.at)
        .bind(3, e.source)
        .bind(4, e.step)
        .bind_optional(5, e.percent ? std::optional<std::int64_t>(*e.percent) : std::nullopt)
        .bind(6, e.message)
        .bind_optional(7, e.final ? std::optional<std::string>(std::string(to_string(*e.final))) : std::nullopt)
        .bind_optional(8, e.bytes)
        .bind_optional(9, e.duration_ms)
        .bind_optional(10, server_.empty() ? std::nullopt : std::optional<std::string>(server_));
    s.run();
}

std::size_t Inventory::add_events(const std::vector<std::pair<std::string, Event>>& events)
{
    Transaction t(db());
    std::size_t added = 0;
    for (const auto& [mac, event] : events) {
        Statement exists(db(), "SELECT 1 FROM hosts WHERE mac=?1");
        exists.bind(1, mac);
        if (exists.step()) {
            insert_event(mac, event);
            ++added;
        }
    }
    t.commit();
    return added;
}

std::vector<Inventory::Activity> Inventory::activity()
{
    // The newest event by id is the latest (a repeat updates that row's time):
    // one index lookup per host.
    Statement s(db(), "SELECT h.mac, h.state, (SELECT at FROM events e WHERE e.mac=h.mac ORDER BY id DESC LIMIT 1), "
                     "(SELECT since FROM stalls st WHERE st.mac=h.mac), "
                     "(SELECT id FROM events e WHERE e.mac=h.mac ORDER BY id DESC LIMIT 1) FROM hosts h ORDER BY h.mac");
    std::vector<Activity> out;
    while (s.step()) {
        Activity a;
        a.mac = s.text(0);
        a.state = host_state_from(s.text(1)).value_or(HostState::new_);
        a.last_event = s.optional_text(2).value_or("");
        a.stalled_since = s.optional_text(3).value_or("");
        a.last_event_id = s.optional_integer(4).value_or(0);
        out.push_back(std::move(a));
    }
    return out;
}

bool Inventory::mark_stalled(std::string_view mac, const Event& event)
{
    Transaction t(db());
    Statement exists(db(), "SELECT 1 FROM hosts WHERE mac=?1 AND mac NOT IN (SELECT mac FROM stalls)");
    exists.bind(1, mac);
    if (!exists.step()) {
        return false;
    }
    insert_event(mac, event);
    Statement(db(), "INSERT INTO stalls (mac, since) VALUES (?1, ?2)").bind(1, mac).bind(2, now_utc()).run();
    t.commit();
    return true;
}

void Inventory::insert_log(std::string_view mac, const HostLog& log)
{
    Statement(db(), "INSERT INTO host_logs (mac, at, source, text) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (mac) DO UPDATE SET "
                   "at=excluded.at, source=excluded.source, text=excluded.text")
        .bind(1, mac)
        .bind(2, log.at.empty() ? now_utc() : log.at)
        .bind(3, log.source)
        .bind(4, log.text)
        .run();
}

void Inventory::put_log(std::string_view mac, const HostLog& log)
{
    Transaction t(db());
    insert_log(mac, log);
    t.commit();
}

std::optional<HostLog> Inventory::log(std::string_view mac)
{
    Statement s(db(), "SELECT at, source, text FROM host_logs WHERE mac=?1");
    s.bind(1, mac);
    if (!s.step()) {
        return std::nullopt;
    }
    return HostLog{s.text(0), s.text(1), s.text(2)};
}

std::optional<std::string> Inventory::mac_of_lease(std::uint32_t ip)
{
    Statement s(db(), "SELECT mac FROM leases WHERE ip=?1");
    s.bind(1, static_cast<std::int64_t>(ip));
    if (!s.step()) {
        return std::nullopt;
    }
    return s.text(0);
}

void Inventory::add_event(std::string_view mac, Event event)
{
    Transaction t(db());
    insert_event(mac, event);
    t.commit();
}

std::vector<Event> Inventory::events(std::string_view mac, std::size_t limit)
{
    // The newest `limit`, oldest first.
    Statement s(db(), "SELECT id, at, source, step, percent, message, final, repeats, bytes, duration_ms, server FROM "
                     "(SELECT * FROM events WHERE mac=?1 ORDER BY id DESC LIMIT ?2) AS newest ORDER BY id");
    s.bind(1, mac).bind(2, static_cast<std::int64_t>(limit));
    std::vector<Event> out;
    while (s.step()) {
        Event e;
        e.id = s.integer(0);
        e.at = s.text(1);
        e.source = s.text(2);
        e.step = s.text(3);
        if (const auto p = s.optional_integer(4)) {
            e.percent = static_cast<int>(*p);
        }
        e.message = s.text(5);
        if (const auto f = s.optional_text(6)) {
            e.final = *f == "success" ? Final::success : Final::failure;
        }
        e.repeats = s.integer(7);
        e.bytes = s.optional_integer(8);
        e.duration_ms = s.optional_integer(9);
        e.server = s.optional_text(10).value_or("");
        out.push_back(std::move(e));
    }
    return out;
}

void Inventory::put_release(const Release& r)
{
    nlohmann::json sums = nlohmann::json::object();
    for (const auto& [path, sum] : r.checksums) {
        sums[path] = sum;
    }
    Transaction t(db());
    Statement s(db(), std::string("INSERT INTO releases (") + release_columns +
                         ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15) ON CONFLICT (name) DO UPDATE SET "
                         "kind=excluded.kind, product=excluded.product, version=excluded.version, "
                         "build=excluded.build, era=excluded.era, xen=excluded.xen, kernel=excluded.kernel, "
                         "image=excluded.image, efi=excluded.efi, repository=excluded.repository, "
                         "identity=excluded.identity, digest=excluded.digest, checksums=excluded.checksums, "
                         "imported=excluded.imported");
    s.bind(1, r.name)
        .bind(2, r.kind)
        .bind(3, r.product)
        .bind(4, r.version)
        .bind(5, r.build)
        .bind(6, r.era)
        .bind(7, r.xen)
        .bind(8, r.kernel)
        .bind(9, r.image)
        .bind(10, std::int64_t{r.efi ? 1 : 0})
        .bind(11, r.repository)
        .bind(12, r.identity)
        .bind(13, r.digest)
        .bind(14, sums.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
        .bind(15, r.imported.empty() ? now_utc() : r.imported)
        .run();
    t.commit();
}

std::optional<Release> Inventory::find_release(std::string_view name)
{
    Statement s(db(), std::string("SELECT ") + release_columns + " FROM releases WHERE name=?1");
    s.bind(1, name);
    if (!s.step()) {
        return std::nullopt;
    }
    return read_release(s);
}

std::vector<Release> Inventory::releases()
{
    Statement s(db(), std::string("SELECT ") + release_columns + " FROM releases ORDER BY name");
    std::vector<Release> out;
    while (s.step()) {
        out.push_back(read_release(s));
    }
    return out;
}

bool Inventory::remove_release(std::string_view name)
{
    Transaction t(db());
    Statement users(db(), "SELECT mac FROM hosts WHERE release=?1 ORDER BY mac");
    users.bind(1, name);
    std::vector<std::string> macs;
    while (users.step()) {
        macs.push_back(users.text(0));
    }
    if (!macs.empty()) {
        std::string list;
        for (std::size_t i = 0; i < macs.size() && i < 5; ++i) {
            list += (i ? ", " : "") + macs[i];
        }
        if (macs.size() > 5) {
            list += " and " + std::to_string(macs.size() - 5) + " more";
        }
        throw InventoryConflict("release " + std::string(name) + " is set on " + std::to_string(macs.size()) + " host" +
                             (macs.size() == 1 ? "" : "s") + " (" + list +
                             "); give them another release with `host set MAC release=NAME` first");
    }
    const bool removed = Statement(db(), "DELETE FROM releases WHERE name=?1").bind(1, name).run() > 0;
    t.commit();
    return removed;
}

std::map<HostState, std::size_t> Inventory::count_by_state()
{
    std::map<HostState, std::size_t> out;
    // A stalled host counts as stalled, not in its state: the counts add up
    // to the hosts.
    Statement s(db(), "SELECT state, count(*) FROM hosts WHERE mac NOT IN (SELECT mac FROM stalls) GROUP BY state");
    while (s.step()) {
        if (const auto state = host_state_from(s.text(0))) {
            out[*state] = static_cast<std::size_t>(s.integer(1));
        }
    }
    return out;
}

std::size_t Inventory::count_stalled()
{
    Statement s(db(), "SELECT count(*) FROM stalls");
    s.step();
    return static_cast<std::size_t>(s.integer(0));
}

std::vector<Inventory::LeaseRecord> Inventory::leases()
{
    Statement s(db(), "SELECT ip, mac, expires, state FROM leases ORDER BY ip");
    std::vector<LeaseRecord> out;
    while (s.step()) {
        out.push_back({static_cast<std::uint32_t>(s.integer(0)), s.text(1), s.integer(2), s.text(3)});
    }
    return out;
}

bool Inventory::store_lease(const LeaseRecord& lease, std::int64_t now)
{
    Transaction t(db());
    if (!put_lease(lease, now)) {
        return false;
    }
    t.commit();
    return true;
}

std::vector<bool> Inventory::change_leases(const std::vector<LeaseChange>& changes, std::int64_t now)
{
    std::vector<bool> stored;
    stored.reserve(changes.size());
    Transaction t(db());
    for (const auto& c : changes) {
        if (c.forget) {
            Statement(db(), "DELETE FROM leases WHERE ip=?1").bind(1, std::int64_t{*c.forget}).run();
        }
        stored.push_back(!c.store || put_lease(*c.store, now));
    }
    t.commit();
    return stored;
}

// In the caller's transaction.
bool Inventory::put_lease(const LeaseRecord& lease, std::int64_t now)
{
    // The address is taken only from nobody, from this MAC, or from a lease
    // or offer that has run out: a server whose view was stale (another
    // server leased the address since it read) is refused here, in the same
    // statement that writes, whatever its code decided.
    const auto taken = Statement(db(), "INSERT INTO leases (ip, mac, expires, state) VALUES (?1,?2,?3,?4) "
                                      "ON CONFLICT (ip) DO UPDATE SET mac=excluded.mac, expires=excluded.expires, "
                                      "state=excluded.state WHERE leases.mac=excluded.mac OR leases.expires<=?5")
                           .bind(1, std::int64_t{lease.ip})
                           .bind(2, lease.mac)
                           .bind(3, lease.expires)
                           .bind(4, lease.state)
                           .bind(5, now)
                           .run();
    if (taken == 0) {
        return false;
    }
    // One address per MAC: its older lease or offer goes (through leases_by_mac).
    Statement(db(), "DELETE FROM leases WHERE mac=?1 AND ip<>?2 AND state<>'declined'")
        .bind(1, lease.mac)
        .bind(2, std::int64_t{lease.ip})
        .run();
    return true;
}

std::vector<Inventory::LeaseRecord> Inventory::leases_between(std::uint32_t first, std::uint32_t last)
{
    Statement s(db(), "SELECT ip, mac, expires, state FROM leases WHERE ip>=?1 AND ip<=?2 ORDER BY ip");
    s.bind(1, std::int64_t{first}).bind(2, std::int64_t{last});
    std::vector<LeaseRecord> out;
    while (s.step()) {
        out.push_back({static_cast<std::uint32_t>(s.integer(0)), s.text(1), s.integer(2), s.text(3)});
    }
    return out;
}

namespace {

std::optional<std::string> ip_setting(const std::string& vars_json)
{
    const auto vars = nlohmann::json::parse(vars_json, nullptr, false);
    if (!vars.is_object()) {
        return std::nullopt;
    }
    const auto it = vars.find("ip");
    if (it == vars.end() || !it->is_string()) {
        return std::nullopt;
    }
    return it->get<std::string>();
}

}  // namespace

std::map<std::string, std::string> Inventory::fixed_addresses()
{
    // LIKE narrows to the hosts that have one; the JSON is what says.
    Statement s(db(), "SELECT mac, vars FROM hosts WHERE vars LIKE '%\"ip\"%'");
    std::map<std::string, std::string> out;
    while (s.step()) {
        if (auto ip = ip_setting(s.text(1))) {
            out[s.text(0)] = std::move(*ip);
        }
    }
    return out;
}

std::optional<std::string> Inventory::fixed_address(std::string_view mac)
{
    Statement s(db(), "SELECT vars FROM hosts WHERE mac=?1");
    s.bind(1, mac);
    if (!s.step()) {
        return std::nullopt;
    }
    return ip_setting(s.text(0));
}

std::optional<std::string> Inventory::lease_of(std::string_view mac)
{
    Statement s(db(), "SELECT ip FROM leases WHERE mac=?1 AND state<>'declined' ORDER BY expires DESC LIMIT 1");
    s.bind(1, mac);
    if (!s.step()) {
        return std::nullopt;
    }
    const auto ip = static_cast<std::uint32_t>(s.integer(0));
    return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 0xff) + "." + std::to_string((ip >> 8) & 0xff) +
           "." + std::to_string(ip & 0xff);
}

void Inventory::register_server(const ServerRecord& server)
{
    server_ = server.name;
    unregistered_ = server;
    const auto now = now_utc();
    Transaction t(db());
    Statement(db(), "INSERT INTO servers (name, segment, address, started, heartbeat) VALUES (?1,?2,?3,?4,?4) "
                    "ON CONFLICT (name) DO UPDATE SET segment=excluded.segment, address=excluded.address, "
                    "started=excluded.started, heartbeat=excluded.heartbeat")
        .bind(1, server.name)
        .bind(2, server.segment)
        .bind(3, server.address)
        .bind(4, now)
        .run();
    t.commit();
    unregistered_.reset();
}

void Inventory::heartbeat()
{
    if (unregistered_) {
        register_server(ServerRecord(*unregistered_));
        return;
    }
    if (server_.empty()) {
        return;
    }
    Transaction t(db());
    Statement(db(), "UPDATE servers SET heartbeat=?2 WHERE name=?1").bind(1, server_).bind(2, now_utc()).run();
    t.commit();
}

std::vector<ServerRecord> Inventory::servers()
{
    Statement s(db(), "SELECT name, segment, address, started, heartbeat FROM servers ORDER BY name");
    std::vector<ServerRecord> out;
    while (s.step()) {
        out.push_back({s.text(0), s.text(1), s.text(2), s.text(3), s.text(4)});
    }
    return out;
}

}  // namespace xcp::inventory
