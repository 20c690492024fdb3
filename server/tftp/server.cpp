#include "server/tftp/server.hpp"

#include "server/files/path.hpp"
#include "libxcp/util/text.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>


namespace xcp::tftp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

using util::printable;

std::string endpoint_text(const udp::endpoint& e)
{
    return e.address().to_string() + ":" + std::to_string(e.port());
}

}  // namespace

Server::Server(asio::io_context& io, ServerSettings settings, Resolver& resolver, asio::any_io_executor blocking)
    : io_(io), settings_(std::move(settings)), resolver_(resolver), blocking_(std::move(blocking)),
      strand_(asio::make_strand(io)), socket_(strand_)
{
}

Server::~Server()
{
    alive_.reset();
    stop();
}

void Server::start()
{
    try {
        socket_.open(settings_.listen.protocol());
        socket_.set_option(udp::socket::reuse_address(true));
        socket_.bind(settings_.listen);
    } catch (const boost::system::system_error& e) {
        throw std::system_error(e.code().value(), std::generic_category(),
                                "cannot listen for TFTP on " + endpoint_text(settings_.listen));
    }
    spdlog::info("tftp: listening on {} (blksize up to {}, windowsize up to {}, {} transfers at most, {} per client)",
                 endpoint_text(local_endpoint()), settings_.limits.max_blksize, settings_.limits.max_windowsize,
                 settings_.max_transfers, settings_.max_transfers_per_client);
    receive();
}

void Server::stop()
{
    stopping_ = true;  // transfers aborted below report at once, not through the strand
    boost::system::error_code ignored;
    socket_.close(ignored);
    // Copy first: abort() calls on_done(), which erases from the map.
    std::vector<std::shared_ptr<Transfer>> live;
    for (auto& [key, weak] : transfers_) {
        if (auto t = weak.lock()) {
            live.push_back(std::move(t));
        }
    }
    for (auto& t : live) {
        t->abort("server shutting down");
    }
    transfers_.clear();
    active_ = 0;
}

udp::endpoint Server::local_endpoint() const
{
    boost::system::error_code ec;
    return socket_.local_endpoint(ec);
}

void Server::receive()
{
    socket_.async_receive_from(asio::buffer(rx_), sender_, [this](const auto& ec, std::size_t n) {
        if (ec == asio::error::operation_aborted || !socket_.is_open()) {
            return;
        }
        if (!ec) {
            // One bad packet never stops the server.
            try {
                on_request(std::span<const std::byte>(rx_.data(), n), sender_);
            } catch (const std::exception& e) {
                spdlog::error("tftp: {}: request failed: {}", endpoint_text(sender_), e.what());
            }
        }
        receive();
    });
}

void Server::refuse(const udp::endpoint& client, ErrorCode code, std::string_view message,
                    std::string_view log_reason, std::string_view path)
{
    ++counters_.refused;
    spdlog::warn("tftp: {} refused {}: {}", endpoint_text(client), printable(path), log_reason);
    boost::system::error_code ignored;
    socket_.send_to(asio::buffer(make_error(code, message)), client, 0, ignored);
}

void Server::on_request(std::span<const std::byte> packet, const udp::endpoint& client, bool looked_again)
{
    auto parsed = parse_request(packet);
    if (const auto* bad = std::get_if<Malformed>(&parsed)) {
        ++counters_.malformed;
        spdlog::debug("tftp: {} sent an unusable packet: {}", endpoint_text(client), bad->reason);
        return;
    }
    auto& request = std::get<Request>(parsed);
    ++counters_.requests;
    if (request.opcode == Opcode::wrq) {
        refuse(client, ErrorCode::access_violation, "server is read-only", "write request", request.filename);
        return;
    }
    if (request.mode != "octet" && request.mode != "netascii") {
        refuse(client, ErrorCode::illegal_operation, "transfer mode not supported",
               "mode " + printable(request.mode) + " is not supported", request.filename);
        return;
    }
    if (busy_clients_.contains(client)) {
        // A client that reuses its port (tftp-hpa) may send its next request
        // before its last transfer's final ACK is read from that transfer's
        // socket: look once more, shortly. Still busy then: a repeat.
        if (!looked_again && deferred_ < 256) {
            ++deferred_;
            auto timer = std::make_shared<asio::steady_timer>(strand_, std::chrono::milliseconds(20));
            timer->async_wait([this, timer, alive = std::weak_ptr<bool>(alive_),
                               bytes = std::vector<std::byte>(packet.begin(), packet.end()),
                               client](const boost::system::error_code&) {
                if (alive.expired()) {
                    return;
                }
                --deferred_;
                if (!socket_.is_open()) {
                    return;
                }
                try {
                    on_request(bytes, client, true);
                } catch (const std::exception& e) {
                    spdlog::error("tftp: {}: request failed: {}", endpoint_text(client), e.what());
                }
            });
            return;
        }
        spdlog::debug("tftp: {} repeated its request for {}: its transfer is already under way",
                      endpoint_text(client), printable(request.filename));
        return;
    }
    if (transfers_.size() + resolving_ >= settings_.max_transfers) {
        refuse(client, ErrorCode::not_defined, "server busy, try again", "the server-wide transfer cap is reached",
               request.filename);
        return;
    }
    if (const auto it = per_client_.find(client.address());
        it != per_client_.end() && it->second >= settings_.max_transfers_per_client) {
        refuse(client, ErrorCode::not_defined, "too many transfers from this address",
               "the per-client transfer cap is reached", request.filename);
        return;
    }
    const auto path = files::normalize_path(request.filename);
    if (const auto* refused = std::get_if<files::PathRefused>(&path)) {
        refuse(client, ErrorCode::access_violation, "access violation", refused->reason, request.filename);
        return;
    }
    const auto& relative = std::get<std::string>(path);
    if (blocking_ && resolver_.waits(relative)) {
        // The slot is held while the answer is made, so the caps count it.
        ++resolving_;
        ++per_client_[client.address()];
        busy_clients_.insert(client);
        asio::post(blocking_, [this, strand = strand_, &resolver = resolver_, request = std::move(request), relative,
                               client]() mutable {
            Resolution resolved;
            try {
                resolved = resolver.resolve(relative, client.address());
            } catch (const std::exception& e) {
                resolved.error = ErrorCode::not_defined;
                resolved.reason = std::string("cannot be made: ") + e.what();
            }
            asio::post(strand, [this, request = std::move(request), relative = std::move(relative), client,
                             resolved = std::move(resolved)]() mutable {
                --resolving_;
                release_slot(client.address());
                busy_clients_.erase(client);
                if (!socket_.is_open()) {
                    return;
                }
                try {
                    start_transfer(request, relative, client, std::move(resolved));
                } catch (const std::exception& e) {
                    spdlog::error("tftp: {}: request failed: {}", endpoint_text(client), e.what());
                }
            });
        });
        return;
    }
    start_transfer(request, relative, client, resolver_.resolve(relative, client.address()));
}

