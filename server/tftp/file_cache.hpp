#pragma once

#include "server/tftp/content.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <sys/stat.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

namespace xcp::tftp {

// Hot boot files (pxelinux.0, xen.gz, the kernel, install.img) are read once
// and shared by every concurrent transfer: a rack booting at once reads them
// forty times in the same second. A file is known by device, inode, size and
// mtime, so a replaced or edited file is read afresh. Files that do not fit the
// budget are read from disk on demand. Safe from any thread: a file is read
// once even when every I/O thread asks for it at the same instant.
class FileCache {
public:
    FileCache(std::size_t budget_bytes, std::size_t max_file_bytes)
        : budget_(budget_bytes), max_file_(max_file_bytes) {}

    // `fd` is an open regular file and `st` its fstat.
    std::shared_ptr<const Content> content_for(UniqueFd fd, const struct stat& st);

    [[nodiscard]] std::size_t bytes_held() const
    {
        const std::lock_guard lock(mutex_);
        return used_;
    }

private:
    using Key = std::tuple<dev_t, ino_t, off_t, time_t, long>;
    void evict_unused();

    mutable std::mutex mutex_;
    std::size_t budget_;
    std::size_t max_file_;
    std::size_t used_ = 0;
    std::map<Key, std::shared_ptr<const MemoryContent>> entries_;
};

}  // namespace xcp::tftp
