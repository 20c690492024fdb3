#include "server/tftp/options.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <string_view>

namespace xcp::tftp {
namespace {

std::optional<std::uint64_t> number(std::string_view text)
{
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        return std::nullopt;
    }
    return v;
}

struct Context {
    const OptionLimits& limits;
    std::uint64_t file_size;
    Negotiated& out;
};

// Each handler returns the value to acknowledge, or nullopt to ignore the option.
using Handler = std::optional<std::uint64_t> (*)(std::uint64_t requested, Context& ctx);

std::optional<std::uint64_t> blksize(std::uint64_t requested, Context& ctx)
{
    // RFC 2348: 8..65464; a larger request is answered with what we can do.
    if (requested < 8) {
        return std::nullopt;
    }
    const auto v = std::min<std::uint64_t>({requested, 65464, ctx.limits.max_blksize});
    ctx.out.blksize = static_cast<std::uint16_t>(v);
    return v;
}

std::optional<std::uint64_t> tsize(std::uint64_t requested, Context& ctx)
{
    // RFC 2349: a reading client sends 0 and learns the size. An empty file's
    // size is not acknowledged: curl (7.88) takes "tsize 0" in an OACK for an
    // illegal operation and aborts; without it every client reads one empty block.
    if (requested != 0 || ctx.file_size == 0) {
        return std::nullopt;
    }
    return ctx.file_size;
}

std::optional<std::uint64_t> timeout(std::uint64_t requested, Context& ctx)
{
    // RFC 2349: 1..255 seconds, acknowledged unchanged or not at all.
    if (requested < 1 || requested > 255 || requested > ctx.limits.max_timeout_s) {
        return std::nullopt;
    }
    ctx.out.timeout_s = static_cast<std::uint8_t>(requested);
    return requested;
}

std::optional<std::uint64_t> windowsize(std::uint64_t requested, Context& ctx)
{
    // RFC 7440: 1..65535; the server may answer a smaller value.
    if (requested < 1 || requested > 65535) {
        return std::nullopt;
    }
    const auto v = std::min<std::uint64_t>(requested, ctx.limits.max_windowsize);
    ctx.out.windowsize = static_cast<std::uint16_t>(std::max<std::uint64_t>(v, 1));
    return ctx.out.windowsize;
}

struct Row {
    std::string_view name;
    Handler handle;
};
constexpr std::array handlers{
    Row{"blksize", &blksize},
    Row{"tsize", &tsize},
    Row{"timeout", &timeout},
    Row{"windowsize", &windowsize},
};

}  // namespace

Negotiated negotiate(std::span<const Option> requested, const OptionLimits& limits, std::uint64_t file_size)
{
    Negotiated out;
    Context ctx{limits, file_size, out};
    for (const auto& option : requested) {
        const auto row = std::find_if(handlers.begin(), handlers.end(),
                                      [&](const Row& r) { return r.name == option.name; });
        const bool already = std::any_of(out.oack.begin(), out.oack.end(),
                                         [&](const Option& o) { return o.name == option.name; });
        if (row == handlers.end() || already) {
            continue;  // unknown, or a repeat: the first one counts
        }
        const auto value = number(option.value);
        if (!value) {
            continue;
        }
        if (const auto answer = row->handle(*value, ctx)) {
            out.oack.push_back({option.name, std::to_string(*answer)});
        }
    }
    return out;
}

}  // namespace xcp::tftp