void Server::release_slot(const asio::ip::address& client)
{
    if (auto it = per_client_.find(client); it != per_client_.end() && --it->second == 0) {
        per_client_.erase(it);
    }
}

void Server::start_transfer(const Request& request, const std::string& relative, const udp::endpoint& client,
                            Resolution resolved)
{
    if (!resolved.content) {
        refuse(client, resolved.error,
               resolved.error == ErrorCode::file_not_found ? "file not found" : "access violation", resolved.reason,
               request.filename);
        return;
    }
    if (request.mode == "netascii") {
        resolved.content = std::make_shared<MemoryContent>(to_netascii(*resolved.content));
    }
    auto negotiated = negotiate(request.options, settings_.limits, resolved.content->size());
    const auto id = next_id_++;
    auto done = [this, id, alive = std::weak_ptr<bool>(alive_)](const TransferResult& r) {
        if (stopping_) {
            on_done(id, r);  // from stop(): no other thread runs
            return;
        }
        asio::post(strand_, [this, id, r, alive] {
            if (!alive.expired()) {
                on_done(id, r);
            }
        });
    };
    // A loop that one thread runs orders a transfer's handlers already.
    auto executor = loops_.empty() ? asio::any_io_executor(asio::make_strand(asio::any_io_executor(io_.get_executor())))
                                   : loops_[id % loops_.size()];
    auto transfer = std::make_shared<Transfer>(executor, settings_.listen.address(), client, relative,
                                               std::move(resolved.content), negotiated, settings_.transfer,
                                               std::move(done));
    transfers_.emplace(id, transfer);
    active_ = transfers_.size();
    ++per_client_[client.address()];
    busy_clients_.insert(client);
    std::string options;
    for (const auto& o : negotiated.oack) {
        options += " " + o.name + "=" + o.value;
    }
    spdlog::info("tftp: {} get {} ({}{})", endpoint_text(client), printable(relative), request.mode, options);
    // On its own strand or loop: its first completions may run on another
    // thread before start() has returned.
    asio::post(executor, [transfer = std::move(transfer)] {
        try {
            transfer->start();
        } catch (const std::exception& e) {
            transfer->abort(std::string("cannot start: ") + e.what());
        }
    });
}

void Server::on_done(std::uint64_t id, const TransferResult& r)
{
    transfers_.erase(id);
    active_ = transfers_.size();
    release_slot(r.client.address());
    busy_clients_.erase(r.client);
    counters_.bytes += r.bytes;
    const auto seconds = std::chrono::duration<double>(r.elapsed).count();
    if (r.completed) {
        ++counters_.completed;
        spdlog::info("tftp: {} sent {}: {} bytes in {:.3f} s ({:.1f} MB/s), blksize {}, windowsize {}, {} "
                     "retransmits",
                     endpoint_text(r.client), printable(r.path), r.bytes, seconds,
                     seconds > 0 ? static_cast<double>(r.bytes) / seconds / 1e6 : 0.0, r.blksize, r.windowsize,
                     r.retransmits);
    } else {
        ++counters_.failed;
        spdlog::warn("tftp: {} failed {} after {} bytes in {:.3f} s, blksize {}, windowsize {}, {} retransmits: {}",
                     endpoint_text(r.client), printable(r.path), r.bytes, seconds, r.blksize, r.windowsize,
                     r.retransmits, r.outcome);
    }
    if (observer_) {
        try {
            observer_(r);
        } catch (const std::exception& e) {
            spdlog::error("tftp: {} {}: recording the transfer failed: {}", endpoint_text(r.client), printable(r.path),
                          e.what());
        }
    }
}

}  // namespace xcp::tftp
