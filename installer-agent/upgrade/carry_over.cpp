#include "installer-agent/upgrade/carry_over.hpp"

#include "libxcp/util/text.hpp"

#include <fnmatch.h>

#include <array>
#include <set>

namespace xcp::installer {
namespace {

using K = CarryKind;

constexpr std::array table{
    CarryOverEntry{"etc/xensource/ptoken", K::file, {}, {}, true, "pool membership"},
    CarryOverEntry{"etc/xensource/pool.conf", K::file, {}, {}, true, "master or slave of which pool"},
    CarryOverEntry{"etc/xensource/xapi-ssl.pem", K::file, {}, {}, true, "the host's TLS identity"},
    CarryOverEntry{"etc/xensource/xapi-pool-tls.pem", K::file, {}, {}, true, "pool TLS"},
    CarryOverEntry{"etc/xensource/license", K::file},
    CarryOverEntry{"etc/xensource/syslog.conf", K::file},
    CarryOverEntry{"etc/ssh/ssh_host_*", K::glob, {}, {}, true, "ssh host keys"},
    CarryOverEntry{"root/.ssh", K::directory, {}, {}, true, "root's authorized keys"},
    CarryOverEntry{"etc/sysconfig/network", K::file},
    CarryOverEntry{"etc/sysconfig/network-scripts/ifcfg-*", K::glob},
    CarryOverEntry{"var/lib/xcp/networkd.db", K::file, {}, {}, true, "the management interface and bonds"},
    CarryOverEntry{"etc/sysconfig/network-scripts/interface-rename-data", K::directory, {}, {}, true,
                   "NIC names, with .from_install"},
    CarryOverEntry{"var/lib/xcp/state.db", K::file, {}, {}, true, "xapi's database: VMs, SRs, networks"},
    CarryOverEntry{"var/xapi/state.db", K::file, {}, {}, true, "xapi's database on older hosts"},
    CarryOverEntry{"var/opt/xapi-clusterd/db", K::file},
    CarryOverEntry{"var/lib/xcp/blobs", K::directory},
    CarryOverEntry{"var/lib/xcp/lpe-cache", K::directory},
    CarryOverEntry{"etc/firstboot.d/data/*.conf", K::glob, {}, {}, true, "first-boot settings"},
    CarryOverEntry{"etc/xensource-inventory", K::file, "var/tmp/.previousInventory", {}, true,
                   "the new root gets a new inventory with the old UUIDs"},
    CarryOverEntry{"etc/resolv.conf", K::file},
    CarryOverEntry{"etc/krb5.conf", K::file},
    CarryOverEntry{"etc/krb5.keytab", K::file},
    CarryOverEntry{"var/lib/samba", K::directory},
    CarryOverEntry{"var/lib/pbis/db/registry.db", K::file},
    CarryOverEntry{"etc/sysconfig/mkinitrd.latches", K::file},
    CarryOverEntry{"etc/mdadm.conf", K::file},
    CarryOverEntry{"etc/multipath.conf", K::file, "etc/multipath.conf.bak", {}, true,
                   "the new release's own multipath.conf stays in force"},
    CarryOverEntry{"etc/multipath/conf.d/custom*.conf", K::glob},
    CarryOverEntry{"etc/locale.conf", K::file},
    CarryOverEntry{"etc/machine-id", K::file},
    CarryOverEntry{"etc/vconsole.conf", K::file, {}, {}, true, "keymap"},
    CarryOverEntry{"etc/sysconfig/logrotate", K::file},
    CarryOverEntry{"etc/sysctl.d/91-net-ipv6.conf", K::file},
    CarryOverEntry{"var/lib/xcp/verify-certificates", K::file},
    CarryOverEntry{"var/lib/xcp/verify_certificates", K::file, {}, {}, true, "the spelling before CA-413099"},
    CarryOverEntry{"etc/trusted-certs", K::directory},
    CarryOverEntry{"etc/stunnel/xapi-pool-ca-bundle.pem", K::file},
    CarryOverEntry{"etc/stunnel/certs-pool", K::directory},
    CarryOverEntry{"etc/stunnel/xapi-stunnel-ca-bundle.pem", K::file},
    CarryOverEntry{"etc/stunnel/certs", K::directory},
    CarryOverEntry{"etc/nagios/nrpe.cfg", K::file},
    CarryOverEntry{"etc/nrpe.d", K::directory},
    CarryOverEntry{"etc/snmp/snmp.xs.conf", K::file, {}, "etc/snmp/snmp.xs.conf"},
    CarryOverEntry{"etc/snmp/snmpd.xs.conf", K::file, {}, "etc/snmp/snmp.xs.conf"},
    CarryOverEntry{"etc/sysconfig/snmpd", K::file, {}, "etc/snmp/snmp.xs.conf"},
    CarryOverEntry{"var/lib/net-snmp/snmpd.conf", K::file, {}, "etc/snmp/snmp.xs.conf"},
    CarryOverEntry{"etc/sysconfig/iptables", K::file},
    // Beyond the reference: the settings install.md says an upgrade keeps
    // (hostname, timezone, NTP, keymap) as files, and /etc/hosts, whose loss
    // operators report.
    CarryOverEntry{"etc/hostname", K::file, {}, {}, false, "hostname"},
    CarryOverEntry{"etc/hosts", K::file, {}, {}, false, "operators' own entries"},
    CarryOverEntry{"etc/localtime", K::file, {}, {}, false, "timezone (a symlink)"},
    CarryOverEntry{"etc/timezone", K::file, {}, {}, false, "timezone"},
    CarryOverEntry{"etc/sysconfig/clock", K::file, {}, {}, false, "timezone"},
    CarryOverEntry{"etc/sysconfig/keyboard", K::file, {}, {}, false, "keymap"},
    CarryOverEntry{"etc/chrony.conf", K::file, {}, {}, false, "NTP"},
    CarryOverEntry{"etc/ntp.conf", K::file, {}, {}, false, "NTP on 2009 releases"},
};

std::string parent_of(std::string_view path)
{
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string() : std::string(path.substr(0, slash));
}

std::map<std::string, unsigned> ids_by_name(std::string_view file)
{
    std::map<std::string, unsigned> out;
    for (const auto line : util::split(file, '\n')) {
        const auto f = util::split(line, ':');
        if (f.size() >= 3 && !f[0].empty()) {
            try {
                out.emplace(std::string(f[0]), static_cast<unsigned>(std::stoul(std::string(f[2]))));
            } catch (const std::exception&) {
            }
        }
    }
    return out;
}

}  // namespace

std::span<const CarryOverEntry> carry_over_table()
{
    return table;
}

CarrySelection select_carry_over(std::span<const CarryOverEntry> entries, const std::map<std::string, char>& old_tree)
{
    CarrySelection out;
    std::set<std::string> chosen;
    const auto add = [&](const std::string& from, const std::string& to) {
        if (chosen.insert(to).second) {
            out.copies.push_back({from, to});
        }
    };
    for (const auto& e : entries) {
        const std::string path(e.path);
        if (!e.only_if.empty() && !old_tree.contains(std::string(e.only_if))) {
            out.skipped.push_back(path + " (no " + std::string(e.only_if) + " in the old root)");
            continue;
        }
        const auto before = out.copies.size();
        switch (e.kind) {
        case K::file:
            if (const auto it = old_tree.find(path); it != old_tree.end() && it->second != 'd') {
                add(path, e.kept_as.empty() ? path : std::string(e.kept_as));
            }
            break;
        case K::glob: {
            const auto dir = parent_of(path);
            const auto pattern = path.substr(dir.size() + 1);
            for (auto it = old_tree.lower_bound(dir + "/"); it != old_tree.end() && it->first.starts_with(dir + "/");
                 ++it) {
                const auto name = it->first.substr(dir.size() + 1);
                if (name.find('/') == std::string::npos && it->second != 'd' &&
                    ::fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) == 0) {
                    add(it->first, it->first);
                }
            }
            break;
        }
        case K::directory:
            if (const auto it = old_tree.find(path); it != old_tree.end() && it->second == 'd') {
                add(path, path);
                for (auto sub = old_tree.lower_bound(path + "/");
                     sub != old_tree.end() && sub->first.starts_with(path + "/"); ++sub) {
                    add(sub->first, sub->first);
                }
            }
            break;
        }
        if (out.copies.size() == before) {
            out.skipped.push_back(path + " (not in the old root)");
        }
    }
    return out;
}

std::map<unsigned, unsigned> remap_ids(std::string_view old_file, std::string_view new_file)
{
    const auto now = ids_by_name(new_file);
    std::map<unsigned, unsigned> out;
    for (const auto& [name, id] : ids_by_name(old_file)) {
        if (const auto it = now.find(name); it != now.end() && it->second != id) {
            out[id] = it->second;
        }
    }
    return out;
}

std::string root_hash(std::string_view shadow)
{
    for (const auto line : util::split(shadow, '\n')) {
        if (line.starts_with("root:")) {
            const auto f = util::split(line, ':');
            return f.size() >= 2 ? std::string(f[1]) : std::string();
        }
    }
    return {};
}

}  // namespace xcp::installer
