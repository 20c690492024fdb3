// --inventory URL (a user's text, from the command line or the config file):
// read into a location, never anything but one sentence when it is not one,
// and never a password in what logs and errors show.
#include "server/inventory/location.hpp"

#include <boost/url/parse.hpp>

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        const auto l = xcp::inventory::parse_location(text, "/var/lib/xcp-pxe");
        if (l.backend == xcp::inventory::Location::Backend::postgresql) {
            const auto shown = boost::urls::parse_uri(l.shown);
            if (!shown || shown->has_password()) {
                std::abort();
            }
            for (const auto& p : shown->params()) {
                if (p.key == "password") {
                    std::abort();
                }
            }
        } else if (l.file.empty() || !l.file.is_absolute()) {
            std::abort();
        }
    } catch (const xcp::inventory::InventoryError&) {
    }
    return 0;
}
