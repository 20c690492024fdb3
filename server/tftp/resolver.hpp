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
    // True when resolving this path may wait on something slow (a database
    // lock): the server then resolves it off its I/O thread. Such calls come
    // from one thread at a time.
    [[nodiscard]] virtual bool waits(std::string_view /*path*/) const { return false; }
};

// Generated content first (per-MAC pxelinux configs, menus, grub configs),
// then the fallback: one code path for both.
class OverlayResolver final : public Resolver {
public:
    using Generator =
        std::function<std::optional<std::string>(std::string_view path, const boost::asio::ip::address& client)>;
    // Whether a path is one the generator makes (and so may wait).
    using Generates = std::function<bool(std::string_view path)>;

    OverlayResolver(Generator generator, Generates generates, Resolver& fallback)
        : generator_(std::move(generator)), generates_(std::move(generates)), fallback_(fallback) {}

    [[nodiscard]] bool waits(std::string_view path) const override { return generates_(path); }

    Resolution resolve(std::string_view path, const boost::asio::ip::address& client) override
    {
        if (auto text = generator_(path, client)) {
            return {std::make_shared<MemoryContent>(*text), {}, {}};
        }
        return fallback_.resolve(path, client);
    }

private:
    Generator generator_;
    Generates generates_;
    Resolver& fallback_;
};

}  // namespace xcp::tftp
