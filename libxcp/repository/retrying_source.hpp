// What HTTP(S) and FTP sources share: each file fetched in attempts, a
// transfer cut short resumed from the byte it reached (Range, REST), a
// bounded number of times with growing pauses; manifests restarted whole.
#pragma once

#include "libxcp/repository/verify.hpp"

#include <chrono>
#include <cstdint>

namespace xcp::repository {

// The server answered, and the answer is final: not worth a retry.
class FinalError : public SourceError {
public:
    using SourceError::SourceError;
};
class NotFoundError : public FinalError {
public:
    using FinalError::FinalError;
};

struct RetrySettings {
    int attempts = 5;  // per file
    std::chrono::milliseconds first_pause{200};
    std::chrono::seconds io_timeout{30};  // for each step of a transfer
};

class RetryingSource : public Source {
public:
    explicit RetryingSource(RetrySettings settings) : settings_(settings) {}
    std::optional<std::string> read_small(const std::string& path) final;
    void stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink) final;
    [[nodiscard]] int resumes() const { return resumes_; }
    [[nodiscard]] const RetrySettings& settings() const { return settings_; }

protected:
    // One transfer of `path` from `offset` on: bytes to `sink`, `offset`
    // advanced by each byte delivered (also when the transfer is then cut),
    // at most `limit` bytes in all. Throws SourceError (worth a retry),
    // FinalError or NotFoundError.
    virtual void fetch_once(const std::string& path, std::uint64_t& offset, std::uint64_t limit,
                            const std::function<void(std::span<const std::byte>)>& sink) = 0;

private:
    RetrySettings settings_;
    int resumes_ = 0;
};

}  // namespace xcp::repository
