#include "server/dhcp/server.hpp"

#include "server/dhcp/interface_socket.hpp"

#include <spdlog/spdlog.h>


#include <ctime>

namespace xcp::dhcp {

namespace asio = boost::asio;
using udp = asio::ip::udp;

Server::Server(asio::io_context& io, ServerSettings settings, BootDecider& decider, LeaseStore* leases)
    : io_(io), strand_(asio::make_strand(io)), settings_(std::move(settings)), decider_(decider), leases_(leases),
      main_{udp::socket(strand_), {}, {}, false}, proxy_{udp::socket(strand_), {}, {}, true}
{
}

void Server::open(Port& port, std::uint16_t number)
{
    open_on_interface(port.socket, settings_.interface, number, "cannot serve DHCP");
}

void Server::start()
{
    if (settings_.mode == Mode::full && (!settings_.full || leases_ == nullptr)) {
        throw std::system_error(std::make_error_code(std::errc::invalid_argument),
                                "full DHCP needs a range (--dhcp-range FIRST,LAST[,NETMASK])");
    }
    open(main_, settings_.port);
    receive(main_);
    if (settings_.mode == Mode::proxy) {
        open(proxy_, settings_.proxy_port);
        receive(proxy_);
    }
    spdlog::info("dhcp: {}", describe(settings_));
}

std::string describe(const ServerSettings& s)
{
    auto text = std::string(s.mode == Mode::proxy ? "proxyDHCP" : "full DHCP") + " on " + s.interface + " (" +
                to_string(s.server) + "), port " + std::to_string(s.port);
    if (s.mode == Mode::proxy) {
        return text + " and " + std::to_string(s.proxy_port);
    }
    if (s.full) {
        text += ", addresses " + to_string(s.full->range.first) + " to " + to_string(s.full->range.last) +
                " netmask " + to_string(s.full->range.netmask);
    }
    return text;
}

void Server::stop()
{
    boost::system::error_code ignored;
    main_.socket.close(ignored);
    proxy_.socket.close(ignored);
}

void Server::receive(Port& port)
{
    port.socket.async_receive_from(asio::buffer(port.buffer), port.sender,
                                   [this, &port](const boost::system::error_code& ec, std::size_t n) {
                                       if (ec == asio::error::operation_aborted || !port.socket.is_open()) {
                                           return;
                                       }
                                       if (!ec) {
                                           on_packet(port, n);
                                           if (!batch_.empty()) {
                                               // Full mode: what else waits joins this commit.
                                               try {
                                                   take_waiting();
                                                   commit_batch();
                                               } catch (const std::exception& e) {
                                                   batch_.clear();
                                                   table_stale_ = true;
                                                   spdlog::error("dhcp: answering a batch failed: {}", e.what());
                                               }
                                           }
                                       }
                                       receive(port);
                                   });
}

void Server::on_packet(Port& port, std::size_t size)
{
    ++counters_.received;
    auto parsed = parse(std::span(port.buffer.data(), size));
    if (const auto* error = std::get_if<ParseError>(&parsed)) {
        ++counters_.malformed;
        spdlog::info("dhcp: dropped a packet from {}: {}", port.sender.address().to_string(), error->reason);
        return;
    }
    const auto& request = std::get<Packet>(parsed);
    if (request.op != 1 || !request.message_type()) {
        ++counters_.ignored;
        return;
    }
    try {
        if (settings_.mode == Mode::proxy) {
            answer_proxy(port, request);
            return;
        }
        decide_full(request);
    } catch (const std::exception& e) {
        spdlog::error("dhcp: {} from {}: {}", to_string(*request.message_type()), to_string(request.mac()), e.what());
    }
}

void Server::take_waiting()
{
    while (batch_.size() < settings_.batch) {
        boost::system::error_code ec;
        if (main_.socket.available(ec) == 0 || ec) {
            return;
        }
        const auto n = main_.socket.receive_from(asio::buffer(main_.buffer), main_.sender, 0, ec);
        if (ec) {
            return;
        }
        on_packet(main_, n);
    }
}

void Server::reload_table()
{
    const auto search = table_.next_search();
    table_ = leases_->load(settings_.full->range);
    table_.search_from(search);
    loaded_ = std::chrono::steady_clock::now();
    table_stale_ = false;
    spdlog::debug("dhcp: lease table read: {} leases in the range", table_.size());
}

std::optional<BootOffer> Server::boot_for(const Packet& request, const PxeClient& client)
{
    auto offer = decider_.decide(request.mac(), client);
    if (!offer) {
        spdlog::info("dhcp: no boot offer for {} ({}{})", to_string(request.mac()), to_string(client.arch),
                     client.ipxe ? ", iPXE" : "");
    }
    return offer;
}

void Server::answer_proxy(Port& port, const Packet& request)
{
    const auto client = classify(request);
    if (!client) {
        ++counters_.ignored;
        spdlog::debug("dhcp: {} from {} is not a PXE client: ignored", to_string(*request.message_type()),
                      to_string(request.mac()));
        return;
    }
    const auto type = *request.message_type();
    // A DISCOVER on 67 gets an OFFER; the follow-up REQUEST comes to 4011
    // (EFI firmware, and BIOS ROMs doing discovery) and gets an ACK. A
    // REQUEST on 67 is for the real DHCP server.
    MessageType reply_type;
    if (type == MessageType::discover && !port.proxy_port) {
        reply_type = MessageType::offer;
    } else if ((type == MessageType::request || type == MessageType::inform) && port.proxy_port) {
        reply_type = MessageType::ack;
    } else {
        ++counters_.ignored;
        // Its REQUEST for the real server's offer names the address it takes:
        // what ties its TFTP and HTTP fetches to its MAC.
        const auto taken = request.address(option::requested_ip);
        if (type == MessageType::request && !port.proxy_port && observer_ && (taken || request.ciaddr != 0)) {
            observer_({request.mac(), MessageType::request, client, {}, taken ? *taken : request.ciaddr, false});
        }
        return;
    }
    if (in_flight_.load() >= settings_.max_in_flight) {
        if (++counters_.busy % 1000 == 1) {
            spdlog::warn("dhcp proxy: {} requests being decided; {} from {} dropped ({} so far): the client sends "
                         "again",
                         settings_.max_in_flight, to_string(type), to_string(request.mac()), counters_.busy.load());
        }
        return;
    }
    ++in_flight_;
    asio::post(io_, [this, proxy_port = port.proxy_port, request, sender = port.sender, client = *client,
                     reply_type]() mutable {
        decide_proxy(proxy_port, std::move(request), sender, client, reply_type);
        --in_flight_;
    });
}

void Server::decide_proxy(bool proxy_port, Packet request, udp::endpoint sender, PxeClient client,
                          MessageType reply_type)
{
    try {
        const auto offer = boot_for(request, client);
        if (!offer) {
            return;
        }
        auto reply = proxy_reply(request, client, *offer, settings_.server, reply_type);
        tell(reply, request, client, offer->file);
        spdlog::info("dhcp proxy: {} {} to {} ({}{}{})", to_string(reply_type), offer->file,
                     to_string(request.mac()), to_string(client.arch), client.ipxe ? ", iPXE" : "",
                     request.giaddr != 0 ? ", via relay " + to_string(request.giaddr) : "");
        asio::post(strand_, [this, proxy_port, reply = std::move(reply), request = std::move(request), sender,
                             reply_type] {
            if (send(proxy_port ? proxy_ : main_, reply, request, sender)) {
                (reply_type == MessageType::offer ? counters_.offers : counters_.acks) += 1;
            }
        });
    } catch (const std::exception& e) {
        spdlog::error("dhcp: {} from {}: {}", to_string(*request.message_type()), to_string(request.mac()), e.what());
    }
}

void Server::decide_full(const Packet& request)
{
    if (table_stale_ || std::chrono::steady_clock::now() - loaded_ >= settings_.reload) {
        reload_table();
    }
    std::optional<std::pair<PxeClient, BootOffer>> boot;
    if (const auto client = classify(request)) {
        if (auto offer = boot_for(request, *client)) {
            boot.emplace(*client, std::move(*offer));
        }
    }
    const auto mac = to_string(request.mac());
    table_.reserve(mac, leases_->reservation(mac));  // as the inventory has it now
    const LeaseView view{settings_.full->range, table_, static_cast<std::int64_t>(std::time(nullptr))};
    auto outcome = full_reply(request, *settings_.full, view, boot);
    if (const auto other = request.address(option::server_id);
        other && *other != settings_.server && other_servers_.insert(*other).second) {
        spdlog::warn("dhcp: another DHCP server, {}, answers on {}: full mode is for an isolated network",
                     to_string(*other), settings_.interface);
    }
    // Requests later in the batch see this one's lease.
    apply(table_, outcome);
    batch_.push_back({request, std::move(outcome), std::move(boot)});
}

void Server::commit_batch()
{
    auto batch = std::move(batch_);
    batch_.clear();
    std::vector<LeaseStore::Change> changes;
    for (const auto& d : batch) {
        if (d.outcome.forget || d.outcome.store) {
            changes.push_back({d.outcome.forget, d.outcome.store});
        }
    }
    std::vector<bool> stored;
    if (!changes.empty()) {
        try {
            stored = leases_->write(changes, static_cast<std::int64_t>(std::time(nullptr)));
        } catch (const std::exception& e) {
            table_stale_ = true;
            counters_.ignored += batch.size();
            spdlog::error("dhcp: {} request{} not answered: their leases could not be written: {}", batch.size(),
                          batch.size() == 1 ? "" : "s", e.what());
            return;
        }
    }
    std::size_t change = 0;
    for (const auto& d : batch) {
        const auto& request = d.request;
        const auto& outcome = d.outcome;
        if (outcome.forget || outcome.store) {
            if (!stored.at(change++)) {
                ++counters_.ignored;
                table_stale_ = true;
                spdlog::warn("dhcp: {} not answered: {} is another client's lease by now (a server sharing the "
                             "inventory gave it); the client will ask again",
                             to_string(request.mac()), to_string(outcome.store->ip));
                continue;
            }
        }
        if (outcome.reply) {
            send(main_, *outcome.reply, request, main_.sender);
            tell(*outcome.reply, request, d.boot ? std::optional(d.boot->first) : std::nullopt,
                 d.boot ? d.boot->second.file : std::string());
            switch (*outcome.reply->message_type()) {
            case MessageType::offer: ++counters_.offers; break;
            case MessageType::nak: ++counters_.naks; break;
            default: ++counters_.acks; break;
            }
        } else {
            ++counters_.ignored;
        }
        if (!outcome.note.empty()) {
            spdlog::info("dhcp: {}{}", outcome.note, d.boot ? " (PXE, " + d.boot->second.file + ")" : "");
        }
    }
}

void Server::tell(const Packet& reply, const Packet& request, const std::optional<PxeClient>& pxe,
                  const std::string& file)
{
    if (!observer_) {
        return;
    }
    const auto type = reply.message_type();
    observer_({request.mac(), type ? *type : MessageType::offer, pxe, file,
               reply.yiaddr != 0 ? reply.yiaddr : request.ciaddr});
}

bool Server::send(Port& port, const Packet& reply, const Packet& request, const udp::endpoint& sender)
{
    if (!port.socket.is_open()) {
        return false;  // stopped while it was decided
    }
    udp::endpoint to;
    if (request.giaddr != 0) {
        to = {asio::ip::address_v4(request.giaddr), 67};  // through the relay
    } else if (port.proxy_port) {
        to = sender;  // 4011: straight back
    } else if (request.ciaddr != 0 && !reply.broadcast()) {
        to = {asio::ip::address_v4(request.ciaddr), 68};
    } else {
        // The client has no address yet: broadcast on our interface.
        to = {asio::ip::address_v4::broadcast(), 68};
    }
    const auto bytes = build(reply);
    boost::system::error_code ec;
    port.socket.send_to(asio::buffer(bytes), to, 0, ec);
    if (ec) {
        spdlog::warn("dhcp: cannot send to {}: {}", to.address().to_string(), ec.message());
        return false;
    }
    return true;
}

}  // namespace xcp::dhcp
