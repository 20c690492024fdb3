#include "tests/support/namespaces.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

namespace xcp::test {

NamespacePair::NamespacePair(const std::string& tag, const std::string& client_mac, const std::string& client_address)
{
    const auto id = std::to_string(::getpid() % 100000);
    server_ns = "xcp-" + tag + "-s-" + id;
    client_ns = "xcp-" + tag + "-c-" + id;
    // Interface names: 15 characters at most.
    server_if = "xs" + id;
    client_if = "xc" + id;
    // `ip netns exec` binds /etc/netns/NAME/resolv.conf over /etc/resolv.conf:
    // a DHCP client's script in the namespace writes that copy, not the host's.
    std::filesystem::create_directories("/etc/netns/" + client_ns);
    std::ofstream("/etc/netns/" + client_ns + "/resolv.conf");
    std::vector<std::string> setup{
        "ip netns add " + server_ns,
        "ip netns add " + client_ns,
        "ip link add " + server_if + " netns " + server_ns + " type veth peer name " + client_if + " netns " + client_ns,
        "ip -n " + server_ns + " addr add " + server_address + "/24 dev " + server_if,
        "ip -n " + server_ns + " link set " + server_if + " up",
        "ip -n " + server_ns + " link set lo up",
        "ip -n " + client_ns + " link set lo up",
        "ip -n " + client_ns + " link set " + client_if + " address " + client_mac,
    };
    if (!client_address.empty()) {
        setup.push_back("ip -n " + client_ns + " addr add " + client_address + "/24 dev " + client_if);
        setup.push_back("ip -n " + client_ns + " link set " + client_if + " up");
    }
    for (const auto& command : setup) {
        const auto r = run(command);
        if (r.exit_code != 0) {
            error_ = command + ": " + r.output;
            return;
        }
    }
}

std::string NamespacePair::add_bridged_tap()
{
    const auto id = client_if.substr(2);
    const auto bridge = "xb" + id;
    const auto tap = "xt" + id;
    std::vector<std::string> setup;
    if (!std::filesystem::exists("/dev/net/tun")) {
        setup.push_back("mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && chmod 0666 /dev/net/tun");
    }
    const auto in = "ip -n " + client_ns + " ";
    setup.insert(setup.end(), {
        in + "link add " + bridge + " type bridge forward_delay 0 stp_state 0",
        in + "link set " + client_if + " master " + bridge,
        in + "tuntap add dev " + tap + " mode tap",
        in + "link set " + tap + " master " + bridge,
        in + "link set " + client_if + " up",
        in + "link set " + tap + " up",
        in + "link set " + bridge + " up",
    });
    for (const auto& command : setup) {
        const auto r = run(command);
        if (r.exit_code != 0) {
            error_ = command + ": " + r.output;
            return {};
        }
    }
    lan_bridge = bridge;
    return tap;
}

NamespacePair::~NamespacePair()
{
    run("ip netns del " + server_ns);
    run("ip netns del " + client_ns);
    std::error_code ignored;
    std::filesystem::remove_all("/etc/netns/" + client_ns, ignored);
    std::filesystem::remove("/etc/netns", ignored);  // only when no other namespace uses it
}

}  // namespace xcp::test
