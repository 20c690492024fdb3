#include "tests/support/programs.hpp"

#include <unistd.h>

#include <stdexcept>
#include <string>

namespace xcp::test {

std::filesystem::path require_program(std::string_view name)
{
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
        const auto path = std::filesystem::path(dir) / name;
        if (::access(path.c_str(), X_OK) == 0) {
            return path;
        }
    }
    throw std::runtime_error("the test needs " + std::string(name) +
                             ", which is not installed: scripts/install-deps installs it");
}

void require_programs(std::initializer_list<std::string_view> names)
{
    for (const auto name : names) {
        (void)require_program(name);
    }
}

}  // namespace xcp::test
