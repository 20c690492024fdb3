// The journal's slots as files in an ext filesystem on the target disk:
// made once with debugfs, then each record written in place, into the
// slot's first block, with one pwrite and fdatasync: no filesystem metadata
// changes while the install runs, so a kill cannot leave the filesystem
// that holds the journal half-updated.
#pragma once

#include "installer-agent/disk/ext_files.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace xcp::installer {

class DiskJournal {
public:
    // The slots in the filesystem at `where`, added when absent (each a
    // block that decodes as no record). Throws DiskError.
    static DiskJournal open_or_create(const ExtLocation& where, const std::filesystem::path& scratch_dir);

    // One block into slot 0 or 1, on the disk when this returns. Throws
    // DiskError.
    void write(int slot, const std::string& block) const;

private:
    DiskJournal(std::filesystem::path disk, std::array<std::uint64_t, 2> offsets)
        : disk_(std::move(disk)), offsets_(offsets)
    {
    }
    std::filesystem::path disk_;
    std::array<std::uint64_t, 2> offsets_{};
};

// What the slots in the filesystem at `where` hold (absent ones left out);
// nothing is written.
std::vector<std::string> read_journal_slots(const ExtLocation& where, const std::filesystem::path& scratch_dir);

}  // namespace xcp::installer
