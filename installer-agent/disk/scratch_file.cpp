#include "installer-agent/disk/scratch_file.hpp"

#include <fstream>

namespace xcp::installer {

std::filesystem::path write_scratch_file(const std::filesystem::path& dir, const std::string& name,
                                         const std::string& contents)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    const auto path = dir / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << contents;
    out.close();
    if (!out) {
        throw DiskError("cannot write " + path.string());
    }
    return path;
}

}  // namespace xcp::installer
