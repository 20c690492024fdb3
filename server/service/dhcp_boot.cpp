#include "server/service/dhcp_boot.hpp"

#include <spdlog/spdlog.h>

namespace xcp::service {

std::optional<dhcp::BootOffer> DhcpBootDecider::decide(const dhcp::Mac& mac, const dhcp::PxeClient& client)
{
    const auto host = inventory_.find(dhcp::to_string(mac));
    if (host && !host->netboot && settings_.netboot_off == NetbootOff::ignore) {
        return std::nullopt;
    }
    const auto& http = settings_.site.http_url;
    // iPXE already runs: a script, or it would load iPXE again forever.
    // (pxelinux.0 is no iPXE, so the loader is safe too.) iPXE multiboots
    // only in its BIOS build: under UEFI it gets the EFI loader (grub),
    // which boots Xen with multiboot2.
    if (client.ipxe && settings_.ipxe_script && client.arch == dhcp::ClientArch::bios) {
        return dhcp::BootOffer{http + "/ipxe", settings_.next_server};
    }
    switch (client.arch) {
    case dhcp::ClientArch::bios: return dhcp::BootOffer{settings_.bios_loader, settings_.next_server};
    case dhcp::ClientArch::efi_x64: return dhcp::BootOffer{settings_.efi_loader, settings_.next_server};
    case dhcp::ClientArch::efi_x64_http:
        return dhcp::BootOffer{http + "/boot/" + settings_.efi_loader, settings_.next_server};
    case dhcp::ClientArch::efi_ia32:
    case dhcp::ClientArch::other:
        spdlog::info("dhcp: {} is a PXE client of architecture {}, which xcp-pxe cannot boot: no offer",
                     dhcp::to_string(mac), client.arch_code);
        return std::nullopt;
    }
    return std::nullopt;
}

std::vector<dhcp::Lease> InventoryLeaseStore::leases()
{
    std::vector<dhcp::Lease> out;
    for (const auto& r : inventory_.leases()) {
        out.push_back({r.ip, r.mac, r.expires, dhcp::lease_state_from(r.state).value_or(dhcp::LeaseState::offered)});
    }
    return out;
}

std::map<std::string, dhcp::Ipv4> InventoryLeaseStore::reservations()
{
    std::map<std::string, dhcp::Ipv4> out;
    for (const auto& h : inventory_.list()) {
        if (const auto it = h.vars.find("ip"); it != h.vars.end()) {
            if (const auto ip = dhcp::parse_ipv4(it->second)) {
                out[h.mac] = *ip;
            }
        }
    }
    return out;
}

bool InventoryLeaseStore::store(const dhcp::Lease& lease, std::int64_t now)
{
    return inventory_.store_lease({lease.ip, lease.mac, lease.expires, std::string(dhcp::to_string(lease.state))},
                                  now);
}

void InventoryLeaseStore::forget(dhcp::Ipv4 ip)
{
    inventory_.forget_lease(ip);
}

}  // namespace xcp::service
