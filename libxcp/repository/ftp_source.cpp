#include "libxcp/repository/ftp_source.hpp"

#include "libxcp/repository/connect.hpp"
#include "libxcp/util/text.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/url/parse.hpp>

#include <array>

namespace xcp::repository {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

// "230 ok" or "230-more"; also the bare "230".
bool three_digits(std::string_view line)
{
    return line.size() >= 3 && std::isdigit(static_cast<unsigned char>(line[0])) &&
           std::isdigit(static_cast<unsigned char>(line[1])) && std::isdigit(static_cast<unsigned char>(line[2]));
}

// The control connection: commands out, replies in, each under the deadline.
class Control {
public:
    Control(beast::tcp_stream& stream, std::chrono::seconds timeout, std::string what)
        : stream_(stream), timeout_(timeout), what_(std::move(what))
    {
    }

    asio::awaitable<FtpReply> reply()
    {
        while (true) {
            if (auto r = parse_ftp_reply(received_)) {
                received_.erase(0, r->used);
                if (r->code == 0) {
                    throw FinalError(what_ + ": the server does not speak FTP");
                }
                co_return *r;
            }
            if (received_.size() > 64 * 1024) {
                throw FinalError(what_ + ": a reply of more than 64 KiB");
            }
            std::array<char, 4096> buffer{};
            stream_.expires_after(timeout_);
            auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), checked);
            if (ec) {
                throw SourceError(what_ + ": the control connection: " +
                                  (ec == beast::error::timeout ? "no answer within " + std::to_string(timeout_.count()) + " s"
                                                               : ec.message()));
            }
            received_.append(buffer.data(), n);
        }
    }

    // Sends a command and returns the reply; `shown` is what an error says
    // was sent (never the password).
    // By value: the caller's strings are temporaries.
    asio::awaitable<FtpReply> command(std::string line, std::string shown)
    {
        const auto text = line + "\r\n";
        stream_.expires_after(timeout_);
        if (auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(text), checked); ec) {
            throw SourceError(what_ + ": cannot send " + shown + ": " + ec.message());
        }
        co_return co_await reply();
    }

    // A reply of the expected class (2: done, 3: go on) or an error naming it.
    asio::awaitable<FtpReply> expect(std::string line, std::string shown, int klass)
    {
        auto r = co_await command(line, shown);
        if (r.code / 100 != klass) {
            const auto text = what_ + ": " + shown + ": " + std::to_string(r.code) + " " + r.text;
            if (r.code / 100 == 4) {
                throw SourceError(text);  // transient, says RFC 959
            }
            throw FinalError(text);
        }
        co_return r;
    }

private:
    beast::tcp_stream& stream_;
    std::chrono::seconds timeout_;
    std::string what_;
    std::string received_;
};

// Strings by value: a coroutine's frame outlives the caller's temporaries.
asio::awaitable<void> retrieve(std::string host, std::string port, std::string user, Secret password,
                               std::string file, std::uint64_t& offset, std::uint64_t limit,
                               std::chrono::seconds timeout, const std::function<void(std::span<const std::byte>)>& sink,
                               std::string what)
{
    const auto executor = co_await asio::this_coro::executor;
    auto stream = co_await connect_to(host, port, timeout, what);
    const auto peer = stream.socket().remote_endpoint();
    Control control(stream, timeout, what);
    if (const auto hello = co_await control.reply(); hello.code / 100 != 2) {
        throw SourceError(what + ": the server greets with " + std::to_string(hello.code) + " " + hello.text);
    }
    const auto login = co_await control.command("USER " + user, "USER " + user);
    if (login.code == 331 || login.code == 332) {
        co_await control.expect("PASS " + password.reveal(), "PASS " + std::string(Secret::placeholder()), 2);
    } else if (login.code / 100 != 2) {
        throw FinalError(what + ": USER " + user + ": " + std::to_string(login.code) + " " + login.text);
    }
    co_await control.expect("TYPE I", "TYPE I", 2);
    auto data_port = std::optional<std::uint16_t>();
    if (const auto epsv = co_await control.command("EPSV", "EPSV"); epsv.code == 229) {
        data_port = parse_epsv(epsv.text);
    } else {
        const auto pasv = co_await control.expect("PASV", "PASV", 2);
        data_port = parse_pasv(pasv.text);
    }
    if (!data_port) {
        throw FinalError(what + ": the server's passive-mode reply names no port");
    }
    beast::tcp_stream data(executor);
    data.expires_after(timeout);
    if (auto [ec] = co_await data.async_connect(asio::ip::tcp::endpoint(peer.address(), *data_port), checked); ec) {
        throw SourceError(what + ": cannot open the data connection: " + ec.message());
    }
    if (offset > 0) {
        co_await control.expect("REST " + std::to_string(offset), "REST " + std::to_string(offset), 3);
    }
    const auto started = co_await control.command("RETR " + file, "RETR " + file);
    if (started.code == 550) {
        throw NotFoundError(what + ": 550 " + started.text);
    }
    if (started.code / 100 != 1) {
        const auto text = what + ": RETR: " + std::to_string(started.code) + " " + started.text;
        if (started.code / 100 == 4) {
            throw SourceError(text);
        }
        throw FinalError(text);
    }
    std::array<char, 1 << 16> chunk{};
    while (true) {
        data.expires_after(timeout);
        auto [ec, n] = co_await data.async_read_some(asio::buffer(chunk), checked);
        if (n > 0) {
            if (offset + n > limit) {
                throw FinalError(what + ": larger than " + std::to_string(limit) + " bytes");
            }
            sink(std::as_bytes(std::span(chunk.data(), n)));
            offset += n;
        }
        if (ec == asio::error::eof) {
            break;
        }
        if (ec) {
            throw SourceError(what + ": cut after " + std::to_string(offset) + " bytes: " +
                              (ec == beast::error::timeout ? "stalled for " + std::to_string(timeout.count()) + " s"
                                                           : ec.message()));
        }
    }
    // The end of the data connection alone does not say the file is whole.
    const auto done = co_await control.reply();
    if (done.code / 100 != 2) {
        throw SourceError(what + ": cut after " + std::to_string(offset) + " bytes: " + std::to_string(done.code) +
                          " " + done.text);
    }
    co_await control.command("QUIT", "QUIT");
}

}  // namespace

