// inotify behind files::ChangeWatch, on a temporary directory.
#include "server/files/change_watch.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace xcp::files {
namespace {

TEST(ChangeWatch, EveryWriteRenameOrRemovalInAWatchedDirectoryIsANewGeneration)
{
    test::TempDir dir;
    std::filesystem::create_directories(dir.path() / "watched/below");
    std::filesystem::create_directories(dir.path() / "other");
    ChangeWatch watch({dir.path() / "watched"});
    ASSERT_TRUE(watch.able());
    auto seen = watch.generation();
    EXPECT_EQ(watch.generation(), seen) << "nothing written";
    std::ofstream(dir.path() / "other/f") << "x";
    std::ofstream(dir.path() / "watched/below/f") << "x";
    EXPECT_EQ(watch.generation(), seen) << "outside, or below a watched directory";

    const auto expect_new = [&](const char* what) {
        const auto now = watch.generation();
        EXPECT_NE(now, seen) << what;
        seen = now;
        EXPECT_EQ(watch.generation(), seen) << what << ": read once";
    };
    std::ofstream(dir.path() / "watched/db") << "created";
    expect_new("created");
    std::ofstream(dir.path() / "watched/db", std::ios::app) << "appended";
    expect_new("appended");
    std::ofstream(dir.path() / "other/new") << "replacement";
    std::filesystem::rename(dir.path() / "other/new", dir.path() / "watched/db");
    expect_new("renamed over");
    std::filesystem::remove(dir.path() / "watched/db");
    expect_new("removed");
    for (int i = 0; i < 2000; ++i) {  // more events than one read takes
        std::ofstream(dir.path() / "watched/many", std::ios::app) << i;
    }
    expect_new("many");
}

TEST(ChangeWatch, ADirectoryThatCannotBeWatchedNeverRepeatsAGeneration)
{
    test::TempDir dir;
    ChangeWatch watch({dir.path() / "missing"});
    EXPECT_FALSE(watch.able());
    EXPECT_NE(watch.generation(), watch.generation());
}

}  // namespace
}  // namespace xcp::files
