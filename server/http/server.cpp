#include "server/http/server.hpp"

#include "server/http/response_head.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>

#include <sys/sendfile.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

namespace xcp::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

Reply text_reply(beast_http::status status, std::string body, std::string_view content_type)
{
    Reply r;
    r.status = status;
    r.headers.set(beast_http::field::content_type, content_type);
    r.body = std::move(body);
    return r;
}

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(Server& server, tcp::socket socket, std::uint64_t id, Client client)
        : server_(&server), settings_(server.settings_), stream_(std::move(socket)), stall_timer_(stream_.get_executor()),
          id_(id), client_(std::move(client))
    {
    }

    ~Session()
    {
        if (server_ != nullptr) {
            server_->on_session_end(id_, client_.address);
        }
    }

    void detach() { server_ = nullptr; }
    [[nodiscard]] asio::any_io_executor executor() { return stream_.get_executor(); }
    void close()
    {
        beast::error_code ignored;
        stall_timer_.cancel();
        stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.close();
    }

    void read()
    {
        reader_.reset();
        stream_.expires_after(settings_.request_timeout);
        parse();
    }

    // A handler completion body; whatever it throws ends this connection only.
    template <typename F>
    void guarded(const char* what, F&& body)
    {
        try {
            body();
        } catch (const std::exception& e) {
            spdlog::error("http {} {} {}: {} failed: {}; connection closed", peer(), method_, target_, what, e.what());
            close();
        }
    }