std::optional<FtpReply> parse_ftp_reply(std::string_view received)
{
    std::size_t at = 0;
    std::string code;
    while (true) {
        // Lines end with CRLF; some servers send a bare LF.
        const auto end = received.find('\n', at);
        if (end == std::string_view::npos) {
            return std::nullopt;
        }
        auto line = received.substr(at, end - at);
        if (line.ends_with('\r')) {
            line.remove_suffix(1);
        }
        at = end + 1;
        if (code.empty()) {
            if (!three_digits(line)) {
                return FtpReply{0, std::string(line.substr(0, 80)), at};
            }
            code = std::string(line.substr(0, 3));
            if (line.size() == 3 || line[3] != '-') {
                return FtpReply{std::stoi(code), std::string(util::trim(line.substr(std::min<std::size_t>(4, line.size())))), at};
            }
        } else if (line.size() >= 4 && line.substr(0, 3) == code && line[3] == ' ') {
            return FtpReply{std::stoi(code), std::string(util::trim(line.substr(4))), at};
        }
    }
}

std::optional<std::uint16_t> parse_epsv(std::string_view text)
{
    const auto open = text.find('(');
    const auto close = text.find(')', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos || close - open < 6) {
        return std::nullopt;
    }
    const auto inner = text.substr(open + 1, close - open - 1);  // |||6446|
    const char d = inner.front();
    if (inner.size() < 5 || inner[1] != d || inner[2] != d || inner.back() != d) {
        return std::nullopt;
    }
    const auto port = util::to_int(inner.substr(3, inner.size() - 4));
    if (!port || *port < 1 || *port > 65535) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(*port);
}

std::optional<std::uint16_t> parse_pasv(std::string_view text)
{
    const auto open = text.find('(');
    const auto close = text.find(')', open == std::string_view::npos ? 0 : open);
    if (open == std::string_view::npos || close == std::string_view::npos) {
        return std::nullopt;
    }
    const auto parts = util::split(text.substr(open + 1, close - open - 1), ',');
    if (parts.size() != 6) {
        return std::nullopt;
    }
    long long v[6];
    for (std::size_t i = 0; i < 6; ++i) {
        const auto n = util::to_int(util::trim(parts[i]));
        if (!n || *n < 0 || *n > 255) {
            return std::nullopt;
        }
        v[i] = *n;
    }
    const auto port = v[4] * 256 + v[5];
    if (port == 0) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(port);
}

FtpSource::FtpSource(const std::string& url, RetrySettings settings) : RetryingSource(settings)
{
    const auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "ftp" || parsed->host().empty()) {
        throw SourceError("'" + url + "' is not an ftp://[user[:password]@]host[:port]/path URL");
    }
    host_ = parsed->host();
    port_ = parsed->has_port() ? std::string(parsed->port()) : "21";
    user_ = parsed->has_userinfo() && !parsed->user().empty() ? std::string(parsed->user()) : "anonymous";
    password_ = Secret(parsed->has_password() ? std::string(parsed->password()) : "xcp-installer@");
    base_path_ = parsed->path();
    if (base_path_.empty() || base_path_.back() != '/') {
        base_path_ += '/';
    }
    shown_ = "ftp://" + (user_ == "anonymous" ? std::string() : user_ + "@") + host_ +
             (parsed->has_port() ? ":" + port_ : std::string()) + base_path_;
}

void FtpSource::fetch_once(const std::string& path, std::uint64_t& offset, std::uint64_t limit,
                           const std::function<void(std::span<const std::byte>)>& sink)
{
    asio::io_context io;
    std::exception_ptr failure;
    asio::co_spawn(io,
                   retrieve(host_, port_, user_, password_, base_path_ + path, offset, limit, settings().io_timeout,
                            sink, shown_ + path),
                   [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
}

}  // namespace xcp::repository
