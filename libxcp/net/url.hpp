#pragma once

#include <string>
#include <string_view>

namespace xcp::net {

// The URL with any password replaced by <hidden>, for logs and messages.
// Text that is not a URL comes back unchanged.
std::string redact_url(std::string_view url);

}  // namespace xcp::net
