// What an FTP server sends on the control connection: replies (one line or
// many) and the passive-mode ports in them.
#include "libxcp/repository/ftp_source.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    // Replies are taken off the front one by one, as the client does.
    for (int i = 0; i < 64; ++i) {
        const auto r = xcp::repository::parse_ftp_reply(text);
        if (!r) {
            break;
        }
        if (r->used == 0 || r->used > text.size() || r->code < 0 || r->code > 999) {
            std::abort();
        }
        if (const auto port = xcp::repository::parse_epsv(r->text); port && *port == 0) {
            std::abort();
        }
        if (const auto port = xcp::repository::parse_pasv(r->text); port && *port == 0) {
            std::abort();
        }
        text.remove_prefix(r->used);
    }
    return 0;
}
