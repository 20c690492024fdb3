// --inventory URL (a user's text, from the command line or the config file):
// read into a location, never anything but one sentence when it is not one,
// and never a password in what logs and errors show.
#include "server/inventory/location.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto l = xcp::inventory::parse_location(text, "/var/lib/xcp-pxe");
        if (l.backend == xcp::inventory::Location::Backend::postgresql) {
            // What is shown is a location of its own, with nothing left to hide.
            const auto again = xcp::inventory::parse_location(l.shown, "/var/lib/xcp-pxe");
            if (again.has_password || again.shown != l.shown) {
                std::abort();
            }
        } else if (l.file.empty() || !l.file.is_absolute()) {
            std::abort();
        }
    } catch (const xcp::inventory::InventoryError&) {
    }
    return 0;
}
