#include "server/service/address_book.hpp"

namespace xcp::service {

void AddressBook::tie(const boost::asio::ip::address& address, const std::string& mac)
{
    if (address.is_unspecified() || mac.empty()) {
        return;
    }
    const std::lock_guard lock(mutex_);
    const auto [it, inserted] = macs_.insert_or_assign(address, mac);
    if (!inserted) {
        return;
    }
    order_.push_back(address);
    while (macs_.size() > capacity_ && !order_.empty()) {
        macs_.erase(order_.front());
        order_.pop_front();
    }
}

std::optional<std::string> AddressBook::mac_of(const boost::asio::ip::address& address) const
{
    const std::lock_guard lock(mutex_);
    const auto it = macs_.find(address);
    if (it == macs_.end()) {
        return std::nullopt;
    }
    return it->second;
}

}  // namespace xcp::service
