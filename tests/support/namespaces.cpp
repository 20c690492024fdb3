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

NamespacePair::~NamespacePair()
{
    run("ip netns del " + server_ns);
    run("ip netns del " + client_ns);
    std::error_code ignored;
    std::filesystem::remove_all("/etc/netns/" + client_ns, ignored);
    std::filesystem::remove("/etc/netns", ignored);  // only when no other namespace uses it
}

}  // namespace xcp::test
