#include "libxcp/repository/connect.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace xcp::repository {

boost::asio::awaitable<boost::beast::tcp_stream> connect_to(std::string host, std::string port,
                                                            std::chrono::seconds timeout, std::string what)
{
    const auto executor = co_await boost::asio::this_coro::executor;
    boost::asio::ip::tcp::resolver resolver(executor);
    const auto [resolved, endpoints] = co_await resolver.async_resolve(host, port, checked);
    if (resolved) {
        throw FinalError(what + ": cannot resolve " + host + ": " + resolved.message());
    }
    boost::beast::tcp_stream stream(executor);
    stream.expires_after(timeout);
    if (auto [ec, endpoint] = co_await stream.async_connect(endpoints, checked); ec) {
        throw SourceError(what + ": cannot connect to " + host + ":" + port + ": " + ec.message());
    }
    co_return stream;
}

}  // namespace xcp::repository
