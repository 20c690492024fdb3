#include "server/image/elf_dependencies.hpp"

#include "libxcp/util/text.hpp"

#include <elf.h>

#include <cstring>
#include <optional>

namespace xcp::image {
namespace {

template <typename T>
std::optional<T> read_at(std::string_view bytes, std::uint64_t offset)
{
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) {
        return std::nullopt;
    }
    T out;
    std::memcpy(&out, bytes.data() + offset, sizeof(T));
    return out;
}

// A NUL-terminated string at `offset` inside [begin, begin + size).
std::optional<std::string> string_at(std::string_view bytes, std::uint64_t begin, std::uint64_t size,
                                     std::uint64_t offset)
{
    if (begin > bytes.size() || size > bytes.size() - begin || offset >= size) {
        return std::nullopt;
    }
    const auto table = bytes.substr(begin, size);
    const auto end = table.find('\0', offset);
    if (end == std::string_view::npos) {
        return std::nullopt;
    }
    return std::string(table.substr(offset, end - offset));
}

std::vector<std::string> split_paths(const std::string& text)
{
    std::vector<std::string> out;
    for (const auto part : util::split(text, ':')) {
        if (!part.empty()) {
            out.emplace_back(part);
        }
    }
    return out;
}

}  // namespace

std::variant<ElfDependencies, std::string> read_elf_dependencies(std::string_view bytes)
{
    const auto header = read_at<Elf64_Ehdr>(bytes, 0);
    if (!header || std::memcmp(header->e_ident, ELFMAG, SELFMAG) != 0) {
        return std::string("not an ELF file");
    }
    if (header->e_ident[EI_CLASS] != ELFCLASS64 || header->e_ident[EI_DATA] != ELFDATA2LSB) {
        return std::string("not a 64-bit little-endian ELF file");
    }
    if (header->e_phentsize != sizeof(Elf64_Phdr) || header->e_phnum > 4096) {
        return std::string("ELF program headers of an unexpected size or number");
    }
    ElfDependencies out;
    std::optional<Elf64_Phdr> dynamic;
    std::vector<Elf64_Phdr> loads;
    for (std::uint64_t i = 0; i < header->e_phnum; ++i) {
        const auto ph = read_at<Elf64_Phdr>(bytes, header->e_phoff + i * sizeof(Elf64_Phdr));
        if (!ph) {
            return std::string("ELF program header ") + std::to_string(i) + " lies past the end of the file";
        }
        if (ph->p_type == PT_INTERP) {
            const auto text = string_at(bytes, ph->p_offset, ph->p_filesz, 0);
            if (!text) {
                return std::string("ELF interpreter path lies outside the file");
            }
            out.interpreter = *text;
        } else if (ph->p_type == PT_DYNAMIC) {
            dynamic = ph;
        } else if (ph->p_type == PT_LOAD) {
            loads.push_back(*ph);
        }
    }
    if (!dynamic) {
        return out;
    }
    out.dynamic = true;
    // DT_STRTAB is an address: the PT_LOAD segment holding it says where
    // that is in the file.
    const auto file_offset = [&](std::uint64_t address) -> std::optional<std::uint64_t> {
        for (const auto& load : loads) {
            if (address >= load.p_vaddr && address - load.p_vaddr < load.p_filesz) {
                return load.p_offset + (address - load.p_vaddr);
            }
        }
        return std::nullopt;
    };
    std::uint64_t strtab = 0, strsz = 0;
    std::vector<std::pair<std::int64_t, std::uint64_t>> entries;
    const auto count = dynamic->p_filesz / sizeof(Elf64_Dyn);
    for (std::uint64_t i = 0; i < count && i < 65536; ++i) {
        const auto d = read_at<Elf64_Dyn>(bytes, dynamic->p_offset + i * sizeof(Elf64_Dyn));
        if (!d) {
            return std::string("ELF dynamic section lies past the end of the file");
        }
        if (d->d_tag == DT_NULL) {
            break;
        }
        if (d->d_tag == DT_STRTAB) {
            strtab = d->d_un.d_ptr;
        } else if (d->d_tag == DT_STRSZ) {
            strsz = d->d_un.d_val;
        } else if (d->d_tag == DT_NEEDED || d->d_tag == DT_RPATH || d->d_tag == DT_RUNPATH) {
            entries.emplace_back(d->d_tag, d->d_un.d_val);
        }
    }
    if (entries.empty()) {
        return out;
    }
    const auto table = file_offset(strtab);
    if (!table) {
        return std::string("ELF string table is not in a loaded segment");
    }
    for (const auto& [tag, offset] : entries) {
        const auto text = string_at(bytes, *table, strsz, offset);
        if (!text) {
            return std::string("ELF dynamic entry points outside its string table");
        }
        if (tag == DT_NEEDED) {
            out.needed.push_back(*text);
        } else if (tag == DT_RPATH) {
            out.rpath = split_paths(*text);
        } else {
            out.runpath = split_paths(*text);
        }
    }
    return out;
}

}  // namespace xcp::image
