#include "server/service/ready_answerfiles.hpp"

#include "server/service/host_requests.hpp"

namespace xcp::service {

std::optional<http::Reply> reply_from_ready(const ReadyAnswerfile& ready, const std::string& client)
{
    if (decide_answerfile_access(ready.host, client, ready.leased) || answerfile_served(ready.host, client)) {
        return std::nullopt;
    }
    return http::text_reply(http::beast_http::status::ok, ready.xml, "text/xml");
}

void ReadyAnswerfiles::keep(const std::string& token, ReadyAnswerfile ready)
{
    const std::unique_lock lock(mutex_);
    if (by_token_.size() >= most_ && !by_token_.contains(token)) {
        by_token_.clear();  // tokens of hosts long installed
    }
    by_token_.insert_or_assign(token, std::move(ready));
}

std::optional<http::Reply> ReadyAnswerfiles::reply(std::string_view token, std::uint64_t generation,
                                                   const std::string& client) const
{
    const std::shared_lock lock(mutex_);
    const auto found = by_token_.find(token);
    if (found == by_token_.end() || found->second.generation != generation) {
        return std::nullopt;
    }
    return reply_from_ready(found->second, client);
}

}  // namespace xcp::service
