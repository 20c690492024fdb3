#pragma once

#include "libxcp/util/unique_fd.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace xcp::tftp {

// The bytes a transfer sends: a file on disk, a file held in memory and shared
// by every transfer of it, or content generated for one client.
class Content {
public:
    virtual ~Content() = default;
    [[nodiscard]] virtual std::uint64_t size() const = 0;
    // The bytes at [offset, offset + length), clipped to the end. May point into
    // `scratch`, valid until the next call with it. Fewer bytes than asked
    // before the end means the source failed (a file shrank, a disk error).
    virtual std::span<const std::byte> read(std::uint64_t offset, std::size_t length,
                                            std::vector<std::byte>& scratch) const = 0;
};

class MemoryContent final : public Content {
public:
    explicit MemoryContent(std::vector<std::byte> bytes) : bytes_(std::move(bytes)) {}
    explicit MemoryContent(std::string_view text);

    [[nodiscard]] std::uint64_t size() const override { return bytes_.size(); }
    std::span<const std::byte> read(std::uint64_t offset, std::size_t length,
                                    std::vector<std::byte>& scratch) const override;
    [[nodiscard]] std::span<const std::byte> bytes() const { return bytes_; }

private:
    std::vector<std::byte> bytes_;
};

// Reads with pread on demand: for files too large to hold in memory.
class FileContent final : public Content {
public:
    FileContent(UniqueFd fd, std::uint64_t size) : fd_(std::move(fd)), size_(size) {}

    [[nodiscard]] std::uint64_t size() const override { return size_; }
    std::span<const std::byte> read(std::uint64_t offset, std::size_t length,
                                    std::vector<std::byte>& scratch) const override;

private:
    UniqueFd fd_;
    std::uint64_t size_;
};

// RFC 764 netascii: LF becomes CR LF, a bare CR becomes CR NUL.
std::vector<std::byte> to_netascii(const Content& content);

}  // namespace xcp::tftp
