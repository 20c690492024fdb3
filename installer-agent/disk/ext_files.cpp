#include "installer-agent/disk/ext_files.hpp"

#include "installer-agent/disk/scratch_file.hpp"
#include "installer-agent/system/command.hpp"
#include "libxcp/util/text.hpp"

#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;

// debugfs reports most failures on its output and still exits 0; these are
// the lines that say the filesystem itself could not be opened.
bool cannot_open(const CommandResult& r)
{
    return !r.ok() || r.output.find("while opening filesystem") != std::string::npos ||
           r.output.find("Bad magic number") != std::string::npos;
}

std::string last_line(const std::string& output)
{
    std::string last;
    for (const auto line : util::split(output, '\n')) {
        if (!util::trim(line).empty() && !line.starts_with("debugfs ")) {
            last = std::string(util::trim(line));
        }
    }
    return last;
}

DiskError failure(const ExtLocation& where, const std::string& what, const CommandResult& r)
{
    return DiskError("disk " + where.disk.string() + ", filesystem at byte " + std::to_string(where.offset) + ": " +
                     what + ": " + (r.ok() ? last_line(r.output) : r.failure("debugfs")));
}

// debugfs reads its request as words; a path with a space or a quote is
// not one of ours, and is refused rather than misread.
void check_path(const std::string& path, const ExtLocation& where)
{
    for (const char c : path) {
        if (c == ' ' || c == '"' || c == '\'' || c == '\n' || c == '\\') {
            throw DiskError("disk " + where.disk.string() + ": the path " + path + " cannot be handed to debugfs");
        }
    }
}

}  // namespace

std::string ExtLocation::spec() const
{
    return disk.string() + "?offset=" + std::to_string(offset);
}

std::optional<std::string> read_ext_file(const ExtLocation& where, const std::string& path,
                                         const fs::path& scratch_dir)
{
    check_path(path, where);
    std::error_code ec;
    fs::create_directories(scratch_dir, ec);
    auto pattern = (scratch_dir / "ext-read-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        throw DiskError("cannot make a scratch file in " + scratch_dir.string());
    }
    ::close(fd);
    fs::remove(pattern, ec);
    const auto r = run_command({"debugfs", "-R", "dump " + path + " " + pattern, where.spec()});
    if (cannot_open(r)) {
        throw failure(where, "cannot read " + path, r);
    }
    if (!fs::exists(pattern)) {
        return std::nullopt;
    }
    std::ifstream in(pattern, std::ios::binary);
    std::string text{std::istreambuf_iterator<char>(in), {}};
    fs::remove(pattern, ec);
    return text;
}

std::optional<std::vector<ExtDirEntry>> list_ext_dir(const ExtLocation& where, const std::string& dir)
{
    check_path(dir, where);
    const auto r = run_command({"debugfs", "-R", "ls -p " + dir, where.spec()});
    if (cannot_open(r)) {
        throw failure(where, "cannot list " + dir, r);
    }
    // -p prints /inode/mode/uid/gid/name/size/ per entry; anything else on
    // the output is debugfs speaking (its banner, "File not found").
    std::vector<ExtDirEntry> entries;
    bool listed = false;
    for (const auto line : util::split(r.output, '\n')) {
        if (!line.starts_with('/') || !line.ends_with('/')) {
            continue;
        }
        const auto fields = util::split(line.substr(1, line.size() - 2), '/');
        if (fields.size() != 6) {
            continue;
        }
        listed = true;
        ExtDirEntry e;
        e.name = std::string(fields[4]);
        if (e.name == "." || e.name == "..") {
            continue;
        }
        e.mode = static_cast<std::uint32_t>(std::strtoul(std::string(fields[1]).c_str(), nullptr, 8));
        e.uid = static_cast<std::uint32_t>(std::strtoul(std::string(fields[2]).c_str(), nullptr, 10));
        e.gid = static_cast<std::uint32_t>(std::strtoul(std::string(fields[3]).c_str(), nullptr, 10));
        e.size = std::strtoull(std::string(fields[5]).c_str(), nullptr, 10);
        entries.push_back(std::move(e));
    }
    if (!listed) {
        return std::nullopt;  // every directory lists at least . and ..
    }
    return entries;
}

