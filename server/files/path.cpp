#include "server/files/path.hpp"

#include <algorithm>

namespace xcp::files {

std::variant<std::string, PathRefused> normalize_path(std::string_view requested)
{
    constexpr std::size_t max_length = 4095;
    if (requested.size() > max_length) {
        return PathRefused{"name of " + std::to_string(requested.size()) + " bytes is too long"};
    }
    if (std::any_of(requested.begin(), requested.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
        return PathRefused{"name holds control characters"};
    }
    std::string out;
    std::size_t start = 0;
    while (start <= requested.size()) {
        auto end = requested.find_first_of("/\\", start);
        if (end == std::string_view::npos) {
            end = requested.size();
        }
        const auto segment = requested.substr(start, end - start);
        if (segment == "..") {
            return PathRefused{"name climbs out of the root with .."};
        }
        if (!segment.empty() && segment != ".") {
            if (!out.empty()) {
                out += '/';
            }
            out += segment;
        }
        start = end + 1;
    }
    if (out.empty()) {
        return PathRefused{"name is empty or names the root itself"};
    }
    return out;
}

}  // namespace xcp::files
