#include "server/service/dhcp_boot.hpp"

#include <spdlog/spdlog.h>

namespace xcp::service {

std::optional<dhcp::BootOffer> DhcpBootDecider::decide(const dhcp::Mac& mac, const dhcp::PxeClient& client)
{
    const auto host = inventory_.borrow()->find(dhcp::to_string(mac));
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

dhcp::LeaseTable InventoryLeaseStore::load(const dhcp::AddressRange& range)
{
    std::vector<dhcp::Lease> leases;
    const auto inventory = inventory_.borrow();
    for (const auto& r : inventory->leases_between(range.first, range.last)) {
        leases.push_back({r.ip, r.mac, r.expires, dhcp::lease_state_from(r.state).value_or(dhcp::LeaseState::offered)});
    }
    std::map<std::string, dhcp::Ipv4> reservations;
    for (const auto& [mac, text] : inventory->fixed_addresses()) {
        if (const auto ip = dhcp::parse_ipv4(text)) {
            reservations[mac] = *ip;
        }
    }
    return {leases, reservations};
}

std::optional<dhcp::Ipv4> InventoryLeaseStore::reservation(const std::string& mac)
{
    const auto text = inventory_.borrow()->fixed_address(mac);
    return text ? dhcp::parse_ipv4(*text) : std::nullopt;
}

std::vector<bool> InventoryLeaseStore::write(const std::vector<Change>& changes, std::int64_t now)
{
    std::vector<inventory::Inventory::LeaseChange> records;
    records.reserve(changes.size());
    for (const auto& c : changes) {
        auto& r = records.emplace_back();
        r.forget = c.forget;
        if (c.store) {
            r.store = inventory::Inventory::LeaseRecord{c.store->ip, c.store->mac, c.store->expires,
                                                        std::string(dhcp::to_string(c.store->state))};
        }
    }
    return inventory_.borrow()->change_leases(records, now);
}

}  // namespace xcp::service
