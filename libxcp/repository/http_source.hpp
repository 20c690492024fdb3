#pragma once

#include "libxcp/repository/verify.hpp"

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
class HttpSource final : public Source {
public:
    struct Settings {
        int attempts = 5;  // per file
        std::chrono::milliseconds first_pause{200};
        std::chrono::seconds io_timeout{30};
    };

    // Throws SourceError for a URL that is not http(s)://host[:port]/path.
    explicit HttpSource(const std::string& url);
    HttpSource(const std::string& url, Settings settings);

    std::optional<std::string> read_small(const std::string& path) override;
    void stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink) override;
    [[nodiscard]] std::string describe() const override { return url_; }
    [[nodiscard]] int resumes() const { return resumes_; }

private:
    std::string url_;
    std::string host_, port_, base_path_;
    Settings settings_;
    std::shared_ptr<boost::asio::ssl::context> tls_;  // https only
    int resumes_ = 0;
};

}  // namespace xcp::repository
