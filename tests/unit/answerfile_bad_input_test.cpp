// Input that is not an answerfile at all: a clear error, no crash, bounded memory.
#include "libxcp/answerfile/load.hpp"
#include "libxcp/answerfile/parser.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace xcp::answerfile {
namespace {

std::string only_error(const ParseResult& r)
{
    EXPECT_FALSE(r.valid());
    EXPECT_FALSE(r.diagnostics.all().empty());
    return r.diagnostics.all().empty() ? std::string{} : r.diagnostics.all().front().message;
}

TEST(BadInput, NotXml)
{
    EXPECT_NE(only_error(parse("this is not xml <")).find("not well-formed XML"), std::string::npos);
}

TEST(BadInput, Unclosed)
{
    const auto r = parse("<installation>\n  <primary-disk>sda\n</installation>");
    EXPECT_NE(only_error(r).find("not well-formed XML"), std::string::npos);
    EXPECT_EQ(r.diagnostics.all().front().line, 3);  // where the parser noticed
}

// Was quadratic: 8,000 attributes took 8 s and 1.2 GB. Now refused in one
// pass, with one error naming the element and its line.
TEST(BadInput, ThousandsOfAttributesOnOneElement)
{
    for (const int count : {17, 8000, 60000}) {
        std::string xml = "<installation>\n  <primary-disk";
        for (int i = 0; i < count; ++i) {
            xml += " a" + std::to_string(i) + "=\"x\"";
        }
        xml += ">sda</primary-disk>\n</installation>\n";
        const auto r = parse(xml);
        ASSERT_EQ(r.diagnostics.all().size(), 1U) << count;
        const auto& d = r.diagnostics.all().front();
        EXPECT_NE(d.message.find("has more than 16 attributes"), std::string::npos) << d.message;
        EXPECT_EQ(d.line, 2);
        EXPECT_FALSE(r.valid());
    }
    // Sixteen unknown ones are still warnings, each named once.
    std::string xml = "<installation>\n  <primary-disk";
    for (int i = 0; i < 16; ++i) {
        xml += " a" + std::to_string(i) + "=\"x\"";
    }
    xml += ">sda</primary-disk>\n  <root-password>x</root-password>\n  <source type=\"local\"/>\n</installation>\n";
    const auto r = parse(xml);
    EXPECT_GE(r.diagnostics.all().size(), 16U);
}

TEST(BadInput, Empty)
{
    EXPECT_NE(only_error(parse("")).find("the file is empty"), std::string::npos);
    EXPECT_NE(only_error(parse("  \n\t ")).find("the file is empty"), std::string::npos);
}

TEST(BadInput, OnlyADeclaration)
{
    EXPECT_NE(only_error(parse("<?xml version=\"1.0\"?>")).find("no root element"), std::string::npos);
}

TEST(BadInput, TooLargeInMemory)
{
    std::string huge = "<installation>" + std::string(max_answerfile_bytes, ' ') + "</installation>";
    EXPECT_NE(only_error(parse(huge)).find("larger than 1 MiB"), std::string::npos);
}

TEST(BadInput, HundredMegabyteFileIsNotReadWhole)
{
    test::TempDir dir;
    const auto file = dir.path() / "huge.xml";
    {
        std::ofstream out(file);
        out << "<installation>";
    }
    std::filesystem::resize_file(file, 100ULL << 20);  // sparse: cheap to make
    const auto r = load_file(file);
    EXPECT_NE(only_error(r).find("104857600 bytes"), std::string::npos) << only_error(r);
}

TEST(BadInput, MissingFileAndDirectory)
{
    test::TempDir dir;
    EXPECT_NE(only_error(load_file(dir.path() / "nope.xml")).find("cannot read"), std::string::npos);
    EXPECT_NE(only_error(load_file(dir.path())).find("not a regular file"), std::string::npos);
}

TEST(BadInput, DeepNesting)
{
    std::string deep;
    constexpr int depth = 100000;  // within the 1 MiB limit
    for (int i = 0; i < depth; ++i) deep += "<a>";
    for (int i = 0; i < depth; ++i) deep += "</a>";
    const auto r = parse("<installation>" + deep + "</installation>");
    EXPECT_FALSE(r.valid());  // unknown element, and nothing an install needs
}

TEST(BadInput, EntityExpansionIsNotPerformed)
{
    // The "billion laughs": a DTD defining entities that expand exponentially.
    std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE installation [\n<!ENTITY lol \"lol\">\n";
    for (int i = 1; i <= 9; ++i) {
        xml += "<!ENTITY lol" + std::to_string(i) + " \"";
        for (int k = 0; k < 10; ++k) xml += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
        xml += "\">\n";
    }
    xml += "]>\n<installation><hostname>&lol9;</hostname></installation>";
    const auto r = parse(xml);
    ASSERT_TRUE(r.model);
    ASSERT_TRUE(r.model->hostname);
    EXPECT_LT(r.model->hostname->value.size(), 100U);  // left as written, never expanded
    EXPECT_FALSE(r.valid());
}

TEST(BadInput, ExternalEntityIsNotRead)
{
    const auto r = parse("<?xml version=\"1.0\"?><!DOCTYPE i [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                         "<installation><hostname>&x;</hostname></installation>");
    ASSERT_TRUE(r.model);
    EXPECT_EQ(r.model->hostname->value.find("root:"), std::string::npos);
}

TEST(BadInput, BinaryGarbage)
{
    std::mt19937 rng(7);
    for (int round = 0; round < 50; ++round) {
        std::string garbage(4096, '\0');
        for (auto& c : garbage) c = static_cast<char>(rng());
        const auto r = parse(garbage);
        EXPECT_FALSE(r.valid());
        EXPECT_FALSE(r.diagnostics.all().empty());
    }
}

TEST(BadInput, InvalidUtf8)
{
    const auto r = parse("<installation><hostname>caf\xE9</hostname></installation>");
    EXPECT_NE(only_error(r).find("not valid UTF-8"), std::string::npos);
    EXPECT_EQ(r.diagnostics.all().front().line, 1);
}

TEST(BadInput, DeclaredLatin1IsConverted)
{
    const auto r = parse("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><installation><ui-confirmation-prompt>"
                         "caf\xE9</ui-confirmation-prompt></installation>");
    ASSERT_TRUE(r.model);
    EXPECT_EQ(r.model->ui_confirmation_prompt->value, "caf\xC3\xA9");
}

TEST(BadInput, UnsupportedEncodingIsRefused)
{
    const auto r = parse("<?xml version=\"1.0\" encoding=\"windows-1252\"?><installation><hostname>caf\xE9"
                         "</hostname></installation>");
    EXPECT_NE(only_error(r).find("names the encoding \"windows-1252\", which is not supported"), std::string::npos);
}

TEST(BadInput, Utf16DeclarationOnEightBitBytesIsCheckedAsUtf8)
{
    const auto r = parse("<?xml version=\"1.0\" encoding=\"UTF-16\"?><installation><hostname>caf\xE9"
                         "</hostname></installation>");
    EXPECT_NE(only_error(r).find("not valid UTF-8"), std::string::npos);
}

TEST(BadInput, Utf16WithBom)
{
    const std::string text = "<restore><backup-disk>sda</backup-disk></restore>";
    std::string utf16 = "\xFF\xFE";
    for (const char c : text) {
        utf16 += c;
        utf16 += '\0';
    }
    const auto r = parse(utf16);
    ASSERT_TRUE(r.valid());
    EXPECT_EQ(r.model->backup_disk->value, "sda");
}

TEST(BadInput, ManyElements)
{
    std::string body;
    for (int i = 0; i < 20000; ++i) body += "<guest-disk>sd" + std::to_string(i) + "</guest-disk>";
    const auto r = parse("<installation>" + body + "</installation>");
    ASSERT_TRUE(r.model);
    EXPECT_EQ(r.model->guest_disks.size(), 20000U);
}

}  // namespace
}  // namespace xcp::answerfile
