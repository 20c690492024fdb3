// `xcp-pxe answerfile ...` as an operator or a script calls it: the exit codes
// and message format are a contract.
#include "tests/support/process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

namespace xcp::test {
namespace {

std::string xcp_pxe(const std::string& args)
{
    return quote(xcp_pxe_binary().string()) + " " + args;
}

std::string examples()
{
    return (source_dir() / "answerfiles").string();
}

TEST(CliAnswerfile, EveryExampleValidates)
{
    const auto r = run(xcp_pxe("answerfile validate --strict " + examples() + "/*.xml"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("invalid"), std::string::npos) << r.output;
}

TEST(CliAnswerfile, InvalidFileExitsOneWithLocatedMessages)
{
    TempDir dir;
    const auto file = dir.path() / "site.xml";
    std::ofstream(file) << "<?xml version=\"1.0\"?>\n<installation>\n  <primary-disk>sda</primary-disk>\n"
                           "  <source type=\"url\">http://h/r</source>\n"
                           "  <admin-interface name=\"eth0\" proto=\"static\"/>\n</installation>\n";
    const auto r = run(xcp_pxe("answerfile validate " + quote(file.string())));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find(file.string() + ":5:3: <admin-interface name=\"eth0\" proto=\"static\">: needs <gateway>"),
              std::string::npos)
        << r.output;
}

TEST(CliAnswerfile, AnyInvalidFileMakesTheRunInvalid)
{
    TempDir dir;
    std::ofstream(dir.path() / "bad.xml") << "not xml";
    const auto r = run(xcp_pxe("answerfile validate " + examples() + "/fresh-dhcp.xml " +
                               quote((dir.path() / "bad.xml").string())));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("fresh-dhcp.xml: valid"), std::string::npos) << r.output;
}

TEST(CliAnswerfile, WarningsPassUnlessStrict)
{
    TempDir dir;
    const auto file = dir.path() / "typo.xml";
    std::ifstream in(source_dir() / "answerfiles" / "fresh-dhcp.xml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("</installation>"), 15, "<hostnme>h</hostnme></installation>");
    std::ofstream(file) << text;
    const auto lenient = run(xcp_pxe("answerfile validate " + quote(file.string())));
    EXPECT_EQ(lenient.exit_code, 0) << lenient.output;
    EXPECT_NE(lenient.output.find("warning: is not an answerfile element and is ignored; did you mean <hostname>?"),
              std::string::npos)
        << lenient.output;
    const auto strict = run(xcp_pxe("answerfile validate --strict " + quote(file.string())));
    EXPECT_EQ(strict.exit_code, 1) << strict.output;
}

TEST(CliAnswerfile, UsageErrorsExitTwo)
{
    EXPECT_EQ(run(xcp_pxe("answerfile validate")).exit_code, 2);
    EXPECT_EQ(run(xcp_pxe("answerfile validate /nonexistent/file.xml")).exit_code, 2);
    EXPECT_EQ(run(xcp_pxe("answerfile validate --frobnicate x")).exit_code, 2);
    EXPECT_EQ(run(xcp_pxe("answerfile")).exit_code, 2);
    EXPECT_EQ(run(xcp_pxe("no-such-command")).exit_code, 2);
}

TEST(CliAnswerfile, HelpAndVersion)
{
    for (const auto* args : {"--help", "answerfile --help", "answerfile validate --help", "answerfile show --help",
                             "answerfile convert --help", "serve --help"}) {
        const auto r = run(xcp_pxe(args));
        EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
        EXPECT_NE(r.output.find("Usage"), std::string::npos) << args;
    }
    const auto v = run(xcp_pxe("--version"));
    EXPECT_EQ(v.exit_code, 0);
    EXPECT_NE(v.output.find("xcp-pxe "), std::string::npos);
}

TEST(CliAnswerfile, ShowJsonHidesThePassword)
{
    const auto r = run(xcp_pxe("answerfile show --json " + examples() + "/legacy-2009-fresh.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("mypassword"), std::string::npos);
    const auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["root-password"]["value"], "<hidden>");
    EXPECT_EQ(j["admin-interface"]["ipaddr"], "192.0.2.30");
    EXPECT_EQ(j["scripts"][0]["stage"], "filesystem-populated");
}

TEST(CliAnswerfile, ShowText)
{
    const auto r = run(xcp_pxe("answerfile show " + examples() + "/fresh-static-vlan.xml"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("admin-interface.vlan: 42"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("root-password.value: <hidden>"), std::string::npos) << r.output;
}

TEST(CliAnswerfile, ConvertLegacyToModern)
{
    TempDir dir;
    const auto out = dir.path() / "modern.xml";
    const auto r = run(xcp_pxe("answerfile convert " + examples() + "/legacy-2009-fresh.xml > " +
                               quote(out.string())));
    // extlinux does not carry over: converted, and said so, with exit 3.
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_NE(r.output.find("the meaning does not carry over"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("note: <nameserver> is written <name-server> now"), std::string::npos) << r.output;
    std::ifstream in(out);
    const std::string modern((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(modern.find("<name-server>192.0.2.53</name-server>"), std::string::npos) << modern;
    EXPECT_NE(modern.find("<ipaddr>192.0.2.30</ipaddr>"), std::string::npos) << modern;
    EXPECT_EQ(modern.find("nameserver"), std::string::npos) << modern;
    const auto again = run(xcp_pxe("answerfile validate --strict " + quote(out.string())));
    EXPECT_EQ(again.exit_code, 0) << again.output;
}

TEST(CliAnswerfile, ConvertModernIsClean)
{
    const auto r = run(xcp_pxe("answerfile convert " + examples() + "/fresh-dhcp.xml 2>&1 >/dev/null"));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_TRUE(r.output.empty()) << r.output;
}

TEST(CliAnswerfile, InvalidFileIsNotShownOrConverted)
{
    TempDir dir;
    std::ofstream(dir.path() / "bad.xml") << "<installation/>";
    EXPECT_EQ(run(xcp_pxe("answerfile show " + quote((dir.path() / "bad.xml").string()))).exit_code, 1);
    EXPECT_EQ(run(xcp_pxe("answerfile convert " + quote((dir.path() / "bad.xml").string()))).exit_code, 1);
}

}  // namespace
}  // namespace xcp::test
