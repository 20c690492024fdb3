// The install environment's kernel command line (a user's text, from the
// PXE config): parsed, the NIC chosen, the network commands made.
#include "installer-agent/environment/kernel_cmdline.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto k = xcp::installer::parse_kernel_cmdline(text);
    const std::vector<xcp::installer::Nic> nics{{"eth0", "52:54:00:00:00:01"}, {"eth1", "52:54:00:00:00:02"}};
    const auto chosen = xcp::installer::choose_nics(k, nics);
    if (const auto* names = std::get_if<std::vector<std::string>>(&chosen); names != nullptr && names->empty()) {
        std::abort();  // never "bring up nothing" silently
    }
    const auto commands = xcp::installer::network_commands("eth0", k.network_config);
    if (const auto* list = std::get_if<std::vector<std::vector<std::string>>>(&commands)) {
        for (const auto& argv : *list) {
            if (argv.empty() || argv.front().empty()) {
                std::abort();
            }
        }
    }
    return 0;
}
