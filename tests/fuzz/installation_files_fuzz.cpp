// What an upgrade or a restore reads off a disk another system wrote: the
// backup manifest (its round trip must be exact), an inventory, and the
// passwd, group and shadow files owners and the password hash come from.
#include "installer-agent/upgrade/backup_manifest.hpp"
#include "installer-agent/upgrade/carry_over.hpp"
#include "installer-agent/upgrade/existing_installation.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace xcp::installer;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto parsed = parse_manifest(text);
    if (const auto* m = std::get_if<Manifest>(&parsed)) {
        const auto again = parse_manifest(manifest_text(*m));
        const auto* same = std::get_if<Manifest>(&again);
        if (same == nullptr || same->entries != m->entries || !manifest_differences(*m, *same).empty()) {
            std::abort();
        }
    }
    const auto inventory = parse_inventory(text);
    (void)compare_versions(text, inventory.empty() ? std::string_view("8.2") : inventory.begin()->second);
    const auto half = text.substr(0, text.size() / 2);
    (void)remap_ids(half, text.substr(half.size()));
    (void)root_hash(text);
    return 0;
}
