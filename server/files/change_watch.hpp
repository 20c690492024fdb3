#pragma once

#include "libxcp/util/unique_fd.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <vector>

namespace xcp::files {

// Counts writes to the files of a few directories (their direct entries),
// by inotify. A value kept with the generation read before it stays true
// while generation() returns the same number: the kernel queues the event
// within the writer's write(2), so a write that finished before a call is
// seen by that call. Safe to call from any thread; never blocks on I/O.
class ChangeWatch {
public:
    // Directories that do not exist or cannot be watched leave the watch
    // unable: every generation() is then a new number.
    explicit ChangeWatch(const std::vector<std::filesystem::path>& directories);

    [[nodiscard]] bool able() const { return able_; }
    [[nodiscard]] std::uint64_t generation();

private:
    // Several inotify instances, each with every event: a caller reads one
    // nobody else is reading, so that no caller can miss an event another
    // has taken from a shared queue and not yet counted.
    struct Queue {
        std::mutex mutex;
        UniqueFd fd;
    };
    static constexpr std::size_t queues = 4;  // inotify instances are few (128 a user)

    bool drain(Queue& queue);

    std::array<Queue, queues> queues_;
    std::atomic<bool> able_ = false;
    std::atomic<std::uint64_t> generation_ = 0;
};

}  // namespace xcp::files
