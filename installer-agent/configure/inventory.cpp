#include "installer-agent/configure/inventory.hpp"

namespace xcp::installer {
namespace {

std::string quoted(std::string_view key, std::string_view value)
{
    return std::string(key) + "='" + std::string(value) + "'\n";
}

}  // namespace

void add_product(InventoryFields& f, const std::vector<InstalledRepository>& repositories)
{
    for (const auto& r : repositories) {
        if (r.id.ends_with(":main") || r.format == "modern") {
            f.product_brand = r.id;
            f.product_version = r.version;
            f.build_number = r.build;
        }
    }
}

std::string inventory_text(const InventoryFields& f)
{
    std::string out;
    out += quoted("PRIMARY_DISK", f.primary_disk);
    out += quoted("BACKUP_PARTITION", f.backup_partition);
    out += quoted("PARTITION_LAYOUT", f.partition_layout);
    out += quoted("INSTALLATION_UUID", f.installation_uuid);
    out += quoted("CONTROL_DOMAIN_UUID", f.control_domain_uuid);
    out += quoted("DOM0_MEM", std::to_string(f.dom0_mem_mib));
    out += quoted("MANAGEMENT_INTERFACE", f.management_interface);
    out += quoted("PRODUCT_BRAND", f.product_brand);
    out += quoted("PRODUCT_VERSION", f.product_version);
    out += quoted("PLATFORM_VERSION", f.product_version);
    out += quoted("BUILD_NUMBER", f.build_number);
    out += quoted("ROOT_LABEL", f.root_label);
    return out;
}

}  // namespace xcp::installer
