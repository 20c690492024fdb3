#include "server/image/shared_libraries.hpp"

#include "server/image/file_bytes.hpp"
#include "server/image/elf_dependencies.hpp"
#include "libxcp/util/text.hpp"

#include <glob.h>

#include <deque>
#include <map>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace xcp::image {
namespace fs = std::filesystem;
namespace {


void read_conf(const fs::path& file, std::vector<fs::path>& out, int depth)
{
    std::ifstream in(file);
    if (!in || depth > 8) {
        return;
    }
    std::ostringstream text;
    text << in.rdbuf();
    const auto conf = parse_ld_so_conf(text.str());
    for (const auto& dir : conf.directories) {
        out.emplace_back(dir);
    }
    for (auto pattern : conf.includes) {
        if (!pattern.starts_with("/")) {
            pattern = (file.parent_path() / pattern).string();
        }
        glob_t found{};
        if (::glob(pattern.c_str(), 0, nullptr, &found) == 0) {
            for (std::size_t i = 0; i < found.gl_pathc; ++i) {
                read_conf(found.gl_pathv[i], out, depth + 1);
            }
        }
        ::globfree(&found);
    }
}

std::string expand_origin(const std::string& dir, const fs::path& object)
{
    std::string out = dir;
    const auto origin = object.parent_path().string();
    for (const std::string token : {"${ORIGIN}", "$ORIGIN"}) {
        for (auto at = out.find(token); at != std::string::npos; at = out.find(token, at + origin.size())) {
            out.replace(at, token.size(), origin);
        }
    }
    return out;
}

}  // namespace

LdSoConf parse_ld_so_conf(std::string_view text)
{
    LdSoConf conf;
    for (const auto raw : util::split(text, '\n')) {
        auto line = raw.substr(0, raw.find('#'));
        line = util::trim(line);
        if (line.empty()) {
            continue;
        }
        if (line.starts_with("include") && line.size() > 7 && (line[7] == ' ' || line[7] == '\t')) {
            for (const auto pattern : util::split(util::trim(line.substr(8)), ' ')) {
                if (!util::trim(pattern).empty()) {
                    conf.includes.emplace_back(util::trim(pattern));
                }
            }
            continue;
        }
        // Old ld.so.conf lines may carry "=TYPE" or list several, split by
        // blanks, commas or colons.
        std::string dirs(line);
        for (auto& c : dirs) {
            if (c == ',' || c == ':' || c == '\t') {
                c = ' ';
            }
        }
        for (const auto dir : util::split(dirs, ' ')) {
            auto d = util::trim(dir);
            if (const auto eq = d.find('='); eq != std::string_view::npos) {
                d = d.substr(0, eq);
            }
            if (d.starts_with("/")) {
                conf.directories.emplace_back(d);
            }
        }
    }
    return conf;
}

std::vector<fs::path> loader_directories(const fs::path& ld_so_conf)
{
    std::vector<fs::path> out;
    read_conf(ld_so_conf, out, 0);
    // The loader's trusted directories (glibc's, with Debian's multiarch).
    for (const auto* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib",
                            "/usr/lib"}) {
        out.emplace_back(dir);
    }
    return out;
}

Closure shared_library_closure(const std::vector<fs::path>& programs, const std::vector<fs::path>& directories)
{
    Closure out;
    std::set<fs::path> seen;
    std::deque<fs::path> queue;
    // Each file is read and parsed once: libc alone is asked for by nearly
    // every other library.
    std::map<fs::path, std::variant<ElfDependencies, std::string>> parsed_files;
    const auto parse = [&](const fs::path& file) -> const std::variant<ElfDependencies, std::string>& {
        auto it = parsed_files.find(file);
        if (it == parsed_files.end()) {
            const auto bytes = file_bytes(file);
            it = parsed_files
                     .emplace(file, bytes.starts_with("#!") ? std::variant<ElfDependencies, std::string>(ElfDependencies{})
                                                             : read_elf_dependencies(bytes))
                     .first;
        }
        return it->second;
    };
    const auto add = [&](const fs::path& file) {
        if (seen.insert(file).second) {
            out.files.push_back(file);
            queue.push_back(file);
        }
    };
    for (const auto& program : programs) {
        add(program);
    }
    while (!queue.empty()) {
        const auto object = queue.front();
        queue.pop_front();
        // A script parses as needing nothing: its interpreter is the
        // caller's business.
        const auto& parsed = parse(object);
        if (const auto* why = std::get_if<std::string>(&parsed)) {
            throw std::runtime_error(object.string() + ": " + *why);
        }
        const auto& elf = std::get<ElfDependencies>(parsed);
        if (!elf.interpreter.empty()) {
            add(elf.interpreter);
        }
        std::vector<fs::path> search;
        if (elf.runpath.empty()) {
            for (const auto& d : elf.rpath) {
                search.emplace_back(expand_origin(d, object));
            }
        }
        for (const auto& d : elf.runpath) {
            search.emplace_back(expand_origin(d, object));
        }
        search.insert(search.end(), directories.begin(), directories.end());
        for (const auto& name : elf.needed) {
            if (name.find('/') != std::string::npos) {
                add(name);
                continue;
            }
            bool found = false;
            for (const auto& dir : search) {
                std::error_code ec;
                const auto candidate = dir / name;
                if (!fs::is_regular_file(candidate, ec)) {
                    continue;
                }
                // A library of another class or machine is passed over, as
                // the loader passes it over.
                if (std::holds_alternative<std::string>(parse(candidate))) {
                    continue;
                }
                add(candidate);
                found = true;
                break;
            }
            if (!found) {
                out.missing.push_back(object.string() + " needs " + name + ", found in none of the loader's directories");
            }
        }
    }
    return out;
}

}  // namespace xcp::image
