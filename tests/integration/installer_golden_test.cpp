// `xcp-installer --dry-run` on every example answerfile, against golden
// files in tests/golden/dry-run/: the plan an operator reads is a contract
// too. Disks are sparse image files; --layout is given so that nothing is
// fetched (the examples name hosts that do not exist). To accept a change:
// XCP_UPDATE_GOLDEN=1 ctest -R Golden, then review the diff.
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cctype>
#include <fstream>
#include <string_view>

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
// suffix (root-a1b2c3, BOOT-A1B2) read as placeholders. (A scan, not
// std::regex: GCC 12 under ASan warns inside <regex>.)
bool all_of(std::string_view text, std::size_t at, std::size_t n, int (*is)(int))
{
    if (at + n > text.size()) {
        return false;
    }
    for (std::size_t i = at; i < at + n; ++i) {
        if (is(static_cast<unsigned char>(text[i])) == 0) {
            return false;
        }
    }
    return true;
}

int is_lower_alnum(int c)
{
    return (std::islower(c) != 0 || std::isdigit(c) != 0) ? 1 : 0;
}

int is_upper_alnum(int c)
{
    return (std::isupper(c) != 0 || std::isdigit(c) != 0) ? 1 : 0;
}

int is_lower_hex(int c)
{
    return (std::isdigit(c) != 0 || (c >= 'a' && c <= 'f')) ? 1 : 0;
}

bool ends_word(std::string_view text, std::size_t at)
{
    return at >= text.size() || std::isalnum(static_cast<unsigned char>(text[at])) == 0;
}

std::string without_identities(const std::string& text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const std::string_view rest(text.data() + i, text.size() - i);
        if (all_of(rest, 0, 8, is_lower_hex) && rest.size() >= 36 && rest[8] == '-' && rest[13] == '-' &&
            rest[18] == '-' && rest[23] == '-' && all_of(rest, 9, 4, is_lower_hex) &&
            all_of(rest, 14, 4, is_lower_hex) && all_of(rest, 19, 4, is_lower_hex) &&
            all_of(rest, 24, 12, is_lower_hex) && ends_word(rest, 36)) {
            out += "UUID";
            i += 36;
            continue;
        }
        const bool label = rest.starts_with("root-") || rest.starts_with("logs-") || rest.starts_with("swap-");
        if (label && all_of(rest, 5, 6, is_lower_alnum) && ends_word(rest, 11) && rest.substr(5, 6) != "failed") {
            out += std::string(rest.substr(0, 5)) + "XXXXXX";
            i += 11;
            continue;
        }
        if (rest.starts_with("BOOT-") && all_of(rest, 5, 4, is_upper_alnum) && ends_word(rest, 9)) {
            out += "BOOT-XXXX";
            i += 9;
            continue;
        }
        out += text[i++];
    }
    return out;
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
