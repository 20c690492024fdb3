#include "server/image/file_bytes.hpp"

#include "server/image/kernel_package.hpp"

#include <fstream>
#include <sstream>

namespace xcp::image {

std::string file_bytes(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    if (!in || !(out << in.rdbuf())) {
        throw ImageError("cannot read " + file.string());
    }
    return out.str();
}

}  // namespace xcp::image
