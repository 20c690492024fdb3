#include "libxcp/answerfile/writer.hpp"

#include "libxcp/answerfile/names.hpp"

#include <pugixml.hpp>

#include <sstream>

namespace xcp::answerfile {
namespace {

std::string yes_no(bool value)
{
    return value ? "yes" : "no";
}

template <typename E>
void set(pugi::xml_node node, const char* name, E value)
{
    node.append_attribute(name).set_value(std::string(to_string(value)).c_str());
}

pugi::xml_node text_child(pugi::xml_node parent, const char* name, const std::string& text)
{
    auto node = parent.append_child(name);
    if (!text.empty()) {
        node.append_child(pugi::node_pcdata).set_value(text.c_str());
    }
    return node;
}

void write_source(pugi::xml_node parent, const char* name, const Source& s)
{
    auto node = text_child(parent, name, s.location);
    set(node, "type", s.type);
}

}  // namespace

std::string write(const Answerfile& a)
{
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version").set_value("1.0");

    if (a.mode == Mode::restore) {
        auto root = doc.append_child("restore");
        if (a.backup_disk) {
            text_child(root, "backup-disk", a.backup_disk->value);
        }
        std::ostringstream out;
        doc.save(out, "  ");
        return out.str();
    }

    auto root = doc.append_child("installation");
    set(root, "mode", a.mode);
    if (a.sr_type) {
        set(root, "sr-type", *a.sr_type);
    }
    if (a.gpgcheck) {
        root.append_attribute("gpgcheck").set_value(yes_no(*a.gpgcheck).c_str());
    }
    if (a.repo_gpgcheck) {
        root.append_attribute("repo-gpgcheck").set_value(yes_no(*a.repo_gpgcheck).c_str());
    }

    if (a.primary_disk) {
        const auto& p = *a.primary_disk;
        auto node = text_child(root, "primary-disk", p.device);
        if (!p.guest_storage) {
            node.append_attribute("guest-storage").set_value("no");
        }
        if (!p.sr_at_end) {
            node.append_attribute("sr-at-end").set_value("no");
        }
        if (p.preserve_first_partition != PreserveFirstPartition::if_utility) {
            set(node, "preserve-first-partition", p.preserve_first_partition);
        }
    }
    for (const auto& d : a.guest_disks) {
        text_child(root, "guest-disk", d.value);
    }
    if (a.raid) {
        auto node = root.append_child("raid");
        node.append_attribute("device").set_value(a.raid->device.c_str());
        for (const auto& d : a.raid->disks) {
            text_child(node, "disk", d.value);
        }
    }
    if (a.existing_installation) {
        text_child(root, "existing-installation", a.existing_installation->value);
    }
    if (a.backup_disk) {
        text_child(root, "backup-disk", a.backup_disk->value);
    }
    if (a.keymap) {
        text_child(root, "keymap", a.keymap->value);
    }
    if (a.root_password) {
        auto node = text_child(root, "root-password", a.root_password->value.reveal());
        set(node, "type", a.root_password->type);
    }
    for (const auto& s : a.sources) {
        write_source(root, "source", s);
    }
    for (const auto& s : a.driver_sources) {
        write_source(root, "driver-source", s);
    }
    for (const auto& s : a.scripts) {
        auto node = text_child(root, "script", s.source.location);
        set(node, "stage", s.stage);
        set(node, "type", s.source.type);
    }
    if (a.admin_interface) {
        const auto& ai = *a.admin_interface;
        auto node = root.append_child("admin-interface");
        if (ai.name) {
            node.append_attribute("name").set_value(ai.name->c_str());
        }
        if (ai.hwaddr) {
            node.append_attribute("hwaddr").set_value(ai.hwaddr->c_str());
        }
        set(node, "proto", ai.proto);
        if (ai.protov6) {
            set(node, "protov6", *ai.protov6);
        }
        if (ai.vlan) {
            node.append_attribute("vlan").set_value(*ai.vlan);
        }
        for (const auto& [value, name] : {std::pair{&ai.ipaddr, "ipaddr"}, std::pair{&ai.subnet, "subnet"},
                                          std::pair{&ai.gateway, "gateway"}, std::pair{&ai.ipv6, "ipv6"},
                                          std::pair{&ai.gatewayv6, "gatewayv6"}}) {
            if (*value) {
                text_child(node, name, **value);
            }
        }
    }
    for (const auto& ns : a.name_servers) {
        text_child(root, "name-server", ns.value);
    }
    if (a.hostname) {
        text_child(root, "hostname", a.hostname->value);
    }
    if (a.timezone) {
        text_child(root, "timezone", a.timezone->value);
    }
    if (a.ntp.source) {
        set(root.append_child("ntp"), "source", *a.ntp.source);
    }
    for (const auto& s : a.ntp.servers) {
        text_child(root, "ntp-server", s.value);
    }
    if (a.bootloader) {
        const auto& b = *a.bootloader;
        auto node = text_child(root, "bootloader", std::string(to_string(b.kind)));
        if (b.location != BootloaderLocation::mbr) {
            set(node, "location", b.location);
        }
        if (b.write_boot_entry) {
            node.append_attribute("write-boot-entry").set_value(yes_no(*b.write_boot_entry).c_str());
        }
    }
    if (a.network_backend) {
        text_child(root, "network-backend", std::string(to_string(*a.network_backend)));
    }
    for (const auto& s : a.services) {
        auto node = root.append_child("service");
        node.append_attribute("name").set_value(s.name.c_str());
        node.append_attribute("state").set_value(s.enabled ? "enabled" : "disabled");
    }
    if (a.ui_confirmation_prompt) {
        text_child(root, "ui-confirmation-prompt", a.ui_confirmation_prompt->value);
    }

    std::ostringstream out;
    doc.save(out, "  ");
    return out.str();
}

}  // namespace xcp::answerfile
