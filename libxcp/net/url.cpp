#include "libxcp/net/url.hpp"

#include "libxcp/util/secret.hpp"

#include <boost/url/parse.hpp>

namespace xcp::net {

std::string redact_url(std::string_view url)
{
    const auto parsed = boost::urls::parse_uri_reference(url);
    if (!parsed || !parsed->has_password()) {
        return std::string(url);
    }
    // The password view points into `url` itself: cut it out in place, so the
    // rest of the URL stays byte for byte as the operator wrote it.
    const auto password = parsed->encoded_password();
    const auto offset = static_cast<std::size_t>(password.data() - url.data());
    std::string out(url.substr(0, offset));
    out += Secret::placeholder();
    out += url.substr(offset + password.size());
    return out;
}

}  // namespace xcp::net
