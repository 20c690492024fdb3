#pragma once

#include <string>

namespace xcp::image {

// The install image's /init (server/image/init.sh, built into the binary).
const std::string& init_script();

}  // namespace xcp::image
