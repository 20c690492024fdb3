#include "installer-agent/configure/control_domain.hpp"

#include "libxcp/answerfile/values.hpp"

#include <random>

namespace xcp::installer {
namespace {

namespace af = answerfile;

std::string quoted(std::string_view key, std::string_view value)
{
    return std::string(key) + "='" + std::string(value) + "'\n";
}

std::string disk_path(const std::string& disk)
{
    return "/dev/" + af::canonical_disk(disk);
}

std::string management_conf(const af::Answerfile& a)
{
    std::string out;
    if (!a.admin_interface) {
        return out;
    }
    const auto& i = *a.admin_interface;
    out += quoted("LABEL", i.name ? *i.name : *i.hwaddr);
    out += quoted("MODE", i.proto == af::Proto::static_ ? "static" : i.proto == af::Proto::dhcp ? "dhcp" : "none");
    if (i.proto == af::Proto::static_) {
        out += quoted("IP", i.ipaddr.value_or(""));
        out += quoted("NETMASK", i.subnet.value_or(""));
        out += quoted("GATEWAY", i.gateway.value_or(""));
    }
    if (i.protov6) {
        out += quoted("MODEV6", *i.protov6 == af::ProtoV6::static_ ? "static"
                                : *i.protov6 == af::ProtoV6::dhcp  ? "dhcp"
                                                                   : "autoconf");
        if (i.ipv6) {
            out += quoted("IPv6", *i.ipv6);
        }
        if (i.gatewayv6) {
            out += quoted("IPv6_GATEWAY", *i.gatewayv6);
        }
    }
    if (!a.name_servers.empty()) {
        std::string dns;
        for (const auto& n : a.name_servers) {
            dns += (dns.empty() ? "" : ",") + n.value;
        }
        out += quoted("DNS", dns);
    }
    if (i.vlan) {
        out += "VLAN=" + std::to_string(*i.vlan) + "\n";
    }
    return out;
}

std::string ntp_conf(const af::Answerfile& a, LayoutEra era)
{
    std::string out = "# Written by xcp-installer from the answerfile's <ntp>.\n";
    switch (af::effective_ntp_source(a)) {
    case af::NtpSource::manual:
        for (const auto& s : a.ntp.servers) {
            out += "server " + s.value + " iburst\n";
        }
        break;
    case af::NtpSource::default_:
        for (int n = 0; n < 3; ++n) {
            out += "server " + std::to_string(n) + (era == LayoutEra::legacy ? ".xenserver" : ".xcp-ng") +
                   ".pool.ntp.org iburst\n";
        }
        break;
    case af::NtpSource::dhcp:
        out += "# servers come from DHCP (option 42)\n";
        break;
    case af::NtpSource::none:
        out += "# no time servers: <ntp source=\"none\"/>\n";
        break;
    }
    if (era == LayoutEra::modern) {
        out += "driftfile /var/lib/chrony/drift\nmakestep 1.0 3\nrtcsync\n";
    } else {
        out += "driftfile /var/lib/ntp/drift\n";
    }
    return out;
}

std::string storage_conf(const ControlDomainInputs& in)
{
    std::string partitions;
    if (const auto* sr = by_role(in.layout, PartitionRole::local_sr)) {
        partitions = partition_path(in.primary, sr->number);
    }
    for (const auto& g : in.guest_disks) {
        partitions += (partitions.empty() ? "" : " ") + disk_path(g);
    }
    if (partitions.empty()) {
        return {};
    }
    return quoted("XSPARTITIONS", partitions) + quoted("XSTYPE", in.sr_type == af::SrType::ext ? "ext" : "lvm");
}

// eth0 is bridged as xenbr0; an interface named by MAC is resolved at first
// boot, so the key stays empty.
std::string management_bridge(const af::Answerfile& a)
{
    if (!a.admin_interface || !a.admin_interface->name) {
        return {};
    }
    const auto& name = *a.admin_interface->name;
    const auto digits = name.find_first_of("0123456789");
    return digits == std::string::npos ? std::string() : "xenbr" + name.substr(digits);
}

}  // namespace

InventoryFields inventory_fields(const ControlDomainInputs& in)
{
    InventoryFields f;
    const auto* backup = by_role(in.layout, PartitionRole::backup);
    f.primary_disk = disk_path(in.primary);
    f.backup_partition = backup ? partition_path(in.primary, backup->number) : "";
    const std::pair<PartitionRole, const char*> names[] = {
        {PartitionRole::root, "ROOT"}, {PartitionRole::backup, "BACKUP"}, {PartitionRole::logs, "LOG"},
        {PartitionRole::boot, "BOOT"}, {PartitionRole::esp, "BOOT"},      {PartitionRole::swap, "SWAP"},
        {PartitionRole::local_sr, "SR"}};
    for (const auto& [role, name] : names) {
        if (by_role(in.layout, role) != nullptr) {
            f.partition_layout += (f.partition_layout.empty() ? "" : ",") + std::string(name);
        }
    }
    f.installation_uuid = in.installation_uuid;
    f.control_domain_uuid = in.control_domain_uuid;
    f.dom0_mem_mib = in.dom0_mem_mib;
    f.management_interface = management_bridge(*in.answerfile);
    f.root_label = in.root_label;
    return f;
}

std::string new_uuid()
{
    std::random_device random;
    unsigned char b[16];
    for (auto& c : b) {
        c = static_cast<unsigned char>(random());
    }
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            out += '-';
        }
        out += hex[b[i] >> 4];
        out += hex[b[i] & 15];
    }
    return out;
}

