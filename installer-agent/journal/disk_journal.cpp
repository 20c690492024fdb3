#include "installer-agent/journal/disk_journal.hpp"

#include "installer-agent/journal/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace xcp::installer {

namespace fs = std::filesystem;

DiskJournal DiskJournal::open_or_create(const ExtLocation& where, const fs::path& scratch_dir)
{
    std::array<std::uint64_t, 2> offsets{};
    for (int slot = 0; slot < 2; ++slot) {
        const std::string name = journal::slot_names[slot];
        if (!read_ext_file(where, "/" + name, scratch_dir)) {
            std::error_code ec;
            fs::create_directories(scratch_dir, ec);
            const auto local = scratch_dir / name;
            {
                // Not zeros: debugfs stores a block of zeros as a hole.
                std::ofstream out(local, std::ios::binary | std::ios::trunc);
                out << std::string(journal::block_size, '\n');
                if (!out) {
                    throw DiskError("cannot write " + local.string());
                }
            }
            add_ext_file(where, local, name);
            fs::remove(local, ec);
        }
        offsets[static_cast<std::size_t>(slot)] = ext_file_offset(where, "/" + name);
    }
    return {where.disk, offsets};
}

void DiskJournal::write(int slot, const std::string& block) const
{
    const int fd = ::open(disk_.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        throw DiskError("cannot open " + disk_.string() + " to write the journal: " + std::strerror(errno));
    }
    const auto offset = static_cast<off_t>(offsets_.at(static_cast<std::size_t>(slot & 1)));
    const auto written = ::pwrite(fd, block.data(), block.size(), offset);
    const int saved = errno;
    const bool synced = written == static_cast<ssize_t>(block.size()) && ::fdatasync(fd) == 0;
    const int sync_errno = errno;
    ::close(fd);
    if (written != static_cast<ssize_t>(block.size())) {
        throw DiskError("cannot write the journal on " + disk_.string() + ": " +
                        (written < 0 ? std::strerror(saved) : std::string("short write")));
    }
    if (!synced) {
        throw DiskError("cannot sync the journal on " + disk_.string() + ": " + std::strerror(sync_errno));
    }
}

std::vector<std::string> read_journal_slots(const ExtLocation& where, const fs::path& scratch_dir)
{
    std::vector<std::string> slots;
    for (const auto* name : journal::slot_names) {
        if (auto text = read_ext_file(where, std::string("/") + name, scratch_dir)) {
            slots.push_back(std::move(*text));
        }
    }
    return slots;
}

}  // namespace xcp::installer
