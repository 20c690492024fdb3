// Answerfiles as last served, kept for the I/O threads. A request whose
// token is here, with nothing written to the inventory or the profiles
// since (the same ChangeWatch generation), is answered at once: no hop to
// the inventory thread, no read of the database.
#pragma once

#include "server/http/handler.hpp"
#include "server/inventory/host.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <shared_mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace xcp::service {

struct ReadyAnswerfile {
    std::uint64_t generation = 0;  // the watch's, read before the inventory was
    inventory::Host host;
    std::optional<std::string> leased;  // with --bind-tokens-to-address
    std::string xml;
};

// What `ready` answers `client` without the inventory: the answerfile, or
// nullopt when the request must be decided the slow way (it is refused, or
// it would change the host).
std::optional<http::Reply> reply_from_ready(const ReadyAnswerfile& ready, const std::string& client);

class ReadyAnswerfiles {
public:
    explicit ReadyAnswerfiles(std::size_t most = 4096) : most_(most) {}
    void keep(const std::string& token, ReadyAnswerfile ready);
    [[nodiscard]] std::optional<http::Reply> reply(std::string_view token, std::uint64_t generation,
                                                   const std::string& client) const;

private:
    struct TokenHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::size_t most_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, ReadyAnswerfile, TokenHash, std::equal_to<>> by_token_;
};

}  // namespace xcp::service
