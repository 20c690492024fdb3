#pragma once

#include "server/inventory/host.hpp"
#include "server/inventory/sqlite.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace xcp::inventory {

// The hosts and their events in `<state-dir>/inventory.sqlite`. Every call is
// its own transaction and reads what is on disk, so the daemon and the CLI see
// each other's changes at once; nothing is cached.
class Inventory {
public:
    // Creates the state directory (0700) and the schema when missing.
    explicit Inventory(const std::filesystem::path& state_dir);

    // Throws InventoryError when the MAC is already there.
    void add(const Host& host);
    [[nodiscard]] std::optional<Host> find(std::string_view mac);
    [[nodiscard]] std::optional<Host> find_by_token(std::string_view token);
    [[nodiscard]] std::vector<Host> list();
    // Reads, changes and writes one host in one transaction; false if unknown.
    // `change` may also return the event to log with it.
    bool update(std::string_view mac, const std::function<std::optional<Event>(Host&)>& change);
    bool remove(std::string_view mac);

    void add_event(std::string_view mac, Event event);
    [[nodiscard]] std::vector<Event> events(std::string_view mac, std::size_t limit = 1000);
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
    void store_lease(const LeaseRecord& lease);
    void forget_lease(std::uint32_t ip);

    [[nodiscard]] const std::filesystem::path& file() const { return db_.file(); }

private:
    void write_host(const Host& host, bool insert);
    void insert_event(std::string_view mac, const Event& event);

    Database db_;
};

// The current time as ISO 8601 UTC with seconds.
std::string now_utc();

}  // namespace xcp::inventory
