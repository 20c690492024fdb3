#include "tests/support/golden.hpp"

#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <string_view>

namespace xcp::test {
namespace {

namespace fs = std::filesystem;

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

}  // namespace

std::string replace_all(std::string text, const std::string& from, const std::string& to)
{
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
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


void expect_golden(const std::string& text, const std::string& golden, const std::string& what)
{
    const auto file = source_dir() / "tests/golden" / golden;
    if (std::getenv("XCP_UPDATE_GOLDEN") != nullptr) {
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    }
    std::ifstream in(file, std::ios::binary);
    const std::string expected{std::istreambuf_iterator<char>(in), {}};
    EXPECT_EQ(text, expected) << what << ": the output differs from " << file.string();
}

}  // namespace xcp::test
