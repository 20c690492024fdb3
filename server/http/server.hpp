#pragma once

#include "server/http/handler.hpp"
#include "server/http/rate_limiter.hpp"
#include "server/http/request_reader.hpp"

#include "libxcp/util/counter.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace xcp::http {

struct ServerSettings {
    boost::asio::ip::tcp::endpoint listen{boost::asio::ip::address_v4::loopback(), 80};
    RequestLimits limits;  // headers 8 KiB, bodies 64 KiB
    // Waiting for and reading one whole request (headers and body), idle
    // keep-alive included: a client sending a byte a second is cut off here.
    std::chrono::milliseconds request_timeout{15000};
    // Sending a response with no progress at all.
    std::chrono::milliseconds send_stall_timeout{30000};
    // Sending one response, however slowly it progresses.
    std::chrono::milliseconds max_response_time{std::chrono::hours(2)};
    std::size_t max_connections = 1024;
    std::size_t max_connections_per_client = 64;
    double requests_per_second_per_client = 200;  // 0: no limit
    double request_burst_per_client = 400;
};

struct ServerCounters {
    util::Counter connections = 0;
    util::Counter refused_connections = 0;  // over a connection cap
    util::Counter requests = 0;
    util::Counter rate_limited = 0;
    util::Counter responses_2xx = 0, responses_3xx = 0, responses_4xx = 0, responses_5xx = 0;
    util::Counter bytes = 0;  // body bytes sent
    util::Counter timeouts = 0;
};

class Session;

// HTTP/1.1 on Boost.Beast, on the caller's io_context (each connection on a
// strand, so any number of threads may run it): keep-alive, bounded
// headers and bodies, per-client connection and request-rate caps, timeouts
// on reading and on sending, files sent with sendfile(2), one access-log line
// per request.
class Server {
public:
    // Requests the handler says may wait (Handler::waits) are handled on
    // `blocking`, and their replies sent from the I/O thread; without one,
    // every request is handled on the I/O thread.
    Server(boost::asio::io_context& io, ServerSettings settings, Handler& handler,
           boost::asio::any_io_executor blocking = {});
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Connections go to these executors in turn, instead of the
    // io_context's: given one io_context per thread, a connection's reads
    // and writes are then handled where they complete, without waking another
    // thread for each. Each must be run by one thread only: a connection on
    // one needs no strand. Before start().
    void run_connections_on(std::vector<boost::asio::any_io_executor> loops) { loops_ = std::move(loops); }

    // Binds; throws std::system_error naming the address.
    void start();
    // Called on a loop that no other thread runs (before or after run(), or
    // with one thread).
    void stop();
    [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;
    [[nodiscard]] const ServerCounters& counters() const { return counters_; }
    [[nodiscard]] std::size_t open_connections() const
    {
        const std::lock_guard lock(mutex_);
        return sessions_.size();
    }

private:
    friend class Session;
    void accept();
    // False when accepting pauses (and resumes by itself).
    bool on_accept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
    void on_session_end(std::uint64_t id, const boost::asio::ip::address& client);
    bool allow_request(const boost::asio::ip::address& client, std::chrono::steady_clock::time_point now);

    ServerSettings settings_;
    Handler& handler_;
    boost::asio::any_io_executor blocking_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_pause_;
    std::vector<boost::asio::any_io_executor> loops_;
    std::size_t next_loop_ = 0;  // the accept chain's: one accept at a time
    // Sessions run on strands of their own, on every thread of the loop; what
    // they share is behind this.
    mutable std::mutex mutex_;
    RateLimiter limiter_;
    ServerCounters counters_;
    std::map<boost::asio::ip::address, std::size_t> per_client_;
    std::map<std::uint64_t, std::weak_ptr<Session>> sessions_;
    std::uint64_t next_id_ = 0;
};

}  // namespace xcp::http
