#include "server/inventory/host_vars.hpp"

#include "libxcp/answerfile/values.hpp"
#include "libxcp/net/address.hpp"
#include "libxcp/util/text.hpp"
#include "server/inventory/secrets.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace xcp::inventory {
namespace {

using Check = std::string (*)(std::string_view);

std::string ok(std::string_view) { return {}; }

std::string ipv4(std::string_view v) { return net::is_ipv4(v) ? "" : "is not an IPv4 address"; }
std::string netmask(std::string_view v) { return net::is_ipv4_netmask(v) ? "" : "is not an IPv4 netmask"; }
std::string interface_name(std::string_view v)
{
    const bool good = !v.empty() && v.size() <= 15 && std::all_of(v.begin(), v.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
    return good ? "" : "is not a network interface name (eth0)";
}
std::string disk(std::string_view v) { return answerfile::check_disk_name(v); }
std::string timezone(std::string_view v) { return answerfile::check_timezone(v); }
std::string keymap(std::string_view v) { return answerfile::check_keymap(v); }
std::string backup_id(std::string_view v)
{
    return !v.empty() && v.size() <= 40 && v.find_first_not_of("0123456789abcdefTZ.-") == std::string_view::npos
               ? ""
               : "is not a backup ID (see `xcp-pxe host backups MAC`)";
}
std::string hash(std::string_view v) { return answerfile::check_password_hash(v); }
std::string sr_type(std::string_view v) { return v == "lvm" || v == "ext" ? "" : "is neither lvm nor ext"; }
std::string vlan(std::string_view v)
{
    const auto n = util::to_int(v);
    return n && *n >= 1 && *n <= 4094 ? "" : "is not a VLAN id (1-4094)";
}
std::string url(std::string_view v)
{
    return answerfile::check_source_location(answerfile::SourceType::url, v);
}

// A comma-separated list, each item checked.
template <Check item>
std::string list_of(std::string_view v)
{
    for (const auto piece : util::split(v, ',')) {
        const auto one = util::trim(piece);
        if (auto why = item(one); !why.empty()) {
            return "item '" + std::string(one) + "' " + why;
        }
    }
    return {};
}

std::string ip_or_host(std::string_view v) { return net::is_ip(v) || net::is_hostname(v) ? "" : "is not an address or host name"; }

// Profile and release names become paths and reach boot configs and kernel
// command lines: a strict shape, so that none can add a line or an argument.
constexpr std::string_view name_shape = "letters, digits, '.', '_' and '-', at most 64, not starting with '.'";

}  // namespace

bool is_name(std::string_view v)
{
    return !v.empty() && v.size() <= 64 && v.front() != '.' && std::all_of(v.begin(), v.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    });
}

std::string name_problem(std::string_view what, std::string_view value)
{
    if (is_name(value)) {
        return {};
    }
    return std::string(what) + " '" + util::printable(value, 80) + "' is not a " + std::string(what) + " name (" +
           std::string(name_shape) + ")";
}

