// `xcp-pxe serve --check` (the unit's ExecStartPre): a good configuration
// passes; a bad template placeholder and a host whose profile is gone each
// give one clear line and exit 1, and nothing is served.
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace xcp::test {
namespace {

class ServeCheck : public ::testing::Test {
protected:
    void SetUp() override
    {
        std::filesystem::create_directories(tftp_);
        std::filesystem::create_directories(http_);
        std::filesystem::copy(source_dir() / "pxe-templates", templates_);
        std::filesystem::copy(source_dir() / "answerfiles/profiles", profiles_);
    }

    [[nodiscard]] std::string paths() const
    {
        return " --state-dir " + quote(state_.string()) + " --templates-dir " + quote(templates_.string()) +
               " --profiles-dir " + quote(profiles_.string());
    }

    [[nodiscard]] CommandResult check() const
    {
        return run(quote(xcp_pxe_binary().string()) + " serve --check --tftp-root " + quote(tftp_.string()) +
                       " --http-root " + quote(http_.string()) + paths(),
                   std::chrono::seconds(30));
    }

    TempDir dir_;
    std::filesystem::path state_ = dir_.path() / "state";
    std::filesystem::path tftp_ = dir_.path() / "tftp";
    std::filesystem::path http_ = dir_.path() / "http";
    std::filesystem::path templates_ = dir_.path() / "templates";
    std::filesystem::path profiles_ = dir_.path() / "profiles";
};

TEST_F(ServeCheck, AGoodConfigurationPasses)
{
    const auto r = check();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("are in order"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("listening"), std::string::npos) << "nothing is served";
}

TEST_F(ServeCheck, ABadTemplatePlaceholderIsOneLineNamingFileAndLine)
{
    std::ofstream(templates_ / "grub-local.cfg", std::ios::app) << "# {{hostnme}}\n";
    const auto r = check();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("grub-local.cfg:"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("unknown placeholder {{hostnme}} (did you mean {{hostname}}?)"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("1 problem; not serving"), std::string::npos) << r.output;
}

TEST_F(ServeCheck, AHostWhoseProfileIsGoneIsOneLine)
{
    std::filesystem::copy_file(profiles_ / "default.xml", profiles_ / "rack7.xml");
    ASSERT_EQ(run(quote(xcp_pxe_binary().string()) + " host add 52:54:00:aa:cc:01 --profile rack7" + paths()).exit_code, 0);
    std::filesystem::remove(profiles_ / "rack7.xml");
    const auto r = check();
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("host 52:54:00:aa:cc:01 uses profile rack7, which is not in " + profiles_.string()),
              std::string::npos)
        << r.output;
}

}  // namespace
}  // namespace xcp::test
