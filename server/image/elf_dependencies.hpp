// What a dynamically linked ELF file needs to run: its interpreter (the
// dynamic loader) and the DT_NEEDED libraries with the paths it asks the
// loader to search first. A pure function of the file's bytes.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::image {

struct ElfDependencies {
    bool dynamic = false;         // has a PT_DYNAMIC segment
    std::string interpreter;      // PT_INTERP: /lib64/ld-linux-x86-64.so.2
    std::vector<std::string> needed;
    std::vector<std::string> rpath, runpath;  // split at ':'; $ORIGIN left as it is
};

// Reads a 64-bit little-endian ELF file. Returns why it cannot when the
// bytes are not one, or are cut short or point outside themselves.
std::variant<ElfDependencies, std::string> read_elf_dependencies(std::string_view bytes);

}  // namespace xcp::image