private:
    void parse()
    {
        auto outcome = reader_.parse();
        if (std::holds_alternative<RequestReader::NeedMore>(outcome)) {
            stream_.async_read_some(reader_.prepare(), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                self->guarded("reading a request", [&] { self->on_read_some(ec, n); });
            });
            return;
        }
        started_ = std::chrono::steady_clock::now();
        if (auto* refused = std::get_if<RequestReader::Refused>(&outcome)) {
            // The request itself is bad: answer and close.
            spdlog::info("http {}: unusable request ({}): {}", peer(), refused->reason,
                         static_cast<int>(refused->status));
            keep_alive_ = false;
            linger_ = true;
            method_ = "-";
            target_ = "-";
            verb_ = beast_http::verb::unknown;
            raw_target_.clear();
            return respond(text_reply(refused->status, std::string(beast_http::obsolete_reason(refused->status)) + "\n"));
        }
        on_request(std::get<Request>(std::move(outcome)));
    }

    void on_read_some(beast::error_code ec, std::size_t n)
    {
        if (server_ == nullptr) {
            return;
        }
        if (ec == beast::error::timeout) {
            ++server_->counters_.timeouts;
            if (reader_.started()) {
                spdlog::info("http {}: request not complete within {} ms, connection closed", peer(),
                             settings_.request_timeout.count());
            }
            return close();
        }
        if (ec) {
            // The client went away (end of stream, reset) or the server stops.
            return close();
        }
        reader_.commit(n);
        parse();
    }

    void on_request(Request request)
    {
        ++server_->counters_.requests;
        keep_alive_ = request.keep_alive();
        version_ = request.version();
        head_ = request.method() == beast_http::verb::head;
        method_ = std::string(request.method_string());
        verb_ = request.method();
        target_ = server_->handler_.loggable_target(request.target());
        raw_target_ = std::string(request.target());
        if (!server_->allow_request(client_.address, started_)) {
            ++server_->counters_.rate_limited;
            auto reply = text_reply(beast_http::status::too_many_requests, "too many requests\n");
            reply.headers.set(beast_http::field::retry_after, "1");
            return respond(std::move(reply));
        }
        auto& handler = server_->handler_;
        if (server_->blocking_ && handler.waits(request)) {
            if (auto now = answer_now(handler, request)) {
                return respond(std::move(*now));
            }
            asio::post(server_->blocking_, [self = shared_from_this(), &handler, request = std::move(request)]() mutable {
                auto reply = self->handle(handler, request);
                const auto executor = self->stream_.get_executor();
                // The session is let go of here, not on this thread after the post.
                asio::post(executor, [self = std::move(self), reply = std::move(reply)]() mutable {
                    if (self->server_ != nullptr) {
                        self->guarded("sending a reply", [&] { self->respond(std::move(reply)); });
                    }
                });
            });
            return;
        }
        respond(handle(handler, request));
    }

    std::optional<Reply> answer_now(Handler& handler, const Request& request) const
    {
        try {
            return handler.answer_now(request, client_);
        } catch (const std::exception& e) {
            spdlog::error("http {} {} {}: {}; handled the slow way", peer(), method_, target_, e.what());
            return std::nullopt;
        }
    }

    // Runs on the I/O thread or, for requests that wait, on the blocking
    // executor: it reads only what does not change while a request is handled.
    Reply handle(Handler& handler, const Request& request) const
    {
        try {
            return handler.handle(request, client_);
        } catch (const std::exception& e) {
            spdlog::error("http {} {} {}: {}", peer(), method_, target_, e.what());
            return text_reply(beast_http::status::internal_server_error, "internal error; see the server log\n");
        }
    }

    void respond(Reply reply)
    {
        status_ = reply.status;
        const auto code = static_cast<unsigned>(status_);
        auto& c = server_->counters_;
        (code >= 500 ? c.responses_5xx : code >= 400 ? c.responses_4xx : code >= 300 ? c.responses_3xx : c.responses_2xx)++;

        const bool no_body = code == 304 || code == 204;
        std::uint64_t length = reply.file ? reply.file->length : head_ ? reply.head_length : reply.body.size();
        if (head_ && !reply.file && reply.head_length == 0) {
            length = reply.body.size();
        }
        body_.clear();
        if (!head_ && !no_body && !reply.file) {
            body_ = std::move(reply.body);
        }
        file_ = std::move(reply.file);
        if (file_ && !head_ && !no_body && file_->length <= inline_file_bytes) {
            // A small file goes out with its header in one write (one
            // segment, one system call) instead of a sendfile after it.
            if (!read_inline_file()) {
                keep_alive_ = false;
                return respond(text_reply(beast_http::status::internal_server_error, "internal error; see the server log\n"));
            }
        }
        body_bytes_ = body_.size();
        write_response_head(response_head_, status_, version_, reply.headers,
                            no_body ? std::nullopt : std::optional<std::uint64_t>(length), keep_alive_);
        stream_.expires_after(settings_.send_stall_timeout);
        const std::array<asio::const_buffer, 2> buffers{asio::buffer(response_head_), asio::buffer(body_)};
        asio::async_write(stream_, buffers, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            self->guarded("sending a reply", [&] { self->on_header_written(ec); });
        });
    }

    // The whole slice into body_; false (and logged) when the file is shorter
    // than it was when opened, or unreadable.
    bool read_inline_file()
    {
        body_.resize(static_cast<std::size_t>(file_->length));
        std::size_t done = 0;
        while (done < body_.size()) {
            const auto n = ::pread(file_->fd.get(), body_.data() + done, body_.size() - done,
                                   static_cast<off_t>(file_->offset + done));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                spdlog::warn("http {} {} {}: {}", peer(), method_, target_,
                             n == 0 ? "file ended early" : std::string("reading the file failed: ") + std::strerror(errno));
                file_.reset();
                body_.clear();
                return false;
            }
            done += static_cast<std::size_t>(n);
        }
        file_.reset();
        return true;
    }

    void on_header_written(beast::error_code ec)
    {
        if (ec || server_ == nullptr) {
            finish(false);
            return;
        }
        if (file_ && !head_ && file_->length > 0) {
            stream_.expires_never();
            deadline_ = std::chrono::steady_clock::now() + settings_.max_response_time;
            if (!native_non_blocking_) {  // an ioctl each time it is set
                beast::error_code ignored;
                stream_.socket().native_non_blocking(true, ignored);
                native_non_blocking_ = !ignored;
            }
            send_file();
            return;
        }
        finish(true);
    }

    // sendfile until the socket is full, then wait for it to drain; a client
    // that stops reading is cut off after send_stall_timeout.
    void send_file()
    {
        if (server_ == nullptr) {
            return;
        }
        if (std::chrono::steady_clock::now() > deadline_) {
            spdlog::info("http {} {} {}: response took longer than {} s, connection closed", peer(), method_, target_,
                         std::chrono::duration_cast<std::chrono::seconds>(settings_.max_response_time).count());
            return finish(false);
        }
        // Bounded per turn so that one fast client does not starve the others.
        std::size_t this_turn = 0;
        while (file_->length > 0 && this_turn < (8U << 20)) {
            auto offset = static_cast<off_t>(file_->offset);
            const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(file_->length, 1U << 20));
            const auto n = ::sendfile(stream_.socket().native_handle(), file_->fd.get(), &offset, chunk);
            if (n > 0) {
                const auto sent = static_cast<std::uint64_t>(n);
                file_->offset += sent;
                file_->length -= sent;
                body_bytes_ += sent;
                this_turn += sent;
                continue;
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                stall_timer_.expires_after(settings_.send_stall_timeout);
                stall_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
                    if (!ec) {
                        self->guarded("sending a file", [&] { self->on_stall(); });
                    }
                });
                stream_.socket().async_wait(tcp::socket::wait_write, [self = shared_from_this()](beast::error_code ec) {
                    self->guarded("sending a file", [&] {
                        self->stall_timer_.cancel();
                        if (ec) {
                            return self->finish(false);
                        }
                        self->send_file();
                    });
                });
                return;
            }
            // An error, or the file shrank under us: the client sees a short body.
            if (n == 0) {
                spdlog::warn("http {} {} {}: file ended early", peer(), method_, target_);
            }
            return finish(false);
        }
        if (file_->length > 0) {
            asio::post(stream_.get_executor(),
                       [self = shared_from_this()] { self->guarded("sending a file", [&] { self->send_file(); }); });
            return;
        }
        finish(true);
    }

    void on_stall()
    {
        if (server_ != nullptr) {
            ++server_->counters_.timeouts;
        }
        spdlog::info("http {} {} {}: client took no data for {} ms, connection closed", peer(), method_, target_,
                     settings_.send_stall_timeout.count());
        close();
    }

    void finish(bool complete)
    {
        if (server_ == nullptr) {
            return;
        }
        server_->counters_.bytes += body_bytes_;
        const auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
        if (spdlog::should_log(spdlog::level::info)) {  // peer() costs a formatting
            spdlog::info("http {} \"{} {}\" {} {} {:.1f}ms{}", peer(), method_, target_, static_cast<unsigned>(status_),
                         body_bytes_, ms, complete ? "" : " incomplete");
        }
        try {
            server_->handler_.served({client_, verb_, std::move(raw_target_), status_, body_bytes_, ms, complete});
        } catch (const std::exception& e) {
            spdlog::error("http {} {} {}: recording it failed: {}", peer(), method_, target_, e.what());
        }
        raw_target_.clear();
        file_.reset();
        body_bytes_ = 0;
        if (complete && linger_) {
            return linger();
        }
        if (!complete || !keep_alive_) {
            return close();
        }
        read();
    }

    // After refusing a request whose body is still coming (413): our side
    // shut, the rest read and dropped for a bounded time, so that closing
    // with unread data does not reset the connection before the client has
    // read the answer (RFC 9112, section 9.6).
    void linger()
    {
        beast::error_code ignored;
        stall_timer_.cancel();
        stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
        stream_.expires_after(std::chrono::seconds(5));
        drained_.resize(16384);
        drain();
    }

    void drain()
    {
        stream_.async_read_some(asio::buffer(drained_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec || self->server_ == nullptr) {
                return self->close();
            }
            self->drain();
        });
    }

    [[nodiscard]] std::string peer() const
    {
        return client_.address.is_v6() ? "[" + client_.address.to_string() + "]:" + std::to_string(client_.port)
                                       : client_.address.to_string() + ":" + std::to_string(client_.port);
    }

    Server* server_;
    const ServerSettings settings_;  // a copy: handlers may still run after the server is gone
    beast::tcp_stream stream_;
    asio::steady_timer stall_timer_;
    std::uint64_t id_;
    Client client_;
    RequestReader reader_{settings_.limits};
    std::optional<FileSlice> file_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point deadline_;
    beast_http::status status_ = beast_http::status::ok;
    unsigned version_ = 11;
    bool keep_alive_ = false;
    bool linger_ = false;  // a refused request's body may still be coming
    std::vector<char> drained_;
    bool head_ = false;
    bool native_non_blocking_ = false;
    std::string method_;
    beast_http::verb verb_ = beast_http::verb::unknown;
    std::string target_;
    std::string raw_target_;
    std::uint64_t body_bytes_ = 0;
    std::string response_head_;  // reused by each response on this connection
    std::string body_;
    static constexpr std::uint64_t inline_file_bytes = 64 * 1024;
};

