#pragma once

#include "libxcp/util/unique_fd.hpp"

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

namespace xcp::files {

// Counts writes to the files of a few directories (their direct entries),
// by inotify. A value kept with the generation read before it stays true
// while generation() returns the same number: the kernel queues the event
// within the writer's write(2), so a write that finished before a call is
// seen by that call. Safe to call from any thread; never blocks.
class ChangeWatch {
public:
    // Directories that do not exist or cannot be watched leave the watch
    // unable: every generation() is then a new number.
    explicit ChangeWatch(const std::vector<std::filesystem::path>& directories);

    [[nodiscard]] bool able() const { return able_; }
    [[nodiscard]] std::uint64_t generation();

private:
    UniqueFd fd_;
    bool able_ = false;
    std::mutex mutex_;
    std::uint64_t generation_ = 0;
};

}  // namespace xcp::files
