#include "server/tftp/transfer.hpp"

#include "server/tftp/packet.hpp"

#include <boost/asio/buffer.hpp>

#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103  // linux/udp.h, kernel 4.18
#endif

namespace xcp::tftp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

Transfer::Transfer(asio::any_io_executor executor, const asio::ip::address& local, const udp::endpoint& client,
                   std::string path, std::shared_ptr<const Content> content, Negotiated negotiated,
                   const TransferSettings& settings, Done done)
    : socket_(executor, udp::endpoint(local, 0)),
      timer_(executor),
      content_(std::move(content)),
      negotiated_(std::move(negotiated)),
      settings_(settings),
      done_(std::move(done))
{
    socket_.connect(client);  // the kernel now drops datagrams from any other TID
    socket_.non_blocking(true);
    result_.client = client;
    result_.path = std::move(path);
    result_.blksize = negotiated_.blksize;
    result_.windowsize = negotiated_.windowsize;
    total_blocks_ = content_->size() / negotiated_.blksize + 1;
    current_timeout_ = base_timeout();
}

// What the client asked for (RFC 2349) once it has answered, else ours.
std::chrono::milliseconds Transfer::base_timeout() const
{
    return answered_ && negotiated_.timeout_s != 0 ? std::chrono::seconds(negotiated_.timeout_s) : settings_.timeout;
}

template <typename F>
void Transfer::guarded(F&& body)
{
    try {
        body();
    } catch (const std::exception& e) {
        finish(false, std::string("internal error: ") + e.what());
    }
}

void Transfer::start()
{
    if (finished_) {
        return;  // aborted before it began (the server stopped)
    }
    started_ = std::chrono::steady_clock::now();
    last_progress_ = started_;
    if (!negotiated_.oack.empty()) {
        awaiting_oack_ack_ = true;
        send_oack();
    } else {
        send_window();
    }
    receive();
    arm_timer();
}

void Transfer::abort(const std::string& why)
{
    if (finished_) {
        return;
    }
    boost::system::error_code ignored;
    const auto packet = make_error(ErrorCode::not_defined, why);
    socket_.send(asio::buffer(packet), 0, ignored);
    finish(false, why);
}

void Transfer::receive()
{
    socket_.async_receive(asio::buffer(rx_), [self = shared_from_this()](const auto& ec, std::size_t n) {
        self->guarded([&] { self->on_receive(ec, n); });
    });
}

void Transfer::on_receive(const boost::system::error_code& ec, std::size_t n)
{
    if (finished_ || ec == asio::error::operation_aborted) {
        return;
    }
    if (ec) {
        // On a connected UDP socket, an ICMP port unreachable from the client
        // arrives here: it has gone away.
        finish(false, ec == asio::error::connection_refused ? "the client closed its port" : ec.message());
        return;
    }
    const auto reply = parse_reply(std::span<const std::byte>(rx_.data(), n));
    if (const auto* ack = std::get_if<Ack>(&reply)) {
        on_ack(ack->block);
    } else if (const auto* error = std::get_if<ErrorPacket>(&reply)) {
        finish(false, "the client ended it with error " + std::to_string(error->code) + " (" +
                          error->message.substr(0, 100) + ")");
    }
    // A malformed packet is ignored: the transfer goes on, the timer covers it.
    if (!finished_) {
        receive();
    }
}

void Transfer::on_ack(std::uint16_t block)
{
    if (awaiting_oack_ack_) {
        if (block != 0) {
            return;
        }
        awaiting_oack_ack_ = false;
    } else {
        // Map the 16-bit number onto the window in flight; block numbers wrap
        // after 65535 and only [acked_, sent_] can be meant.
        const auto delta = static_cast<std::uint16_t>(block - static_cast<std::uint16_t>(acked_));
        const auto absolute = acked_ + delta;
        // Sorcerer's Apprentice: a duplicate ACK gets no DATA; only a timeout
        // retransmits.
        if (delta == 0 || absolute > sent_) {
            return;
        }
        acked_ = absolute;
        result_.bytes = std::min<std::uint64_t>(acked_ * negotiated_.blksize, content_->size());
        if (acked_ == total_blocks_) {
            finish(true, "done");
            return;
        }
    }
    answered_ = true;
    last_progress_ = std::chrono::steady_clock::now();
    retries_ = 0;
    current_timeout_ = base_timeout();
    send_window();
}

void Transfer::send_oack()
{
    boost::system::error_code ec;
    const auto packet = make_oack(negotiated_.oack);
    socket_.send(asio::buffer(packet), 0, ec);
    last_send_ = std::chrono::steady_clock::now();
}

