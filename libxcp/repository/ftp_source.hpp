// A repository over FTP (RFC 959 with RFC 2428 EPSV and RFC 3659 REST):
// anonymous unless the URL carries user[:password], binary mode, passive
// data connections to the control connection's own address (never to the
// address a PASV reply names, which could point anywhere), a transfer cut
// short resumed with REST. Asio, every step under a deadline.
#pragma once

#include "libxcp/repository/retrying_source.hpp"
#include "libxcp/util/secret.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::repository {

class FtpSource final : public RetryingSource {
public:
    // Throws SourceError for a URL that is not ftp://[user[:pw]@]host[:port]/path.
    explicit FtpSource(const std::string& url, RetrySettings settings = {});
    [[nodiscard]] std::string describe() const override { return shown_; }

protected:
    void fetch_once(const std::string& path, std::uint64_t& offset, std::uint64_t limit,
                    const std::function<void(std::span<const std::byte>)>& sink) override;

private:
    std::string shown_;  // the URL without its password
    std::string host_, port_, user_, base_path_;
    Secret password_;
};

// A whole reply from the control connection's text so far: "230 ok\r\n", or
// a multi-line "150-...\r\n...\r\n150 done\r\n". `used` is how many bytes it
// took. Nullopt while incomplete; a code of 0 for text that is not a reply.
struct FtpReply {
    int code = 0;
    std::string text;  // the last line's text
    std::size_t used = 0;
};
std::optional<FtpReply> parse_ftp_reply(std::string_view received);

// The port of an EPSV reply's "(|||6446|)"; nullopt when malformed.
std::optional<std::uint16_t> parse_epsv(std::string_view text);
// The port of a PASV reply's "(h1,h2,h3,h4,p1,p2)"; nullopt when malformed.
std::optional<std::uint16_t> parse_pasv(std::string_view text);

}  // namespace xcp::repository
