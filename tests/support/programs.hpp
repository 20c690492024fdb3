// The external programs the tests run. Each test names the ones it needs
// through require_program(s), in one place, so that scripts/check-install-list
// can map every one of them to the Debian package that owns it and fail when
// scripts/install-deps does not install that package.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string_view>

namespace xcp::test {

// The program's absolute path in Debian's directories (/usr/sbin, /usr/bin,
// /sbin, /bin: never a copy elsewhere on PATH); throws, failing the test with
// one line that names it, when it is not installed.
std::filesystem::path require_program(std::string_view name);
void require_programs(std::initializer_list<std::string_view> names);

}  // namespace xcp::test
