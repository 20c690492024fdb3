// The product's side of the DHCP helper: which loader each PXE client is
// told to boot, and where full mode keeps its leases.
#pragma once

#include "server/boot/site.hpp"
#include "server/dhcp/server.hpp"
#include "server/service/inventory_pool.hpp"

#include <string>

namespace xcp::service {

// What a host with netboot off gets: no PXE answer at all (its firmware
// moves on to the next boot device), or the loader, which then finds a
// local-boot config.
enum class NetbootOff { ignore, local };

struct DhcpBootSettings {
    boot::Site site;
    dhcp::Ipv4 next_server = 0;
    std::string bios_loader = "pxelinux.0";
    std::string efi_loader = "EFI/xenserver/grubx64.efi";  // the vendor grub (install.md)
    NetbootOff netboot_off = NetbootOff::local;
    // iPXE gets HTTP-URL/ipxe (false: the loader, as any PXE ROM would).
    bool ipxe_script = true;
};

class DhcpBootDecider final : public dhcp::BootDecider {
public:
    DhcpBootDecider(DhcpBootSettings settings, InventoryPool& inventory)
        : settings_(std::move(settings)), inventory_(inventory)
    {
    }
    std::optional<dhcp::BootOffer> decide(const dhcp::Mac& mac, const dhcp::PxeClient& client) override;

private:
    DhcpBootSettings settings_;
    InventoryPool& inventory_;
};

// Leases in the inventory's database; reservations from the hosts' `ip`.
class InventoryLeaseStore final : public dhcp::LeaseStore {
public:
    explicit InventoryLeaseStore(InventoryPool& inventory) : inventory_(inventory) {}
    dhcp::LeaseTable load(const dhcp::AddressRange& range) override;
    std::optional<dhcp::Ipv4> reservation(const std::string& mac) override;
    std::vector<bool> write(const std::vector<Change>& changes, std::int64_t now) override;

private:
    InventoryPool& inventory_;
};

}  // namespace xcp::service
