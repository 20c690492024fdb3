// What the install environment's kernel command line tells the installer
// (answerfile.md, "Kernel command line of the install environment"), and
// the network it implies: pure functions of the text and the NICs present.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::installer {

struct KernelCommandLine {
    std::string answerfile;            // answerfile=URL
    std::string answerfile_generator;  // answerfile_generator=URL (read, not run)
    std::string network_device;        // network_device= (or legacy answerfile_device=): eth0, a MAC, or all
    std::string bootif;                // BOOTIF=01-aa-bb-cc-dd-ee-ff, as aa:bb:cc:dd:ee:ff
    std::string network_config;        // dhcp[:vlan=N] or static:ip=...;netmask=...;gateway=...;dns=a,b;vlan=N
    std::string atexit;                // reboot, poweroff, shell, or empty
};

KernelCommandLine parse_kernel_cmdline(std::string_view text);

struct Nic {
    std::string name, mac;  // mac lower-case aa:bb:...
};

// The NICs to bring up: network_device by name or MAC, "all", else the one
// pxelinux booted from (BOOTIF), else every NIC. A name or MAC that is not
// present is an error sentence.
std::variant<std::vector<std::string>, std::string> choose_nics(const KernelCommandLine& k, const std::vector<Nic>& nics);

// The commands (argv) that configure one NIC per network_config: ip(8) for
// links, VLANs, addresses and routes, udhcpc for DHCP. Errors are sentences.
std::variant<std::vector<std::vector<std::string>>, std::string> network_commands(const std::string& nic,
                                                                                  const std::string& network_config);

// The NICs under /sys/class/net (loopback left out).
std::vector<Nic> list_nics(const std::filesystem::path& sys_class_net);

}  // namespace xcp::installer