void extract_ext(const ExtLocation& where, const fs::path& dest)
{
    check_path(dest.string(), where);
    const auto r = run_command({"debugfs", "-R", "rdump / " + dest.string(), where.spec()});
    if (cannot_open(r) || r.output.find("rdump:") != std::string::npos) {
        throw failure(where, "cannot copy the filesystem out", r);
    }
}

void add_ext_file(const ExtLocation& where, const fs::path& local, const std::string& name)
{
    check_path(local.string(), where);
    check_path(name, where);
    const auto slash = name.rfind('/');
    const auto dir = slash == std::string::npos ? std::string() : name.substr(0, slash);
    const auto base = slash == std::string::npos ? name : name.substr(slash + 1);
    // One debugfs session: its cwd carries from `cd` to `write`, which names
    // the new file in the current directory only.
    const auto script = local.string() + ".debugfs";
    {
        std::ofstream out(script, std::ios::trunc);
        if (!dir.empty()) {
            out << "mkdir /" << dir << "\ncd /" << dir << "\n";
        }
        out << "rm " << base << "\nwrite " << local.string() << " " << base << "\n";
        if (!out) {
            throw DiskError("cannot write " + script);
        }
    }
    const auto r = run_command({"debugfs", "-w", "-f", script, where.spec()});
    std::error_code ec;
    fs::remove(script, ec);
    if (cannot_open(r)) {
        throw failure(where, "cannot open it for writing", r);
    }
    if (r.output.find("Allocated inode") == std::string::npos) {
        throw failure(where, "cannot write /" + name, r);
    }
}

void write_ext_file(const ExtLocation& where, const std::string& name, const std::string& contents,
                    const fs::path& scratch_dir)
{
    const auto local = write_scratch_file(scratch_dir, "ext-write", contents);
    add_ext_file(where, local, name);
    std::error_code ec;
    fs::remove(local, ec);
}

}  // namespace xcp::installer

namespace xcp::installer {

std::uint64_t ext_file_offset(const ExtLocation& where, const std::string& path)
{
    check_path(path, where);
    const auto map = run_command({"debugfs", "-R", "bmap " + path + " 0", where.spec()});
    const auto stats = run_command({"debugfs", "-R", "stats", where.spec()});
    if (cannot_open(map) || cannot_open(stats)) {
        throw failure(where, "cannot find " + path, cannot_open(map) ? map : stats);
    }
    const auto block = std::strtoull(last_line(map.output).c_str(), nullptr, 10);
    const auto at = stats.output.find("Block size:");
    const auto size = at == std::string::npos ? 0 : std::strtoull(stats.output.c_str() + at + 11, nullptr, 10);
    if (block == 0 || size < 1024) {
        throw DiskError("disk " + where.disk.string() + ", filesystem at byte " + std::to_string(where.offset) + ": " +
                        path + " has no first block on disk (" + last_line(map.output) + ")");
    }
    return where.offset + block * size;
}

}  // namespace xcp::installer

namespace xcp::installer {

std::string ext_uuid(const ExtLocation& where)
{
    const auto r = run_command({"debugfs", "-R", "stats", where.spec()});
    const auto at = r.output.find("Filesystem UUID:");
    if (cannot_open(r) || at == std::string::npos) {
        throw failure(where, "cannot read its UUID", r);
    }
    const auto from = r.output.find_first_not_of(' ', at + 16);
    const auto uuid = r.output.substr(from, r.output.find('\n', from) - from);
    if (uuid.size() != 36 || uuid.find_first_not_of("0123456789abcdef-") != std::string::npos) {
        throw DiskError("disk " + where.disk.string() + ", filesystem at byte " + std::to_string(where.offset) +
                        ": no UUID (" + uuid + ")");
    }
    return uuid;
}

}  // namespace xcp::installer
