// `xcp-installer --dry-run` on every example answerfile, against golden
// files in tests/golden/dry-run/: the plan an operator reads is a contract
// too. Disks are sparse image files; --layout is given so that nothing is
// fetched (the examples name hosts that do not exist). To accept a change:
// XCP_UPDATE_GOLDEN=1 ctest -R Golden, then review the diff.
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>

namespace xcp::test {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string replace_all(std::string text, const std::string& from, const std::string& to)
{
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

// The identities are drawn at random for each run: UUIDs and the label
// suffix (root-a1b2c3, BOOT-A1B2) read as placeholders.
std::string without_identities(const std::string& text)
{
    static const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    static const std::regex label("\\b(root|logs|swap)-(?!failed\\b)[a-z0-9]{6}\\b");
    static const std::regex esp("\\bBOOT-[A-Z0-9]{4}\\b");
    auto out = std::regex_replace(text, uuid, "UUID");
    out = std::regex_replace(out, label, "$1-XXXXXX");
    return std::regex_replace(out, esp, "BOOT-XXXX");
}

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
    const auto golden_dir = source_dir() / "tests/golden/dry-run";
    const bool update = std::getenv("XCP_UPDATE_GOLDEN") != nullptr;
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
        const auto golden = golden_dir / (name + ".txt");
        if (update) {
            fs::create_directories(golden_dir);
            std::ofstream(golden, std::ios::binary | std::ios::trunc) << text;
        }
        EXPECT_EQ(text, read(golden)) << "answerfiles/" << name << ".xml: --dry-run differs from " << golden.string();
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

}  // namespace
}  // namespace xcp::test
