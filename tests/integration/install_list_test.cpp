// scripts/check-install-list, which scripts/check runs on every build: a
// package the build or the tests need that the install list lacks is named,
// with the header or program that needs it. (The fresh machine of issue #18
// could not build for want of libkainjow-mustache-dev.)
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace xcp::test {
namespace {

TEST(InstallList, APackageTheListLacksIsNamedWithWhatNeedsIt)
{
    TempDir dir;
    std::ifstream in(source_dir() / "scripts/install-deps");
    std::ostringstream text;
    text << in.rdbuf();
    std::string list = text.str();
    // Drop the templates' header package and the tests' HTTP client.
    const auto drop = [&](const std::string& word) {
        const auto at = list.find(" " + word + " ");
        ASSERT_NE(at, std::string::npos) << word;
        list.erase(at + 1, word.size() + 1);
    };
    drop("libkainjow-mustache-dev");
    drop("curl");
    const auto copy = dir.path() / "install-deps";
    std::ofstream(copy) << list;
    const auto r = run(quote((source_dir() / "scripts/check-install-list").string()) + " --install-deps " +
                           quote(copy.string()) + " " + quote(XCP_BINARY_DIR),
                       std::chrono::seconds(300));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("package libkainjow-mustache-dev (header /usr/include/kainjow/mustache.hpp) is neither named"),
              std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("package curl (program curl) is neither named"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace xcp::test
