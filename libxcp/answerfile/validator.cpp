#include "libxcp/answerfile/validator.hpp"

#include "libxcp/answerfile/values.hpp"

#include <map>
#include <string>

namespace xcp::answerfile {
namespace {

std::string mode_phrase(Mode m)
{
    switch (m) {
    case Mode::fresh: return "a fresh install";
    case Mode::reinstall: return "a reinstall";
    case Mode::upgrade: return "an upgrade";
    case Mode::restore: return "a restore";
    }
    return "this mode";
}

// Each disk may serve one purpose: primary, guest, or RAID member.
void check_disks_named_once(const Answerfile& a, Diagnostics& out)
{
    std::map<std::string, std::pair<std::string, int>> used;  // disk -> (role, line)
    const auto claim = [&](const std::string& device, const Origin& where, const std::string& role) {
        const auto key = canonical_disk(device);
        if (key.empty()) {
            return;
        }
        const auto [it, fresh] = used.try_emplace(key, role, where.line);
        if (!fresh) {
            out.error(where, "disk " + key + " is already named as " + it->second.first + " at line " +
                                 std::to_string(it->second.second) + "; a disk can serve only one purpose");
        }
    };
    if (a.primary_disk) {
        claim(a.primary_disk->device, a.primary_disk->origin, "the primary disk");
    }
    if (a.raid) {
        for (const auto& d : a.raid->disks) {
            claim(d.value, d.origin, "a member of " + a.raid->device);
        }
    }
    for (const auto& d : a.guest_disks) {
        claim(d.value, d.origin, "a guest disk");
    }
}

void warn_ignored(const Answerfile& a, Diagnostics& out)
{
    const auto why = "is ignored in " + mode_phrase(a.mode) +
                     (a.mode == Mode::upgrade ? ": settings are carried over from the existing installation"
                                              : std::string{});
    const auto ignore = [&](const Origin& where) { out.warning(where, why); };
    if (a.mode == Mode::upgrade || a.mode == Mode::restore) {
        if (a.root_password) ignore(a.root_password->origin);
        if (a.admin_interface) ignore(a.admin_interface->origin);
        if (a.hostname) ignore(a.hostname->origin);
        if (a.timezone) ignore(a.timezone->origin);
        if (a.keymap) ignore(a.keymap->origin);
        for (const auto& ns : a.name_servers) ignore(ns.origin);
        if (a.ntp.origin.line != 0) ignore(a.ntp.origin);
        for (const auto& s : a.ntp.servers) ignore(s.origin);
        if (a.primary_disk) ignore(a.primary_disk->origin);
        for (const auto& d : a.guest_disks) ignore(d.origin);
        if (a.raid) ignore(a.raid->origin);
    }
    if (a.mode == Mode::restore) {
        for (const auto& s : a.sources) ignore(s.origin);
        for (const auto& s : a.driver_sources) ignore(s.origin);
        for (const auto& s : a.scripts) ignore(s.source.origin);
        if (a.existing_installation) ignore(a.existing_installation->origin);
    }
    if (a.mode != Mode::restore && a.backup_disk) {
        out.warning(a.backup_disk->origin, "is only read by a restore (<restore> root); it is ignored here");
    }
    if (a.mode == Mode::fresh && a.existing_installation) {
        out.warning(a.existing_installation->origin, "is ignored in a fresh install; use mode=\"reinstall\" or "
                                                     "mode=\"upgrade\" to act on an existing installation");
    }
}

void check_install_needs(const Answerfile& a, bool legacy, Diagnostics& out)
{
    const auto& root = a.origin;
    const auto phrase = mode_phrase(a.mode);
    if (a.sources.empty()) {
        out.error(root, phrase + " needs a <source> (url, nfs or local) to install from");
    }
    if (a.mode == Mode::upgrade) {
        if (!a.existing_installation) {
            out.error(root, "an upgrade needs <existing-installation> naming the disk that holds it");
        }
        return;
    }
    if (a.mode == Mode::reinstall) {
        if (a.existing_installation && a.primary_disk) {
            out.error(root, "a reinstall takes either <existing-installation> (reinstall over it, keeping VMs) or "
                            "<primary-disk> (install afresh on it), not both");
            return;
        }
        if (!a.existing_installation && !a.primary_disk) {
            out.error(root, "a reinstall needs <existing-installation> (reinstall over it, keeping VMs) or "
                            "<primary-disk> (install afresh on it)");
            return;
        }
        if (a.existing_installation) {
            for (const auto& d : a.guest_disks) {
                out.error(d.origin, "a reinstall over <existing-installation> keeps the guest disks as they are; "
                                    "leave <guest-disk> out");
            }
            // The installation's settings are carried over; those the
            // answerfile gives are applied on top (the seed's example gives
            // a password, a keymap, a NIC and a timezone).
            return;
        }
    } else if (!a.primary_disk) {
        out.error(root, phrase + " needs <primary-disk> naming the disk to install on");
    }
    if (!a.root_password) {
        out.warning(root, "has no <root-password>; the host will ask for one on its console at first boot");
    }
    if (!a.admin_interface) {
        if (legacy || a.existing_installation) {
            out.warning(root, "has no <admin-interface>; the installer will configure the first NIC by DHCP");
        } else {
            out.error(root, phrase + " needs <admin-interface> naming the management NIC and its addressing");
        }
    }
    if (!a.timezone && legacy) {
        out.error(root, "the 2009 dialect requires <timezone>, such as Europe/London");
    }
    if (a.raid && a.primary_disk && canonical_disk(a.primary_disk->device) != canonical_disk(a.raid->device)) {
        out.warning(a.raid->origin, "builds " + a.raid->device + " but <primary-disk> names " +
                                        a.primary_disk->device + "; the RAID device will not hold the installation");
    }
}

void check_ntp(const Answerfile& a, Diagnostics& out)
{
    if (!a.ntp.source) {
        return;
    }
    if (*a.ntp.source == NtpSource::manual && a.ntp.servers.empty()) {
        out.error(a.ntp.origin, "source=\"manual\" needs at least one <ntp-server>");
    }
    if (*a.ntp.source != NtpSource::manual) {
        for (const auto& s : a.ntp.servers) {
            out.error(s.origin, "<ntp-server> is only valid with <ntp source=\"manual\">");
        }
    }
    if (*a.ntp.source == NtpSource::dhcp && a.admin_interface && a.admin_interface->proto != Proto::dhcp) {
        out.warning(a.ntp.origin, "asks for NTP servers from DHCP, but the management interface is not on DHCP");
    }
}

void check_sources_distinct(const std::vector<Source>& sources, Diagnostics& out)
{
    for (std::size_t i = 0; i < sources.size(); ++i) {
        for (std::size_t j = 0; j < i; ++j) {
            if (sources[i] == sources[j]) {
                out.warning(sources[i].origin,
                            "repeats the source of line " + std::to_string(sources[j].origin.line));
                break;
            }
        }
    }
}

}  // namespace

NtpSource effective_ntp_source(const Answerfile& a)
{
    if (a.ntp.source) {
        return *a.ntp.source;
    }
    if (!a.ntp.servers.empty()) {
        return NtpSource::manual;
    }
    if (a.admin_interface && a.admin_interface->proto == Proto::dhcp) {
        return NtpSource::dhcp;
    }
    return NtpSource::default_;
}

void validate(const Answerfile& a, bool legacy, Diagnostics& out)
{
    if (a.mode == Mode::restore) {
        warn_ignored(a, out);
        return;
    }
    check_install_needs(a, legacy, out);
    check_disks_named_once(a, out);
    check_ntp(a, out);
    check_sources_distinct(a.sources, out);
    check_sources_distinct(a.driver_sources, out);
    warn_ignored(a, out);
}

}  // namespace xcp::answerfile
