#include "server/tftp/file_cache.hpp"

namespace xcp::tftp {

void FileCache::evict_unused()
{
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (it->second.use_count() == 1) {
            used_ -= it->second->size();
            it = entries_.erase(it);
        } else {
            ++it;
        }
    }
}

std::shared_ptr<const Content> FileCache::content_for(UniqueFd fd, const struct stat& st)
{
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const Key key{st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
    const std::lock_guard lock(mutex_);
    if (const auto it = entries_.find(key); it != entries_.end()) {
        return it->second;
    }
    if (size > max_file_) {
        return std::make_shared<FileContent>(std::move(fd), size);
    }
    if (used_ + size > budget_) {
        evict_unused();
    }
    if (used_ + size > budget_) {
        return std::make_shared<FileContent>(std::move(fd), size);
    }
    const FileContent file(std::move(fd), size);
    std::vector<std::byte> bytes;  // read() fills it in place: one buffer the size of the file
    if (file.read(0, static_cast<std::size_t>(size), bytes).size() != size) {
        return nullptr;  // the file changed or could not be read; the caller refuses
    }
    auto content = std::make_shared<const MemoryContent>(std::move(bytes));
    entries_.emplace(key, content);
    used_ += size;
    return content;
}

}  // namespace xcp::tftp