std::string with_root_hash(std::string_view shadow, std::string_view hash)
{
    std::string out;
    bool replaced = false;
    while (!shadow.empty()) {
        const auto nl = shadow.find('\n');
        auto line = shadow.substr(0, nl);
        shadow.remove_prefix(nl == std::string_view::npos ? shadow.size() : nl + 1);
        if (line.starts_with("root:") && !replaced) {
            const auto rest = line.substr(5);
            const auto colon = rest.find(':');
            out += "root:" + std::string(hash) + (colon == std::string_view::npos ? "" : std::string(rest.substr(colon)));
            replaced = true;
        } else {
            out += line;
        }
        out += '\n';
    }
    if (!replaced) {
        out = "root:" + std::string(hash) + ":0:0:99999:7:::\n" + out;
    }
    return out;
}

std::vector<RootFile> control_domain_files(const ControlDomainInputs& in)
{
    const auto& a = *in.answerfile;
    std::vector<RootFile> files;
    const auto hostname = a.hostname ? a.hostname->value : std::string(af::default_hostname);
    const auto timezone = a.timezone ? a.timezone->value : std::string(af::default_timezone);
    const auto keymap = a.keymap ? a.keymap->value : std::string(af::default_keymap);
    files.push_back({"etc/hostname", hostname + "\n"});
    files.push_back({"etc/sysconfig/network", "NETWORKING=yes\nHOSTNAME=" + hostname + "\n"});
    files.push_back({"etc/localtime", "../usr/share/zoneinfo/" + timezone, 0777, true});
    files.push_back({"etc/sysconfig/clock", "ZONE=\"" + timezone + "\"\nUTC=true\n"});
    files.push_back({"etc/timezone", timezone + "\n"});
    files.push_back({"etc/sysconfig/keyboard", "KEYTABLE=\"" + keymap + "\"\n"});
    files.push_back({"etc/vconsole.conf", "KEYMAP=" + keymap + "\n"});
    files.push_back({in.era == LayoutEra::modern ? "etc/chrony.conf" : "etc/ntp.conf", ntp_conf(a, in.era)});
    if (!a.name_servers.empty()) {
        std::string resolv;
        for (const auto& n : a.name_servers) {
            resolv += "nameserver " + n.value + "\n";
        }
        files.push_back({"etc/resolv.conf", resolv});
    }
    files.push_back({"etc/firstboot.d/data/management.conf", management_conf(a)});
    const auto backend = a.network_backend.value_or(af::NetworkBackend::openvswitch);
    files.push_back({"etc/firstboot.d/data/network.conf",
                     quoted("NETWORK_BACKEND", backend == af::NetworkBackend::bridge ? "bridge" : "openvswitch")});
    if (const auto storage = storage_conf(in); !storage.empty()) {
        files.push_back({"etc/firstboot.d/data/default-storage.conf", storage});
    }
    std::string services;
    for (const auto& s : a.services) {
        services += s.name + "=" + (s.enabled ? "enabled" : "disabled") + "\n";
    }
    if (!services.empty()) {
        files.push_back({"etc/firstboot.d/data/services.conf", services});
    }
    files.push_back({firstboot_in_progress, ""});
    files.push_back(fstab_file(in));
    return files;
}

std::vector<RootFile> given_settings_files(const ControlDomainInputs& in)
{
    const auto& a = *in.answerfile;
    const auto given = [&](const std::string& path) {
        if (path == "etc/hostname" || path == "etc/sysconfig/network") {
            return a.hostname.has_value();
        }
        if (path == "etc/localtime" || path == "etc/sysconfig/clock" || path == "etc/timezone") {
            return a.timezone.has_value();
        }
        if (path == "etc/sysconfig/keyboard" || path == "etc/vconsole.conf") {
            return a.keymap.has_value();
        }
        if (path == "etc/chrony.conf" || path == "etc/ntp.conf") {
            return a.ntp.origin.line != 0 || !a.ntp.servers.empty();
        }
        if (path == "etc/resolv.conf") {
            return !a.name_servers.empty();
        }
        if (path == "etc/firstboot.d/data/management.conf") {
            return a.admin_interface.has_value();
        }
        if (path == "etc/firstboot.d/data/network.conf") {
            return a.network_backend.has_value();
        }
        return false;
    };
    std::vector<RootFile> out;
    for (auto& f : control_domain_files(in)) {
        if (given(f.path)) {
            out.push_back(std::move(f));
        }
    }
    return out;
}

RootFile fstab_file(const ControlDomainInputs& in)
{
    std::string fstab = "LABEL=" + in.root_label + " / ext3 defaults 1 1\n";
    if (!in.logs_label.empty()) {
        fstab += "LABEL=" + in.logs_label + " /var/log ext3 defaults 0 2\n";
    }
    if (!in.esp_label.empty()) {
        fstab += "LABEL=" + in.esp_label + " /boot/efi vfat defaults 0 2\n";
    }
    if (!in.swap_label.empty()) {
        fstab += "LABEL=" + in.swap_label + " swap swap defaults 0 0\n";
    }
    return {"etc/fstab", fstab};
}

}  // namespace xcp::installer
