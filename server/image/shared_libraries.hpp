// Every shared library a set of programs needs, found the way the dynamic
// loader finds them (ld.so(8)): a name with a '/' as it is; else DT_RPATH
// (when there is no DT_RUNPATH), DT_RUNPATH, the directories of
// /etc/ld.so.conf (what ldconfig builds its cache from), then the loader's
// trusted directories. $ORIGIN is the object's own directory.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::image {

// /etc/ld.so.conf's text: its directories and its `include` patterns, in
// order. Pure.
struct LdSoConf {
    std::vector<std::string> directories;
    std::vector<std::string> includes;  // glob patterns
};
LdSoConf parse_ld_so_conf(std::string_view text);

// The search directories of this system: /etc/ld.so.conf and what it
// includes, then the trusted directories.
std::vector<std::filesystem::path> loader_directories(const std::filesystem::path& ld_so_conf = "/etc/ld.so.conf");

struct Closure {
    std::vector<std::filesystem::path> files;  // the programs, their interpreters and libraries, each once
    std::vector<std::string> missing;          // "PROGRAM needs NAME, found nowhere"
};

// Throws std::runtime_error for a program that cannot be read or is not a
// 64-bit ELF file (a script is taken as it is, with its interpreter line).
Closure shared_library_closure(const std::vector<std::filesystem::path>& programs,
                               const std::vector<std::filesystem::path>& directories);

}  // namespace xcp::image