void Transfer::send_window()
{
    const auto last = std::min<std::uint64_t>(acked_ + negotiated_.windowsize, total_blocks_);
    // A window of blocks goes out in as few sendmsg calls as UDP GSO allows
    // (64 segments, 64 KiB each call): the kernel cuts it into one datagram per
    // block. Per-packet syscalls are most of what a window costs otherwise.
    const std::size_t segment = negotiated_.blksize + 4U;
    const auto per_call = std::min<std::uint64_t>(64, 65000 / segment);
    auto block = acked_ + 1;
    while (gso_ && per_call >= 2 && last - block + 1 >= 2) {
        const auto end = std::min<std::uint64_t>(last, block + per_call - 1);
        if (!send_segmented(block, end)) {
            break;
        }
        if (finished_) {
            return;
        }
        block = end + 1;
    }
    for (; block <= last; ++block) {
        if (!send_block(block)) {
            return;
        }
    }
    sent_ = std::max(sent_, last);
    last_send_ = std::chrono::steady_clock::now();
}

std::optional<std::span<const std::byte>> Transfer::block_data(std::uint64_t block)
{
    const auto offset = (block - 1) * negotiated_.blksize;
    const auto expected = static_cast<std::size_t>(
        std::min<std::uint64_t>(negotiated_.blksize, content_->size() - std::min(offset, content_->size())));
    const auto data = content_->read(offset, expected, scratch_);
    if (data.size() != expected) {
        abort("read error on the server");
        return std::nullopt;
    }
    return data;
}

bool Transfer::send_block(std::uint64_t block)
{
    const auto read = block_data(block);
    if (!read) {
        return false;
    }
    const auto data = *read;
    const auto header = make_data_header(static_cast<std::uint16_t>(block));
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(header), asio::buffer(data.data(), data.size())};
    boost::system::error_code ec;
    socket_.send(buffers, 0, ec);
    // A full socket buffer drops the block like the network would: the
    // retransmit timer recovers it.
    if (ec == asio::error::connection_refused) {
        finish(false, "the client closed its port");
        return false;
    }
    return true;
}

bool Transfer::send_segmented(std::uint64_t first, std::uint64_t last)
{
    const std::size_t segment = negotiated_.blksize + 4U;
    batch_.clear();
    for (auto block = first; block <= last; ++block) {
        const auto data = block_data(block);
        if (!data) {
            return true;
        }
        // Only the file's last block is short, and it is always last in a batch.
        const auto header = make_data_header(static_cast<std::uint16_t>(block));
        batch_.insert(batch_.end(), header.begin(), header.end());
        batch_.insert(batch_.end(), data->begin(), data->end());
    }
    iovec iov{batch_.data(), batch_.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint16_t))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_UDP;
    cm->cmsg_type = UDP_SEGMENT;
    cm->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
    const auto gso_size = static_cast<std::uint16_t>(segment);
    std::memcpy(CMSG_DATA(cm), &gso_size, sizeof gso_size);
    if (::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT) >= 0) {
        return true;
    }
    if (errno == EAGAIN || errno == ENOBUFS) {
        return true;  // dropped like the network would drop it: the timer recovers
    }
    if (errno == ECONNREFUSED) {
        finish(false, "the client closed its port");
        return true;
    }
    gso_ = false;  // EINVAL, EIO, ENOPROTOOPT: no GSO here; one datagram per call from now on
    return false;
}

void Transfer::arm_timer()
{
    if (timer_armed_ || finished_) {
        return;
    }
    timer_armed_ = true;
    timer_.expires_at(last_send_ + current_timeout_);
    timer_.async_wait([self = shared_from_this()](const auto& ec) { self->guarded([&] { self->on_timer(ec); }); });
}

// The timer is not reset on every ACK (that would cost a cancel and a wake-up
// per block); it fires, and looks at when we last sent.
void Transfer::on_timer(const boost::system::error_code& ec)
{
    timer_armed_ = false;
    if (finished_ || ec == asio::error::operation_aborted) {
        return;
    }
    if (std::chrono::steady_clock::now() < last_send_ + current_timeout_) {
        arm_timer();
        return;
    }
    if (++retries_ > settings_.max_retransmits) {
        finish(false, "no answer after " + std::to_string(settings_.max_retransmits) + " retransmissions");
        return;
    }
    if (std::chrono::steady_clock::now() - last_progress_ >= settings_.max_stall) {
        finish(false, "no progress for " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(settings_.max_stall).count()) +
                          " s");
        return;
    }
    ++result_.retransmits;
    if (negotiated_.timeout_s == 0 || !answered_) {
        // Back off on our own timer; a timeout the client asked for is kept as agreed.
        current_timeout_ = std::min(current_timeout_ * 2, settings_.max_timeout);
    }
    if (awaiting_oack_ack_) {
        send_oack();
    } else {
        send_window();
    }
    arm_timer();
}

void Transfer::finish(bool completed, std::string outcome)
{
    if (finished_) {
        return;
    }
    finished_ = true;
    result_.completed = completed;
    result_.outcome = std::move(outcome);
    result_.elapsed = std::chrono::steady_clock::now() - started_;
    boost::system::error_code ignored;
    timer_.cancel();
    socket_.close(ignored);
    if (done_) {
        done_(result_);
    }
}

}  // namespace xcp::tftp
