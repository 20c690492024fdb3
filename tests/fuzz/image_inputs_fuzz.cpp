// What image build and import read from a user's files: ELF headers of the
// programs and libraries, a kernel package's modules.dep and
// modules.builtin, /etc/ld.so.conf, and the file names on a medium.
#include "server/image/elf_dependencies.hpp"
#include "server/image/kernel_modules.hpp"
#include "server/image/shared_libraries.hpp"
#include "server/release/media_layout.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    (void)xcp::image::read_elf_dependencies(bytes);
    (void)xcp::image::parse_ld_so_conf(bytes);
    const auto split = bytes.find('\0');
    const auto dep = bytes.substr(0, split);
    const auto builtin = split == std::string_view::npos ? std::string_view() : bytes.substr(split + 1);
    if (const auto index = xcp::image::parse_modules_dep(dep, builtin);
        std::holds_alternative<xcp::image::ModuleIndex>(index)) {
        const auto& i = std::get<xcp::image::ModuleIndex>(index);
        std::vector<std::string> wanted;
        for (const auto& [name, path] : i.path) {
            wanted.push_back(name);
        }
        const auto selection = xcp::image::select_modules(i, wanted);
        for (const auto& path : selection.load_order) {
            // Copied out of the package: never a path that leaves its tree.
            if (path.empty() || path.front() == '/' || path.find("..") != std::string::npos) {
                std::abort();
            }
        }
    }
    std::vector<std::string> names;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= bytes.size(); ++i) {
        if (i == bytes.size() || bytes[i] == '\n') {
            names.emplace_back(bytes.substr(start, i - start));
            start = i + 1;
        }
    }
    if (const auto layout = xcp::release::recognise_media(names); std::holds_alternative<xcp::release::MediaLayout>(layout)) {
        for (const auto& file : std::get<xcp::release::MediaLayout>(layout).efi_files) {
            if (xcp::release::medium_path(file) != file) {
                std::abort();
            }
        }
    }
    return 0;
}
