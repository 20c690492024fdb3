#include "server/files/change_watch.hpp"

#include <spdlog/spdlog.h>

#include <sys/inotify.h>

#include <cerrno>
#include <cstring>

namespace xcp::files {

ChangeWatch::ChangeWatch(const std::vector<std::filesystem::path>& directories)
{
    constexpr std::uint32_t changes = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                                      IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
    able_ = !directories.empty();
    for (auto& queue : queues_) {
        queue.fd.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
        if (!queue.fd.valid()) {
            spdlog::warn("inotify unavailable ({}): changes to files cannot be watched", std::strerror(errno));
            able_ = false;
            return;
        }
        for (const auto& dir : directories) {
            if (::inotify_add_watch(queue.fd.get(), dir.c_str(), changes) < 0) {
                spdlog::warn("cannot watch {} for changes: {}", dir.string(), std::strerror(errno));
                able_ = false;
                return;
            }
        }
    }
}

// True when the queue held events (or can no longer be read).
bool ChangeWatch::drain(Queue& queue)
{
    // Events are only counted, never read for their names.
    alignas(inotify_event) std::array<char, 4096> buffer{};
    bool changed = false;
    for (int reads = 0; reads < 64; ++reads) {
        const auto n = ::read(queue.fd.get(), buffer.data(), buffer.size());
        if (n > 0) {
            changed = true;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN) {
            spdlog::warn("reading inotify events: {}; changes to files are no longer watched", std::strerror(errno));
            able_ = false;
            return true;
        }
        return changed;
    }
    return true;  // still events after 64 reads: changing now
}

std::uint64_t ChangeWatch::generation()
{
    if (!able_) {
        return ++generation_;
    }
    for (auto& queue : queues_) {
        std::unique_lock lock(queue.mutex, std::try_to_lock);
        if (lock.owns_lock()) {
            if (drain(queue)) {
                return ++generation_;
            }
            return generation_.load();
        }
    }
    const std::lock_guard lock(queues_.front().mutex);  // more callers at once than queues
    return drain(queues_.front()) ? ++generation_ : generation_.load();
}

}  // namespace xcp::files
