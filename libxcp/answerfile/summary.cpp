#include "libxcp/answerfile/summary.hpp"

#include "libxcp/answerfile/names.hpp"
#include "libxcp/net/url.hpp"

namespace xcp::answerfile {
namespace {

using Json = nlohmann::ordered_json;

std::string str(std::string_view s)
{
    return std::string(s);
}

Json source_json(const Source& s)
{
    Json j;
    j["type"] = str(to_string(s.type));
    if (s.type != SourceType::local) {
        j["location"] = net::redact_url(s.location);
    }
    return j;
}

template <typename T>
Json values(const std::vector<T>& items)
{
    Json j = Json::array();
    for (const auto& item : items) {
        j.push_back(item.value);
    }
    return j;
}

void flatten(const Json& j, const std::string& prefix, std::string& out)
{
    if (j.is_object()) {
        for (const auto& [key, value] : j.items()) {
            flatten(value, prefix.empty() ? key : prefix + "." + key, out);
        }
    } else if (j.is_array()) {
        if (j.empty()) {
            out += prefix + ": (none)\n";
        }
        for (std::size_t i = 0; i < j.size(); ++i) {
            flatten(j[i], prefix + "[" + std::to_string(i) + "]", out);
        }
    } else {
        out += prefix + ": " + (j.is_string() ? j.get<std::string>() : j.dump()) + "\n";
    }
}

}  // namespace

Json to_json(const Answerfile& a)
{
    Json j;
    j["mode"] = str(to_string(a.mode));
    if (a.mode == Mode::restore) {
        j["backup-disk"] = a.backup_disk ? Json(a.backup_disk->value) : Json(nullptr);
        return j;
    }
    if (a.existing_installation) {
        j["existing-installation"] = a.existing_installation->value;
    }
    j["sr-type"] = a.sr_type ? str(to_string(*a.sr_type)) : "default";
    if (a.gpgcheck) {
        j["gpgcheck"] = *a.gpgcheck;
    }
    if (a.repo_gpgcheck) {
        j["repo-gpgcheck"] = *a.repo_gpgcheck;
    }
    if (a.primary_disk) {
        const auto& p = *a.primary_disk;
        j["primary-disk"] = {{"device", p.device},
                             {"guest-storage", p.guest_storage},
                             {"sr-at-end", p.sr_at_end},
                             {"preserve-first-partition", str(to_string(p.preserve_first_partition))}};
    }
    j["guest-disks"] = values(a.guest_disks);
    if (a.raid) {
        j["raid"] = {{"device", a.raid->device}, {"disks", values(a.raid->disks)}};
    }
    j["keymap"] = a.keymap ? a.keymap->value : default_keymap;
    if (a.root_password) {
        j["root-password"] = {{"type", str(to_string(a.root_password->type))},
                              {"value", str(Secret::placeholder())}};
    } else {
        j["root-password"] = "asked at first boot";
    }
    j["sources"] = Json::array();
    for (const auto& s : a.sources) {
        j["sources"].push_back(source_json(s));
    }
    j["driver-sources"] = Json::array();
    for (const auto& s : a.driver_sources) {
        j["driver-sources"].push_back(source_json(s));
    }
    j["scripts"] = Json::array();
    for (const auto& s : a.scripts) {
        auto entry = source_json(s.source);
        entry["stage"] = str(to_string(s.stage));
        j["scripts"].push_back(entry);
    }
    if (a.admin_interface) {
        const auto& ai = *a.admin_interface;
        Json n;
        if (ai.name) n["name"] = *ai.name;
        if (ai.hwaddr) n["hwaddr"] = *ai.hwaddr;
        n["proto"] = str(to_string(ai.proto));
        if (ai.protov6) n["protov6"] = str(to_string(*ai.protov6));
        if (ai.vlan) n["vlan"] = *ai.vlan;
        if (ai.ipaddr) n["ipaddr"] = *ai.ipaddr;
        if (ai.subnet) n["subnet"] = *ai.subnet;
        if (ai.gateway) n["gateway"] = *ai.gateway;
        if (ai.ipv6) n["ipv6"] = *ai.ipv6;
        if (ai.gatewayv6) n["gatewayv6"] = *ai.gatewayv6;
        j["admin-interface"] = n;
    }
    j["name-servers"] = values(a.name_servers);
    j["hostname"] = a.hostname ? a.hostname->value : default_hostname;
    j["timezone"] = a.timezone ? a.timezone->value : default_timezone;
    j["ntp"] = {{"source", str(to_string(effective_ntp_source(a)))}, {"servers", values(a.ntp.servers)}};
    if (a.bootloader) {
        Json b{{"kind", a.bootloader->kind == BootloaderKind::unspecified ? "grub2"
                                                                          : str(to_string(a.bootloader->kind))},
               {"location", str(to_string(a.bootloader->location))}};
        if (a.bootloader->write_boot_entry) {
            b["write-boot-entry"] = *a.bootloader->write_boot_entry;
        }
        j["bootloader"] = b;
    }
    if (a.network_backend) {
        j["network-backend"] = str(to_string(*a.network_backend));
    }
    j["services"] = Json::object();
    for (const auto& s : a.services) {
        j["services"][s.name] = s.enabled ? "enabled" : "disabled";
    }
    if (a.ui_confirmation_prompt) {
        j["ui-confirmation-prompt"] = a.ui_confirmation_prompt->value;
    }
    return j;
}

std::string to_json_text(const Answerfile& a, int indent)
{
    return to_json(a).dump(indent, ' ', false, Json::error_handler_t::replace);
}

std::string to_text(const Answerfile& a)
{
    std::string out;
    flatten(to_json(a), "", out);
    return out;
}

}  // namespace xcp::answerfile
