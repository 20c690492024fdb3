// Two network namespaces a test makes and removes, joined by a veth pair:
// a server side (10.77.0.1/24) and a client side. Nothing reaches a real
// interface. Needs root.
#pragma once

#include "tests/support/process.hpp"

#include <string>

namespace xcp::test {

class NamespacePair {
public:
    // `tag` keeps parallel tests apart; `client_address` may be empty (the
    // client then gets one by DHCP).
    NamespacePair(const std::string& tag, const std::string& client_mac, const std::string& client_address);
    ~NamespacePair();
    NamespacePair(const NamespacePair&) = delete;
    NamespacePair& operator=(const NamespacePair&) = delete;

    // Empty when both sides are up; else the command that failed and why.
    [[nodiscard]] const std::string& error() const { return error_; }

    // Makes the client side a LAN for a virtual machine: a bridge holding
    // the veth's end and a tap device (QEMU's -netdev tap,ifname=...).
    // Returns the tap's name, or empty with error() set.
    std::string add_bridged_tap();
    std::string lan_bridge;  // set by add_bridged_tap

    std::string server_ns, client_ns;
    std::string server_if, client_if;
    static constexpr const char* server_address = "10.77.0.1";

private:
    std::string error_;
};

}  // namespace xcp::test
