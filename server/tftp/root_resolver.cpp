#include "server/tftp/root_resolver.hpp"

namespace xcp::tftp {

Resolution RootResolver::resolve(std::string_view path, const boost::asio::ip::address&)
{
    auto opened = root_.open(std::string(path));
    if (auto* refused = std::get_if<files::OpenRefused>(&opened)) {
        return {nullptr, refused->missing ? ErrorCode::file_not_found : ErrorCode::access_violation,
                std::move(refused->reason)};
    }
    auto& file = std::get<files::OpenedFile>(opened);
    auto content = cache_.content_for(std::move(file.fd), file.st);
    if (!content) {
        return {nullptr, ErrorCode::access_violation, "changed or failed while being read"};
    }
    return {std::move(content), {}, {}};
}

}  // namespace xcp::tftp
