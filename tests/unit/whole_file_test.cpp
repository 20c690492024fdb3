#include "libxcp/util/whole_file.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace xcp {
namespace {

TEST(WholeFile, EveryByteOrNothing)
{
    std::string dir_template = (std::filesystem::temp_directory_path() / "xcp-whole-file-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir_template.data()), nullptr);
    const std::filesystem::path dir(dir_template);
    const std::string bytes("core\0\xff\r\n", 8);
    std::ofstream(dir / "file", std::ios::binary) << bytes;
    EXPECT_EQ(util::read_whole_file(dir / "file"), bytes);
    std::ofstream(dir / "empty", std::ios::binary);
    EXPECT_EQ(util::read_whole_file(dir / "empty"), "");
    EXPECT_EQ(util::read_whole_file(dir / "absent"), std::nullopt);
    EXPECT_EQ(util::read_whole_file(dir), std::nullopt) << "a directory is no file";
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xcp
