#include "server/files/change_watch.hpp"

#include <spdlog/spdlog.h>

#include <sys/inotify.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace xcp::files {

ChangeWatch::ChangeWatch(const std::vector<std::filesystem::path>& directories)
    : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
{
    if (!fd_.valid()) {
        spdlog::warn("inotify unavailable ({}): changes to files cannot be watched", std::strerror(errno));
        return;
    }
    constexpr std::uint32_t changes = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE |
                                      IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;
    able_ = !directories.empty();
    for (const auto& dir : directories) {
        if (::inotify_add_watch(fd_.get(), dir.c_str(), changes) < 0) {
            spdlog::warn("cannot watch {} for changes: {}", dir.string(), std::strerror(errno));
            able_ = false;
        }
    }
}

std::uint64_t ChangeWatch::generation()
{
    const std::lock_guard lock(mutex_);
    if (!able_) {
        return ++generation_;
    }
    // Events are only counted, never read for their names: a full buffer
    // means more may be queued, so read until the queue is empty.
    alignas(inotify_event) std::array<char, 4096> buffer{};
    for (int reads = 0; reads < 64; ++reads) {
        const auto n = ::read(fd_.get(), buffer.data(), buffer.size());
        if (n > 0) {
            ++generation_;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno != EAGAIN) {
            spdlog::warn("reading inotify events: {}; changes to files are no longer watched", std::strerror(errno));
            able_ = false;
            ++generation_;
        }
        return generation_;
    }
    return ++generation_;  // still events after 64 reads: changing now
}

}  // namespace xcp::files
