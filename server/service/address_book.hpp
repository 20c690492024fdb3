// Which MAC an address belongs to, as DHCP and per-MAC config fetches tell
// us: TFTP and HTTP know only the client's address. Bounded; safe from any
// thread.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace xcp::service {

class AddressBook {
public:
    explicit AddressBook(std::size_t capacity = 65536) : capacity_(capacity) {}

    void tie(const boost::asio::ip::address& address, const std::string& mac);
    [[nodiscard]] std::optional<std::string> mac_of(const boost::asio::ip::address& address) const;

private:
    mutable std::mutex mutex_;
    std::size_t capacity_;
    std::map<boost::asio::ip::address, std::string> macs_;
    std::deque<boost::asio::ip::address> order_;  // oldest first, for eviction
};

}  // namespace xcp::service
