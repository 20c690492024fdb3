#pragma once

#include "server/tftp/content.hpp"
#include "server/tftp/options.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace xcp::tftp {

struct TransferSettings {
    // Without a client `timeout` option; doubled on each retransmit of the
    // same window, reset on progress.
    std::chrono::milliseconds timeout{1000};
    std::chrono::milliseconds max_timeout{8000};
    int max_retransmits = 6;  // of the same window, before the client is taken as gone
    // Until the client's first ACK the request may come from a spoofed
    // address: our own backed-off timer applies then, not the client's
    // `timeout`, so that one packet holds a slot for seconds, not minutes.
    // (Fewer tries there made curl fail through 10% loss: its answer to a
    // lost OACK can take many seconds.)
    // However the timeouts add up, a transfer with no progress for this long ends.
    std::chrono::milliseconds max_stall{45000};
};

struct TransferResult {
    boost::asio::ip::udp::endpoint client;
    std::string path;
    std::uint64_t bytes = 0;  // acknowledged by the client
    std::uint16_t blksize = 0;
    std::uint16_t windowsize = 0;
    std::chrono::steady_clock::duration elapsed{};
    std::uint64_t retransmits = 0;
    bool completed = false;
    std::string outcome;  // why it ended, when it did not complete
};

// One read transfer on its own port (the server's TID), RFC 1350 with
// RFC 2347-2349 options and RFC 7440 windows.
class Transfer : public std::enable_shared_from_this<Transfer> {
public:
    using Done = std::function<void(const TransferResult&)>;

    // Throws std::system_error when no port can be opened.
    // Runs on `executor`: a strand of its own when the loop has several threads.
    Transfer(boost::asio::any_io_executor executor, const boost::asio::ip::address& local,
             const boost::asio::ip::udp::endpoint& client, std::string path, std::shared_ptr<const Content> content,
             Negotiated negotiated, const TransferSettings& settings, Done done);

    void start();
    void abort(const std::string& why);  // ends it now, telling the client

private:
    void receive();
    void on_receive(const boost::system::error_code& ec, std::size_t n);
    void on_ack(std::uint16_t block);
    void send_window();
    // The bytes of a block; nullopt (and the transfer aborted) when the
    // source could not deliver them.
    std::optional<std::span<const std::byte>> block_data(std::uint64_t block);
    bool send_block(std::uint64_t block);
    // Sends blocks [first, last] as one UDP GSO batch; false when the kernel
    // cannot, and the caller sends them one by one.
    bool send_segmented(std::uint64_t first, std::uint64_t last);
    void send_oack();
    [[nodiscard]] std::chrono::milliseconds base_timeout() const;
    void arm_timer();
    void on_timer(const boost::system::error_code& ec);
    void finish(bool completed, std::string outcome);
    // A completion body; a throw ends this transfer, never the server.
    template <typename F>
    void guarded(F&& body);

    boost::asio::ip::udp::socket socket_;
    boost::asio::steady_timer timer_;
    TransferResult result_;
    std::shared_ptr<const Content> content_;
    Negotiated negotiated_;
    TransferSettings settings_;
    Done done_;

    std::uint64_t total_blocks_ = 0;  // the last one is short, possibly empty
    std::uint64_t acked_ = 0;         // absolute block numbers: no wrap here
    std::uint64_t sent_ = 0;
    bool awaiting_oack_ack_ = false;
    bool finished_ = false;
    bool timer_armed_ = false;
    bool answered_ = false;  // the client has acknowledged something
    std::chrono::steady_clock::time_point last_progress_;
    int retries_ = 0;
    std::chrono::milliseconds current_timeout_{};
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_send_;
    std::vector<std::byte> scratch_;
    std::vector<std::byte> batch_;  // a window's datagrams back to back, for GSO
    bool gso_ = true;
    std::array<std::byte, 1024> rx_{};
};

}  // namespace xcp::tftp
