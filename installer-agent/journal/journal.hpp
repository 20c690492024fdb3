// The install journal: what the executor records on the target disk before
// and after each operation, and what the next run makes of it. Pure: a
// record is encoded into one fixed-size block with its own SHA-256, and
// decoded or refused whole; two slots alternate, so a write torn by a power
// cut leaves the other one readable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::installer::journal {

// Each slot is a file of this size in the filesystem that holds the
// journal; a record is rewritten in place, in one block.
inline constexpr std::size_t block_size = 1024;
inline constexpr const char* slot_names[2] = {".xcp-installer-journal-0", ".xcp-installer-journal-1"};

enum class State {
    started,   // operation `reached` began and did not end
    done,      // operation `reached` ended; the next one has not begun
    complete,  // the whole plan ran
    failed,    // operation `reached` failed and the run stopped
};

std::string_view to_string(State state);

struct Record {
    std::uint64_t sequence = 0;
    std::string mode;  // fresh, reinstall, upgrade, restore
    std::string disk;
    std::string old_version, new_version;  // "" when not known
    std::size_t operations = 0;
    // The first operation that rewrites the installation's root, or
    // nullopt when the plan rewrites none that was there (a fresh install).
    std::optional<std::size_t> rewrite_from;
    std::size_t reached = 0;  // 0-based
    std::string step;         // the step name of `reached` ("mkfs")
    State state = State::started;
    bool operator==(const Record&) const = default;
};

// The record as one block of `block_size` bytes (text, NUL-padded).
std::string encode(const Record& record);

// The record, or nullopt when the block is not a whole, checked record.
std::optional<Record> decode(std::string_view block);

// The newest whole record among the slots' contents.
std::optional<Record> newest(const std::vector<std::string>& slots);

// True when the slots hold something but no whole record: a journal that
// cannot be read (a slot made and never written is all newlines).
bool unreadable(const std::vector<std::string>& slots);

// What the next run does with the disk a journal describes.
struct NextRun {
    enum class Kind {
        plan,         // plan as asked: nothing is pending, or the old root is untouched
        redo,         // plan as asked, replacing a fresh install that never completed
        resume,       // the upgrade again, from its verified backup (the root was being rewritten)
        refuse,       // this run would act on a disk it does not understand
    };
    Kind kind = Kind::plan;
    std::string sentence;  // what the operator reads
};

// For this run, in `mode`, that keeps an installation's data (`keeping`:
// upgrade, reinstall with <existing-installation>, restore) or not.
NextRun next_run(const std::optional<Record>& record, std::string_view mode, bool keeping);

// "upgrade of sda: operation 14 of 23 (mkfs) started, 0.1.1 -> 0.1.2".
std::string describe(const Record& record);

}  // namespace xcp::installer::journal
