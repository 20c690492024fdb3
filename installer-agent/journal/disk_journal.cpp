#include "installer-agent/journal/disk_journal.hpp"

#include "installer-agent/disk/in_place_write.hpp"
#include "installer-agent/journal/journal.hpp"


namespace xcp::installer {

namespace fs = std::filesystem;

DiskJournal DiskJournal::open_or_create(const ExtLocation& where, const fs::path& scratch_dir)
{
    std::array<std::uint64_t, 2> offsets{};
    for (int slot = 0; slot < 2; ++slot) {
        const std::string name = journal::slot_names[slot];
        if (!read_ext_file(where, "/" + name, scratch_dir)) {
            // Not zeros: debugfs stores a block of zeros as a hole.
            write_ext_file(where, name, std::string(journal::block_size, '\n'), scratch_dir);
        }
        offsets[static_cast<std::size_t>(slot)] = ext_file_offset(where, "/" + name);
    }
    return {where.disk, offsets};
}

void DiskJournal::write(int slot, const std::string& block) const
{
    write_in_place(disk_, offsets_.at(static_cast<std::size_t>(slot & 1)), block, "the journal");
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
