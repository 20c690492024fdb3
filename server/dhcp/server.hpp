#pragma once

#include "server/dhcp/leases.hpp"
#include "server/dhcp/pxe.hpp"

#include "libxcp/util/counter.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <vector>
#include <functional>
#include <optional>
#include <set>
#include <string>

namespace xcp::dhcp {

enum class Mode { proxy, full };

// Where full mode keeps its leases; the product backs it with the inventory.
// The server keeps a LeaseTable of its range, read whole only at start, after
// the store refused a lease, and every `ServerSettings::reload`; each request
// then costs lookups and one row written.
class LeaseStore {
public:
    virtual ~LeaseStore() = default;
    // The leases on the range's addresses and every host's fixed address.
    virtual LeaseTable load(const AddressRange& range) = 0;
    // One host's fixed address as the store has it now.
    virtual std::optional<Ipv4> reservation(const std::string& mac) = 0;
    struct Change {
        std::optional<Ipv4> forget;
        std::optional<Lease> store;
    };
    // In one transaction, in order: whether each change's lease was stored
    // (true when it stores none). False when the address is, by now, another
    // client's (a second server sharing the store leased it): nothing is
    // answered then.
    [[nodiscard]] virtual std::vector<bool> write(const std::vector<Change>& changes, std::int64_t now) = 0;
};

struct ServerSettings {
    Mode mode = Mode::proxy;
    std::string interface;  // the only one we listen and answer on
    Ipv4 server = 0;        // our address on it
    std::uint16_t port = 67;
    std::uint16_t proxy_port = 4011;
    std::optional<FullSettings> full;  // required in full mode
    // Full mode: how often the lease table is read afresh (other servers'
    // leases, hosts' fixed addresses), and how many requests waiting in the
    // socket share one commit.
    std::chrono::seconds reload{30};
    std::size_t batch = 64;
    // Proxy mode: PXE requests being decided at once, on the io_context's
    // threads; one more is dropped (its client sends again).
    std::size_t max_in_flight = 256;
};

// "full DHCP on eth1 (10.0.0.1), port 67, addresses 10.0.0.2 to 10.0.0.254
// netmask 255.255.255.0", for logs.
std::string describe(const ServerSettings& settings);

struct ServerCounters {
    util::Counter received = 0;
    util::Counter malformed = 0;
    util::Counter ignored = 0;  // not for us: non-PXE in proxy mode, replies, other servers
    util::Counter busy = 0;     // dropped: max_in_flight requests were being decided
    util::Counter offers = 0;
    util::Counter acks = 0;
    util::Counter naks = 0;
};

// One answer we sent, for the product's records.
struct Answered {
    Mac mac{};
    MessageType reply = MessageType::offer;
    std::optional<PxeClient> pxe;  // a PXE client, and what it is
    std::string file;              // the boot file offered; empty: none
    Ipv4 address = 0;              // the client's: yiaddr, else ciaddr; 0 when not known yet
    // False: nothing was sent; a PXE client's REQUEST to the network's own
    // DHCP server (proxy mode) was seen, naming the address it takes.
    bool sent = true;
};

// The DHCP helper on one interface: proxyDHCP (ports 67 and 4011, PXE
// clients only, no addresses) or full DHCP from a range. The sockets are read
// and written on one strand; a bad packet is logged and dropped there, never
// fatal. In proxy mode each PXE request is decided on any of the io_context's
// threads (the decider must take calls from several at once), so a slow
// inventory read holds up only its own client. In full mode every decision is
// on the strand, in order: the requests already waiting when one arrives are
// decided with it and their leases written in one transaction (one fsync);
// each answer goes out only after that commit.
class Server {
public:
    Server(boost::asio::io_context& io, ServerSettings settings, BootDecider& decider, LeaseStore* leases);
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds; throws std::system_error naming the interface and port.
    void start();
    void stop();
    [[nodiscard]] const ServerCounters& counters() const { return counters_; }
    // Told of every answer sent, on any of the io_context's threads: it must
    // not wait.
    void observe(std::function<void(const Answered&)> observer) { observer_ = std::move(observer); }

private:
    struct Port {
        boost::asio::ip::udp::socket socket;
        boost::asio::ip::udp::endpoint sender;
        std::array<std::uint8_t, 1500> buffer{};
        bool proxy_port = false;
    };
    void open(Port& port, std::uint16_t number);
    void receive(Port& port);
    void on_packet(Port& port, std::size_t size);
    void answer_proxy(Port& port, const Packet& request);
    // Off the strand: decides, then sends on the strand.
    void decide_proxy(bool proxy_port, Packet request, boost::asio::ip::udp::endpoint sender,
                      PxeClient client, MessageType reply_type);
    void decide_full(const Packet& request);
    // More requests already waiting on the main port, decided into the batch.
    void take_waiting();
    void commit_batch();
    void reload_table();
    bool send(Port& port, const Packet& reply, const Packet& request, const boost::asio::ip::udp::endpoint& sender);
    void tell(const Packet& reply, const Packet& request, const std::optional<PxeClient>& pxe, const std::string& file);
    std::optional<BootOffer> boot_for(const Packet& request, const PxeClient& client);

    boost::asio::io_context& io_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    ServerSettings settings_;
    BootDecider& decider_;
    LeaseStore* leases_;
    Port main_;
    Port proxy_;
    ServerCounters counters_;
    std::atomic<std::size_t> in_flight_{0};
    std::set<Ipv4> other_servers_;  // warned about once each
    std::function<void(const Answered&)> observer_;
    // Full mode.
    struct Decided {
        Packet request;
        FullOutcome outcome;
        std::optional<std::pair<PxeClient, BootOffer>> boot;
    };
    LeaseTable table_;
    std::chrono::steady_clock::time_point loaded_{};
    bool table_stale_ = true;
    std::vector<Decided> batch_;
};

}  // namespace xcp::dhcp
