#include "server/boot/host_values.hpp"

#include "libxcp/util/text.hpp"

#include <algorithm>

namespace xcp::boot {
namespace {

std::vector<std::string> split_list(const std::string& text)
{
    std::vector<std::string> out;
    for (const auto item : util::split(text, ',')) {
        if (const auto trimmed = util::trim(item); !trimmed.empty()) {
            out.emplace_back(trimmed);
        }
    }
    return out;
}

std::string var(const inventory::Host& host, const std::string& key, std::string fallback = {})
{
    const auto it = host.vars.find(key);
    return it == host.vars.end() ? fallback : it->second;
}

std::string default_hostname(const inventory::Host& host)
{
    std::string name = "xcp-";
    for (const char c : host.mac) {
        if (c != ':') {
            name += c;
        }
    }
    return name;
}

const std::vector<std::string> host_scalars{"interface", "ip",       "netmask",     "gateway",
                                            "vlan",      "primary-disk", "sr-type", "timezone",
                                            "keymap",    "root-password-hash", "backup-disk"};
const std::vector<std::string> host_lists{"dns", "ntp", "guest-disks"};

}  // namespace

const std::vector<std::string>& profile_placeholders()
{
    static const auto names = [] {
        std::vector<std::string> out{"mac", "hostname", "server", "http-url", "repository-url", "static", "mode"};
        out.insert(out.end(), host_scalars.begin(), host_scalars.end());
        out.insert(out.end(), host_lists.begin(), host_lists.end());
        return out;
    }();
    return names;
}

const std::vector<std::string>& boot_placeholders()
{
    static const std::vector<std::string> names{"mac",   "hostname", "server",   "http-url",  "answerfile-url",
                                                "xen",   "kernel",   "image",    "xen-url",   "kernel-url",
                                                "image-url", "mode", "plain-kernel"};
    return names;
}

BootFiles boot_files_for(const inventory::Host& host, const Site& site, const inventory::Release* release)
{
    if (release != nullptr && release->name == host.release) {
        return {release->xen, release->kernel, release->image, inventory::multiboot_xen(*release)};
    }
    if (host.release.empty()) {
        return {site.xen, site.kernel, site.image, site.xen};
    }
    const auto base = "releases/" + host.release + "/";
    return {base + "boot/xen.gz", base + "boot/vmlinuz", base + "install.img", base + "boot/xen.gz"};
}

std::string answerfile_url(const Site& site, const std::string& token) { return site.http_url + "/answerfile/" + token; }
std::string report_url(const Site& site, const std::string& token) { return site.http_url + "/api/v1/report/" + token; }
std::string log_url(const Site& site, const std::string& token)
{
    return site.http_url + "/api/v1/hosts/" + token + "/log";
}

std::string report_script_url(const Site& site, const std::string& token)
{
    return site.http_url + "/api/v1/report-script/" + token;
}

std::string repository_url(const inventory::Host& host, const Site& site, const inventory::Release* release)
{
    if (const auto it = host.vars.find("repository"); it != host.vars.end()) {
        return it->second;
    }
    if (host.release.empty()) {
        return site.repository_url;
    }
    if (release != nullptr && release->name == host.release && release->repository.find("://") != std::string::npos) {
        return release->repository;
    }
    return site.http_url + "/releases/" + host.release + "/";
}

TemplateValues profile_values(const inventory::Host& host, const Site& site, const inventory::Release* release)
{
    TemplateValues v;
    v["mac"] = host.mac;
    v["hostname"] = host.hostname.empty() ? default_hostname(host) : host.hostname;
    v["server"] = site.server;
    v["http-url"] = site.http_url;
    v["mode"] = std::string(to_string(host.next_mode));
    v["repository-url"] = repository_url(host, site, release);
    for (const auto& key : host_scalars) {
        v[key] = var(host, key);
    }
    v["interface"] = var(host, "interface", "eth0");
    v["primary-disk"] = var(host, "primary-disk", "sda");
    v["sr-type"] = var(host, "sr-type", "lvm");
    v["timezone"] = var(host, "timezone", "Etc/UTC");
    v["keymap"] = var(host, "keymap", "us");
    v["static"] = host.vars.contains("ip");
    for (const auto& key : host_lists) {
        v[key] = split_list(var(host, key));
    }
    return v;
}

TemplateValues boot_values(const inventory::Host& host, const Site& site, const inventory::Release* release)
{
    const auto files = boot_files_for(host, site, release);
    TemplateValues v;
    v["mac"] = host.mac;
    v["hostname"] = host.hostname;
    v["server"] = site.server;
    v["http-url"] = site.http_url;
    v["answerfile-url"] = host.token ? answerfile_url(site, *host.token) : std::string();
    v["xen"] = files.xen;
    v["kernel"] = files.kernel;
    v["image"] = files.image;
    // iPXE fetches over HTTP: the TFTP root is served under /boot/ too.
    v["xen-url"] = site.http_url + "/boot/" + files.xen_multiboot;
    v["kernel-url"] = site.http_url + "/boot/" + files.kernel;
    v["image-url"] = site.http_url + "/boot/" + files.image;
    v["plain-kernel"] = files.xen.empty();
    v["mode"] = std::string(to_string(host.next_mode));
    return v;
}

}  // namespace xcp::boot
