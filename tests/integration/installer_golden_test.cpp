// `xcp-installer --dry-run` on every example answerfile, against golden
// files in tests/golden/dry-run/: the plan an operator reads is a contract
// too. Disks are sparse image files; --layout is given so that nothing is
// fetched (the examples name hosts that do not exist). To accept a change:
// XCP_UPDATE_GOLDEN=1 ctest -R Golden, then review the diff.
#include "tests/support/golden.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>


namespace xcp::test {
namespace {

namespace fs = std::filesystem;

TEST(InstallerGolden, DryRunOfEveryExampleAnswerfile)
{
    require_programs({"truncate"});
    TempDir dir;
    const auto dev = dir.path() / "dev";
    fs::create_directories(dev / "disk/by-id");
    const std::pair<const char*, const char*> disks[] = {
        {"sda", "64G"}, {"sdb", "100G"}, {"sdc", "100G"}, {"sdd", "100G"}, {"nvme0n1", "64G"},
        {"disk/by-id/ata-SAMSUNG_MZ7LH480HAHQ-00005_S45PNA0M512345", "480G"}};
    for (const auto& [name, size] : disks) {
        ASSERT_EQ(run(std::string("truncate -s ") + size + " " + quote((dev / name).string())).exit_code, 0);
    }
    const auto installer = xcp_pxe_binary().parent_path().parent_path() / "installer-agent/xcp-installer";
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(source_dir() / "answerfiles")) {
        if (entry.path().extension() != ".xml") {
            continue;
        }
        const auto name = entry.path().stem().string();
        const auto layout = name.starts_with("legacy-2009") ? "legacy" : "modern";
        const auto r = run(quote(installer.string()) + " --dry-run --layout " + layout + " --dev-dir " +
                           quote(dev.string()) + " --boot-mode bios --local-source /media/xcp --answerfile " +
                           quote(entry.path().string()) + " 2>&1");
        auto text = "$ xcp-installer --dry-run --layout " + std::string(layout) +
                    " --boot-mode bios --local-source /media/xcp --answerfile answerfiles/" + name + ".xml\nexit " +
                    std::to_string(r.exit_code) + "\n" + r.output;
        text = replace_all(replace_all(text, dev.string(), "DEV"), entry.path().string(), "answerfiles/" + name + ".xml");
        text = without_identities(text);
        expect_golden(text, "dry-run/" + name + ".txt", "answerfiles/" + name + ".xml");
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

}  // namespace
}  // namespace xcp::test
