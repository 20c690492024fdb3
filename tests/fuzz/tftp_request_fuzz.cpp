// What arrives on the TFTP port from anyone: parse the request, normalize its
// path and negotiate its options, as the server does.
#include "server/tftp/options.hpp"
#include "server/tftp/packet.hpp"
#include "server/files/path.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace xcp::tftp;
    const auto parsed = parse_request(std::span(reinterpret_cast<const std::byte*>(data), size));
    if (const auto* request = std::get_if<Request>(&parsed)) {
        const auto path = xcp::files::normalize_path(request->filename);
        if (const auto* p = std::get_if<std::string>(&path)) {
            // A normalized path never climbs out and never starts at the top.
            if (p->empty() || p->front() == '/' || *p == ".." || p->starts_with("../") ||
                p->find("/../") != std::string::npos || p->ends_with("/..")) {
                std::abort();
            }
        }
        const auto n = negotiate(request->options, OptionLimits{}, 12345);
        if (n.blksize < 8 || n.blksize > 1468 || n.windowsize < 1 || n.windowsize > 64) {
            std::abort();
        }
        (void)make_oack(n.oack);
    }
    return 0;
}
