#pragma once

#include "libxcp/repository/retrying_source.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace xcp::repository {

// A repository over HTTP or HTTPS (Boost.Beast; TLS with OpenSSL, the peer's
// certificate verified against the system's CAs and the URL's host name): manifests with one GET each,
// packages streamed; a transfer cut short is resumed with a Range request,
// a bounded number of times with growing pauses. Every read has a deadline.
class HttpSource final : public RetryingSource {
public:
    using Settings = RetrySettings;

    // Throws SourceError for a URL that is not http(s)://host[:port]/path.
    explicit HttpSource(const std::string& url);
    HttpSource(const std::string& url, Settings settings);

    [[nodiscard]] std::string describe() const override { return url_; }

protected:
    void fetch_once(const std::string& path, std::uint64_t& offset, std::uint64_t limit,
                    const std::function<void(std::span<const std::byte>)>& sink) override;

private:
    std::string url_;
    std::string host_, port_, base_path_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // https only
};

}  // namespace xcp::repository