namespace {

struct Rule {
    HostSetting setting;
    Check check;
};

constexpr std::array rules{
    Rule{{"hostname", "host name of the new control domain"}, nullptr},
    Rule{{"profile", "answerfile profile (a file NAME.xml in the profiles directory)"}, nullptr},
    Rule{{"release", "release whose boot files and repository to use (empty: the configured default)"}, nullptr},
    Rule{{"netboot", "yes: network boot as the next mode says; no: local boot"}, nullptr},
    Rule{{"interface", "admin interface (default eth0)"}, interface_name},
    Rule{{"ip", "static IPv4 address of the admin interface (absent: DHCP)"}, ipv4},
    Rule{{"netmask", "its netmask"}, netmask},
    Rule{{"gateway", "its gateway"}, ipv4},
    Rule{{"vlan", "VLAN id of the admin interface"}, vlan},
    Rule{{"dns", "name servers, comma-separated"}, list_of<ipv4>},
    Rule{{"ntp", "NTP servers, comma-separated"}, list_of<ip_or_host>},
    Rule{{"primary-disk", "disk for the control domain (default sda)"}, disk},
    Rule{{"guest-disks", "disks for the local SR, comma-separated"}, list_of<disk>},
    Rule{{"sr-type", "lvm or ext (default lvm)"}, sr_type},
    Rule{{"timezone", "Area/City (default Etc/UTC)"}, timezone},
    Rule{{"keymap", "console keymap (default us)"}, keymap},
    Rule{{"root-password", "root password in plain text: stored only as its SHA-512 crypt hash"}, ok},
    Rule{{"root-password-hash", "root password as a crypt(3) hash ($6$...)"}, hash},
    Rule{{"repository", "install source URL (default: this server's repository)"}, url},
    Rule{{"backup-disk", "disk holding the backup to restore (default: installed-disk)"}, disk},
    Rule{{"installed-disk", "disk the last successful install reported (set by xcp-installer); an upgrade or a "
                            "restore names it"},
         disk},
    Rule{{"restore-backup", "backup the next install applies, kept by this server (set by `host restore MAC "
                            "--from-server`); cleared once it succeeds or another install is requested"},
         backup_id},
    Rule{{"install-disk", "disk the install under way reports (set by xcp-installer); installed-disk once it "
                          "succeeds"},
         disk},
};

}  // namespace

std::span<const HostSetting> host_settings()
{
    static const auto settings = [] {
        std::vector<HostSetting> out;
        for (const auto& r : rules) {
            out.push_back(r.setting);
        }
        return out;
    }();
    return settings;
}

std::string set_host_value(Host& host, std::string_view key, std::string_view raw)
{
    const auto value = std::string(util::trim(raw));
    const auto* rule = std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.setting.key == key; });
    if (rule == rules.end()) {
        std::vector<std::string_view> keys;
        for (const auto& r : rules) {
            keys.push_back(r.setting.key);
        }
        const auto near = util::closest(key, keys, 3);
        return "unknown setting '" + util::printable(key, 64) + "'" +
               (near ? " (did you mean '" + std::string(*near) + "'?)" : " (see `xcp-pxe host set --help`)");
    }
    if (key == "hostname") {
        if (auto why = answerfile::check_hostname(value); !why.empty()) {
            return "hostname '" + util::printable(value, 80) + "' " + why;
        }
        host.hostname = value;
        return {};
    }
    if (key == "profile") {
        if (!is_name(value)) {
            return "profile '" + util::printable(value, 80) + "' is not a profile name (" + std::string(name_shape) + ")";
        }
        host.profile = value;
        return {};
    }
    if (key == "release") {
        if (!value.empty() && !is_name(value)) {
            return "release '" + util::printable(value, 80) + "' is not a release name (" + std::string(name_shape) + ")";
        }
        host.release = value;
        return {};
    }
    if (key == "netboot") {
        const auto b = answerfile::parse_bool(value);
        if (!b) {
            return "netboot must be yes or no, not '" + util::printable(value, 80) + "'";
        }
        host.netboot = *b;
        return {};
    }
    if (value.empty()) {
        host.vars.erase(std::string(key));
        if (key == "root-password") {
            host.vars.erase("root-password-hash");
        }
        return {};
    }
    if (key == "root-password") {
        host.vars["root-password-hash"] = sha512_crypt(Secret(value));
        return {};
    }
    if (auto why = rule->check(value); !why.empty()) {
        // A wrong hash may be a password typed in the wrong place: never echo it.
        const auto shown = key == "root-password-hash" ? std::string("value") : "'" + util::printable(value, 80) + "'";
        return std::string(key) + " " + shown + " " + why;
    }
    host.vars[std::string(key)] = value;
    return {};
}

std::pair<std::string, std::string> split_assignment(std::string_view text)
{
    const auto eq = text.find('=');
    if (eq == std::string_view::npos) {
        return {};
    }
    return {std::string(util::trim(text.substr(0, eq))), std::string(text.substr(eq + 1))};
}

}  // namespace xcp::inventory
