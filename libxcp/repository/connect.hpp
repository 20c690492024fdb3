// Resolving and connecting under a deadline, as every network source (and
// the installer's progress events) begins. Coroutine: strings by value.
#pragma once

#include "libxcp/repository/retrying_source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <string>

namespace xcp::repository {

inline constexpr auto checked = boost::asio::as_tuple(boost::asio::use_awaitable);

// Throws FinalError when the name does not resolve, SourceError when no
// address accepts the connection in time. `what` starts the error text.
boost::asio::awaitable<boost::beast::tcp_stream> connect_to(std::string host, std::string port,
                                                            std::chrono::seconds timeout, std::string what);

}  // namespace xcp::repository
