#pragma once

#include "libxcp/util/secret.hpp"

#include <stdexcept>
#include <string>

namespace xcp::checksum {

// SHA-512 crypt ($6$, random salt from the kernel) of a plain-text root
// password: the only form in which the server stores or serves a password
// and the installer writes one. Throws std::runtime_error.
std::string sha512_crypt(const Secret& password);

}  // namespace xcp::checksum
