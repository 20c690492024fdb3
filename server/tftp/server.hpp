#pragma once

#include "server/tftp/options.hpp"
#include "server/tftp/resolver.hpp"
#include "server/tftp/transfer.hpp"

#include "libxcp/util/counter.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <unordered_map>
#include <vector>

namespace xcp::tftp {

struct ServerSettings {
    boost::asio::ip::udp::endpoint listen{boost::asio::ip::address_v4::loopback(), 69};
    OptionLimits limits;
    TransferSettings transfer;
    // A TFTP request is tiny and its answer large (about 60x): caps bound what
    // a spoofed source can make us send, and what a rack booting at once costs.
    std::size_t max_transfers = 1024;
    std::size_t max_transfers_per_client = 32;
};

struct ServerCounters {
    util::Counter requests = 0;
    util::Counter refused = 0;    // error packet instead of a transfer
    util::Counter completed = 0;
    util::Counter failed = 0;
    util::Counter bytes = 0;      // acknowledged by clients
    util::Counter malformed = 0;  // dropped without answer
};

// A read-only TFTP server on one UDP port. The port and the caps are kept on a
// strand; each request gets a Transfer on a port and a strand of its own, so
// transfers run on every thread that runs the io_context, or on the loops
// given to run_transfers_on().
class Server {
public:
    // Paths the resolver says may wait are resolved on `blocking`; without
    // one, on the I/O thread.
    Server(boost::asio::io_context& io, ServerSettings settings, Resolver& resolver,
           boost::asio::any_io_executor blocking = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Told of every transfer that ends, completed or not, on an I/O thread
    // (one at a time): it must not wait.
    using TransferObserver = std::function<void(const TransferResult&)>;
    void observe(TransferObserver observer) { observer_ = std::move(observer); }
    // Transfers go to these executors in turn, instead of the io_context's.
    // Given one io_context per thread, a transfer's packets are then handled
    // where they arrive, without waking another thread for each (a futex
    // call or two per block on a shared io_context). Each must be run by one
    // thread only: a transfer on one needs no strand. Before start().
    void run_transfers_on(std::vector<boost::asio::any_io_executor> loops) { loops_ = std::move(loops); }

    // Binds the port; throws std::system_error naming the address on failure.
    void start();
    // Closes the port and ends every transfer in flight. Called on a loop that
    // no other thread runs (before or after run(), or with one thread).
    void stop();

    [[nodiscard]] boost::asio::ip::udp::endpoint local_endpoint() const;
    [[nodiscard]] const ServerCounters& counters() const { return counters_; }
    [[nodiscard]] std::size_t active_transfers() const { return active_.load(); }

private:
    void receive();
    void on_request(std::span<const std::byte> packet, const boost::asio::ip::udp::endpoint& client,
                    bool looked_again = false);
    void start_transfer(const Request& request, const std::string& path, const boost::asio::ip::udp::endpoint& client,
                        Resolution resolved);
    void release_slot(const boost::asio::ip::address& client);
    void refuse(const boost::asio::ip::udp::endpoint& client, ErrorCode code, std::string_view message,
                std::string_view log_reason, std::string_view path);
    void on_done(std::uint64_t id, const TransferResult& result);

    boost::asio::io_context& io_;
    ServerSettings settings_;
    Resolver& resolver_;
    boost::asio::any_io_executor blocking_;
    std::size_t resolving_ = 0;  // requests waiting for the blocking executor; they hold a slot
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    boost::asio::ip::udp::socket socket_;
    boost::asio::ip::udp::endpoint sender_;
    std::array<std::byte, 65536> rx_{};
    ServerCounters counters_;
    std::map<boost::asio::ip::address, std::size_t> per_client_;
    // Client endpoints (TIDs) whose transfer is running or being resolved:
    // a request repeated from one (pxelinux resends its RRQ when the answer
    // is slow) is the same request, not a second transfer.
    std::set<boost::asio::ip::udp::endpoint> busy_clients_;
    std::uint64_t next_id_ = 0;
    std::vector<boost::asio::any_io_executor> loops_;
    std::unordered_map<std::uint64_t, std::weak_ptr<Transfer>> transfers_;
    std::atomic<std::size_t> active_ = 0;  // transfers_.size(), for readers on other threads
    std::atomic<bool> stopping_ = false;
    TransferObserver observer_;
    // Requests from a busy endpoint looked at again shortly (bounded), and
    // whether the server is still there when they are.
    std::size_t deferred_ = 0;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace xcp::tftp
