#pragma once

#include "server/tftp/content.hpp"
#include "server/tftp/packet.hpp"

#include <boost/asio/ip/address.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace xcp::tftp {

// The answer to "what does this client get for this name".
struct Resolution {
    std::shared_ptr<const Content> content;  // null: refused
    ErrorCode error = ErrorCode::file_not_found;
    std::string reason;  // for the log (and, generic, for the client)
};

// Maps a normalized, root-relative path to content. The TFTP server knows
// nothing else of the product: the serve command plugs generated boot configs
// in through this interface.
class Resolver {
public:
    virtual ~Resolver() = default;
    virtual Resolution resolve(std::string_view path, const boost::asio::ip::address& client) = 0;
};

// Generated content first (per-MAC pxelinux configs, menus, grub configs),
// then the fallback: one code path for both.
class OverlayResolver final : public Resolver {
public:
    using Generator =
        std::function<std::optional<std::string>(std::string_view path, const boost::asio::ip::address& client)>;

    OverlayResolver(Generator generator, Resolver& fallback)
        : generator_(std::move(generator)), fallback_(fallback) {}

    Resolution resolve(std::string_view path, const boost::asio::ip::address& client) override
    {
        if (auto text = generator_(path, client)) {
            return {std::make_shared<MemoryContent>(*text), {}, {}};
        }
        return fallback_.resolve(path, client);
    }

private:
    Generator generator_;
    Resolver& fallback_;
};

}  // namespace xcp::tftp
