#include "installer-agent/environment/kernel_cmdline.hpp"

#include "libxcp/net/address.hpp"
#include "libxcp/util/text.hpp"

#include <algorithm>
#include <bitset>
#include <fstream>
#include <map>

namespace xcp::installer {
namespace {

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// "255.255.255.0" -> 24; nullopt when not a contiguous mask.
std::optional<int> prefix_of(const std::string& mask)
{
    if (!net::is_ipv4_netmask(mask)) {
        return std::nullopt;
    }
    int ones = 0;
    for (const auto part : util::split(mask, '.')) {
        ones += static_cast<int>(std::bitset<8>(static_cast<unsigned long>(*util::to_int(part))).count());
    }
    return ones;
}

std::string joined(const std::vector<std::string>& names)
{
    std::string out;
    for (const auto& n : names) {
        out += (out.empty() ? "" : ", ") + n;
    }
    return out;
}

}  // namespace

KernelCommandLine parse_kernel_cmdline(std::string_view text)
{
    KernelCommandLine k;
    std::string legacy_device;
    for (auto word : util::split(text, ' ')) {
        word = util::trim(word);
        const auto eq = word.find('=');
        if (eq == std::string_view::npos) {
            continue;
        }
        const auto key = word.substr(0, eq);
        const std::string value(word.substr(eq + 1));
        if (key == "answerfile") {
            k.answerfile = value;
        } else if (key == "answerfile_generator") {
            k.answerfile_generator = value;
        } else if (key == "network_device") {
            k.network_device = value;
        } else if (key == "answerfile_device") {
            legacy_device = value;
        } else if (key == "BOOTIF") {
            // pxelinux IPAPPEND 2: ARP type 01, then the MAC with dashes.
            if (auto mac = net::normalize_mac(value.starts_with("01-") ? value.substr(3) : value)) {
                k.bootif = *mac;
            }
        } else if (key == "network_config") {
            k.network_config = value;
        } else if (key == "atexit") {
            k.atexit = value;
        }
    }
    if (k.network_device.empty()) {
        k.network_device = legacy_device;
    }
    return k;
}

std::variant<std::vector<std::string>, std::string> choose_nics(const KernelCommandLine& k, const std::vector<Nic>& nics)
{
    std::vector<std::string> all;
    for (const auto& n : nics) {
        all.push_back(n.name);
    }
    const auto by_mac = [&](const std::string& mac) -> std::optional<std::string> {
        for (const auto& n : nics) {
            if (n.mac == net::normalize_mac(mac).value_or("")) {
                return n.name;
            }
        }
        return std::nullopt;
    };
    if (k.network_device == "all") {
        return all;
    }
    if (!k.network_device.empty()) {
        if (net::normalize_mac(k.network_device)) {
            if (auto name = by_mac(k.network_device)) {
                return std::vector<std::string>{*name};
            }
            return "network_device=" + k.network_device + ": no NIC has that MAC address";
        }
        if (std::find(all.begin(), all.end(), k.network_device) != all.end()) {
            return std::vector<std::string>{k.network_device};
        }
        return "network_device=" + k.network_device + ": there is no such NIC (" +
               (all.empty() ? std::string("none found") : "present: " + joined(all)) + ")";
    }
    if (!k.bootif.empty()) {
        if (auto name = by_mac(k.bootif)) {
            return std::vector<std::string>{*name};
        }
        return "BOOTIF " + k.bootif + ": the NIC pxelinux booted from is not present";
    }
    if (all.empty()) {
        return std::string("no network interface found");
    }
    return all;
}

std::variant<std::vector<std::vector<std::string>>, std::string> network_commands(const std::string& nic,
                                                                                  const std::string& config)
{
    std::vector<std::vector<std::string>> out{{"ip", "link", "set", "dev", nic, "up"}};
    const auto colon = config.find(':');
    const auto mode = config.substr(0, colon);
    std::map<std::string, std::string> options;
    const auto rest = colon == std::string::npos ? std::string() : config.substr(colon + 1);
    if (!rest.empty()) {
        for (const auto item : util::split(rest, ';')) {
            const auto eq = item.find('=');
            if (eq == std::string_view::npos) {
                return "network_config: '" + std::string(item) + "' is not key=value";
            }
            options[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
        }
    }
    auto device = nic;
    if (options.count("vlan") != 0) {
        const auto& vlan = options["vlan"];
        int id = 0;
        try {
            id = std::stoi(vlan);
        } catch (const std::exception&) {
            id = 0;
        }
        if (id < 1 || id > 4094 || std::to_string(id) != vlan) {
            return "network_config: vlan=" + vlan + " is not a VLAN id from 1 to 4094";
        }
        device = nic + "." + vlan;
        out.push_back({"ip", "link", "add", "link", nic, "name", device, "type", "vlan", "id", vlan});
        out.push_back({"ip", "link", "set", "dev", device, "up"});
    }
    if (mode.empty() || mode == "dhcp") {
        out.push_back({"udhcpc", "-i", device, "-n", "-q", "-t", "5", "-T", "3"});
        return out;
    }
    if (mode != "static") {
        return "network_config=" + config + ": expected dhcp[:vlan=N] or static:ip=...;netmask=...;gateway=...";
    }
    for (const auto* key : {"ip", "netmask"}) {
        if (options.count(key) == 0) {
            return std::string("network_config=static needs ") + key + "=";
        }
    }
    if (!net::is_ipv4(options["ip"])) {
        return "network_config: ip=" + options["ip"] + " is not an IPv4 address";
    }
    const auto prefix = prefix_of(options["netmask"]);
    if (!prefix) {
        return "network_config: netmask=" + options["netmask"] + " is not a netmask";
    }
    out.push_back({"ip", "address", "add", options["ip"] + "/" + std::to_string(*prefix), "dev", device});
    if (options.count("gateway") != 0) {
        if (!net::is_ipv4(options["gateway"])) {
            return "network_config: gateway=" + options["gateway"] + " is not an IPv4 address";
        }
        out.push_back({"ip", "route", "add", "default", "via", options["gateway"], "dev", device});
    }
    return out;
}

std::vector<Nic> list_nics(const std::filesystem::path& sys_class_net)
{
    std::vector<Nic> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(sys_class_net, ec)) {
        const auto name = e.path().filename().string();
        if (name == "lo") {
            continue;
        }
        std::ifstream in(e.path() / "address");
        std::string mac;
        std::getline(in, mac);
        out.push_back({name, lower(std::string(util::trim(mac)))});
    }
    std::sort(out.begin(), out.end(), [](const Nic& a, const Nic& b) { return a.name < b.name; });
    return out;
}

}  // namespace xcp::installer
