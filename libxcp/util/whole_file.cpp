#include "libxcp/util/whole_file.hpp"

#include <fstream>
#include <iterator>

namespace xcp::util {

std::optional<std::string> read_whole_file(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    try {
        return std::string{std::istreambuf_iterator<char>(in), {}};
    } catch (const std::ios_base::failure&) {
        return std::nullopt;  // a read error (EISDIR, EIO): libstdc++'s filebuf throws it past the iterator
    }
}

}  // namespace xcp::util
