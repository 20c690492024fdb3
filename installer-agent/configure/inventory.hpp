// /etc/xensource-inventory: the plan settles every field but the product's,
// which come from the repositories the install unpacked.
#pragma once

#include "installer-agent/unpack/root_unpacker.hpp"

#include <string>
#include <vector>

namespace xcp::installer {

struct InventoryFields {
    std::string primary_disk, backup_partition, partition_layout;
    std::string installation_uuid, control_domain_uuid;
    int dom0_mem_mib = 2048;
    std::string management_interface;
    std::string product_brand, product_version, build_number;  // from the repositories
    std::string root_label;
};

// The main repository's (legacy ":main", or a modern one) product, version
// and build.
void add_product(InventoryFields& fields, const std::vector<InstalledRepository>& repositories);

std::string inventory_text(const InventoryFields& fields);

}  // namespace xcp::installer
