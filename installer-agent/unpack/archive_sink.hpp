// Unpacks one package archive (tar.bz2, or an RPM's payload) below a
// directory while its bytes are still arriving: the bytes go through a
// socket pair to a thread that runs libarchive, so download and hashing on
// one side and decompression and writing on the other run in parallel, with
// memory bounded by the socket buffer.
#pragma once

#include "libxcp/repository/verify.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <filesystem>
#include <string>
#include <thread>

namespace xcp::installer {

class ArchiveSink final : public repository::PackageSink {
public:
    // Entries land in `root` / `dest`; `what` names the package in errors.
    // `bzip2_program` (e.g. "lbzip2 -d"), when set, decompresses bzip2 data
    // on every core instead of libarchive's single-threaded decoder.
    ArchiveSink(std::filesystem::path root, std::string dest, std::string what, std::string bzip2_program = {});
    ~ArchiveSink() override;
    ArchiveSink(const ArchiveSink&) = delete;
    ArchiveSink& operator=(const ArchiveSink&) = delete;

    void write(std::span<const std::byte> chunk) override;
    std::string finish() override;
    // The entries unpacked, once finish() returned.
    [[nodiscard]] std::size_t entries() const { return entries_; }

private:
    void unpack(int fd);

    std::filesystem::path target_;
    std::string what_;
    std::string bzip2_program_;
    UniqueFd writer_;
    UniqueFd reader_;
    std::string problem_;  // written by the thread, read after join
    std::size_t entries_ = 0;  // the same
    bool reader_gone_ = false;
    std::thread thread_;
};

// "lbzip2 -d" when lbzip2 is on PATH (Debian's lbzip2: parallel bzip2 that
// decodes any .bz2, not only its own), else "".
std::string parallel_bzip2();

// The flags an install extracts with: no "..", no writing through symlinks,
// owners kept when running as root.
int extract_flags();

}  // namespace xcp::installer