Server::Server(asio::io_context& io, ServerSettings settings, Handler& handler, asio::any_io_executor blocking)
    : settings_(std::move(settings)), handler_(handler), blocking_(std::move(blocking)), acceptor_(io), accept_pause_(io),
      limiter_(settings_.requests_per_second_per_client, settings_.request_burst_per_client)
{
    if (!settings_.limits.body_limit) {
        settings_.limits.body_limit = [&handler](const Request& header) { return handler.body_limit(header); };
        settings_.limits.largest_body_bytes = std::max(settings_.limits.largest_body_bytes, handler.largest_body_limit());
    }
}

Server::~Server()
{
    stop();
}

void Server::start()
{
    beast::error_code ec;
    const auto& ep = settings_.listen;
    const auto where = " HTTP on " + ep.address().to_string() + " port " + std::to_string(ep.port());
    acceptor_.open(ep.protocol(), ec);
    if (!ec) {
        acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
        acceptor_.bind(ep, ec);
    }
    if (!ec) {
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        throw std::system_error(ec, "cannot serve" + where);
    }
    accept();
}

void Server::stop()
{
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_pause_.cancel();
    std::map<std::uint64_t, std::weak_ptr<Session>> sessions;
    {
        const std::lock_guard lock(mutex_);
        sessions.swap(sessions_);
        per_client_.clear();
    }
    for (auto& [id, weak] : sessions) {
        if (auto s = weak.lock()) {
            s->detach();
            s->close();
        }
    }
}

