#include "server/tftp/content.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xcp::tftp {

MemoryContent::MemoryContent(std::string_view text)
    : bytes_(reinterpret_cast<const std::byte*>(text.data()), reinterpret_cast<const std::byte*>(text.data()) + text.size())
{
}

std::span<const std::byte> MemoryContent::read(std::uint64_t offset, std::size_t length,
                                               std::vector<std::byte>&) const
{
    if (offset >= bytes_.size()) {
        return {};
    }
    const auto n = std::min<std::uint64_t>(length, bytes_.size() - offset);
    return std::span<const std::byte>(bytes_).subspan(offset, n);
}

std::span<const std::byte> FileContent::read(std::uint64_t offset, std::size_t length,
                                             std::vector<std::byte>& scratch) const
{
    if (offset >= size_) {
        return {};
    }
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length, size_ - offset));
    if (scratch.size() < want) {
        scratch.resize(want);
    }
    std::size_t got = 0;
    while (got < want) {
        const auto n = ::pread(fd_.get(), scratch.data() + got, want - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    return std::span<const std::byte>(scratch.data(), got);
}

std::vector<std::byte> to_netascii(const Content& content)
{
    std::vector<std::byte> out;
    std::vector<std::byte> scratch;
    constexpr std::size_t chunk = 64 * 1024;
    for (std::uint64_t offset = 0; offset < content.size(); offset += chunk) {
        for (const auto b : content.read(offset, chunk, scratch)) {
            if (b == std::byte{'\n'}) {
                out.push_back(std::byte{'\r'});
                out.push_back(std::byte{'\n'});
            } else if (b == std::byte{'\r'}) {
                out.push_back(std::byte{'\r'});
                out.push_back(std::byte{0});
            } else {
                out.push_back(b);
            }
        }
    }
    return out;
}

}  // namespace xcp::tftp
