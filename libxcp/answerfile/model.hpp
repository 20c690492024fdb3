// The typed answerfile: one model for both dialects (XCP 0.1 / XenServer 5.x
// of 2009, and XCP-ng 8.x). Legacy spellings are mapped onto it by the parser;
// the writer emits the modern spelling. See shared/reference/answerfile.md.
#pragma once

#include "libxcp/answerfile/origin.hpp"
#include "libxcp/util/secret.hpp"

#include <optional>
#include <string>
#include <vector>

namespace xcp::answerfile {

enum class Mode { fresh, reinstall, upgrade, restore };
enum class SrType { lvm, ext };
enum class SourceType { url, nfs, local };
enum class PreserveFirstPartition { yes, no, if_utility };
enum class PasswordType { plaintext, hash };
enum class ScriptStage { installation_start, packages_installed, filesystem_populated, installation_complete };
enum class Proto { dhcp, static_, none };
enum class ProtoV6 { dhcp, static_, autoconf };
enum class NtpSource { dhcp, default_, manual, none };
enum class BootloaderKind { unspecified, extlinux, grub, grub2 };
enum class BootloaderLocation { mbr, partition };
enum class NetworkBackend { bridge, openvswitch, vswitch };

struct PrimaryDisk {
    std::string device;
    bool guest_storage = true;
    bool sr_at_end = true;
    PreserveFirstPartition preserve_first_partition = PreserveFirstPartition::if_utility;
    Origin origin;
    bool operator==(const PrimaryDisk&) const = default;
};

// A text element: its value (trimmed) and where it stood.
struct Text {
    std::string value;
    Origin origin;
    bool operator==(const Text&) const = default;
};
using Disk = Text;

struct Raid {
    std::string device;  // md127
    std::vector<Disk> disks;
    Origin origin;
    bool operator==(const Raid&) const = default;
};

struct RootPassword {
    PasswordType type = PasswordType::plaintext;
    Secret value;
    Origin origin;
    bool operator==(const RootPassword&) const = default;
};

// A place to fetch from: install source, driver source or script.
struct Source {
    SourceType type = SourceType::url;
    std::string location;  // empty for local
    Origin origin;
    bool operator==(const Source&) const = default;
};

struct Script {
    ScriptStage stage = ScriptStage::installation_complete;
    Source source;
    bool operator==(const Script&) const = default;
};

struct AdminInterface {
    std::optional<std::string> name;    // eth0
    std::optional<std::string> hwaddr;  // aa:bb:cc:dd:ee:ff
    Proto proto = Proto::dhcp;
    std::optional<ProtoV6> protov6;
    std::optional<int> vlan;
    std::optional<std::string> ipaddr, subnet, gateway;  // static IPv4
    std::optional<std::string> ipv6, gatewayv6;          // static IPv6 (addr/prefix)
    Origin origin;
    bool operator==(const AdminInterface&) const = default;
};

struct Ntp {
    std::optional<NtpSource> source;  // absent: derived, see effective_ntp_source()
    std::vector<Text> servers;        // <ntp-server>, at top level or inside <ntp>
    Origin origin;
    bool operator==(const Ntp&) const = default;
};

struct Bootloader {
    BootloaderKind kind = BootloaderKind::unspecified;
    BootloaderLocation location = BootloaderLocation::mbr;
    std::optional<bool> write_boot_entry;
    Origin origin;
    bool operator==(const Bootloader&) const = default;
};

struct Service {
    std::string name;
    bool enabled = true;
    Origin origin;
    bool operator==(const Service&) const = default;
};

struct Answerfile {
    Mode mode = Mode::fresh;
    std::optional<SrType> sr_type;
    std::optional<bool> gpgcheck, repo_gpgcheck;

    std::optional<PrimaryDisk> primary_disk;
    std::vector<Disk> guest_disks;
    std::optional<Raid> raid;
    std::optional<Text> existing_installation;
    std::optional<Text> backup_disk;

    std::optional<Text> keymap;
    std::optional<RootPassword> root_password;
    std::vector<Source> sources;
    std::vector<Source> driver_sources;
    std::vector<Script> scripts;

    std::optional<AdminInterface> admin_interface;
    std::vector<Text> name_servers;
    std::optional<Text> hostname;
    std::optional<Text> timezone;
    Ntp ntp;
    std::optional<Bootloader> bootloader;
    std::optional<NetworkBackend> network_backend;
    std::vector<Service> services;
    std::optional<Text> ui_confirmation_prompt;

    Origin origin;  // the root element
    bool operator==(const Answerfile&) const = default;
};

// Defaults the reference installer applies when an element is absent.
inline constexpr const char* default_keymap = "us";
inline constexpr const char* default_hostname = "localhost.localdomain";
inline constexpr const char* default_timezone = "Etc/UTC";

NtpSource effective_ntp_source(const Answerfile& a);

}  // namespace xcp::answerfile