tcp::endpoint Server::local_endpoint() const
{
    return acceptor_.local_endpoint();
}

void Server::accept()
{
    // Each connection on a strand of its own, or on a loop that one thread
    // runs, which orders its handlers already.
    auto executor = loops_.empty() ? asio::any_io_executor(asio::make_strand(acceptor_.get_executor()))
                                   : loops_[next_loop_++ % loops_.size()];
    acceptor_.async_accept(std::move(executor), [this](beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
            return;
        }
        bool again = true;
        try {
            again = on_accept(ec, std::move(socket));
        } catch (const std::exception& e) {
            spdlog::error("http: accepting a connection failed: {}", e.what());
        }
        if (again) {
            accept();
        }
    });
}

bool Server::on_accept(beast::error_code ec, tcp::socket socket)
{
    if (ec) {
        // Out of descriptors, most likely: pause instead of spinning.
        spdlog::warn("http: accept failed: {}; pausing 100 ms", ec.message());
        accept_pause_.expires_after(std::chrono::milliseconds(100));
        accept_pause_.async_wait([this](beast::error_code wait_ec) {
            if (!wait_ec) {
                accept();
            }
        });
        return false;
    }
    beast::error_code remote_ec;
    const auto remote = socket.remote_endpoint(remote_ec);
    if (remote_ec) {
        return true;
    }
    std::shared_ptr<Session> session;
    {
        const std::lock_guard lock(mutex_);
        auto& count = per_client_[remote.address()];
        if (sessions_.size() >= settings_.max_connections || count >= settings_.max_connections_per_client) {
            ++counters_.refused_connections;
            spdlog::warn("http {}: connection refused: {} open in total, {} from this client",
                         remote.address().to_string(), sessions_.size(), count);
            if (count == 0) {
                per_client_.erase(remote.address());
            }
            socket.close(remote_ec);
            return true;
        }
        ++count;
        ++counters_.connections;
        socket.set_option(tcp::no_delay(true), remote_ec);
        const auto id = next_id_++;
        session = std::make_shared<Session>(*this, std::move(socket), id, Client{remote.address(), remote.port()});
        sessions_[id] = session;
    }
    const auto executor = session->executor();
    asio::dispatch(executor, [session = std::move(session)] { session->read(); });
    return true;
}

bool Server::allow_request(const asio::ip::address& client, std::chrono::steady_clock::time_point now)
{
    const std::lock_guard lock(mutex_);
    return limiter_.allow(client, now);
}

void Server::on_session_end(std::uint64_t id, const asio::ip::address& client)
{
    const std::lock_guard lock(mutex_);
    sessions_.erase(id);
    if (auto it = per_client_.find(client); it != per_client_.end() && --it->second == 0) {
        per_client_.erase(it);
    }
}

}  // namespace xcp::http
