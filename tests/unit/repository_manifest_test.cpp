// Repository manifests, both eras: what each form says, and each mistake
// reported with its file and line.
#include "libxcp/repository/manifest.hpp"

#include <gtest/gtest.h>

namespace xcp::repository {
namespace {

template <typename T>
const T& ok(const std::variant<T, ManifestError>& r)
{
    if (const auto* e = std::get_if<ManifestError>(&r)) {
        ADD_FAILURE() << e->text();
        static const T empty{};
        return empty;
    }
    return std::get<T>(r);
}

template <typename T>
std::string fails(const std::variant<T, ManifestError>& r)
{
    const auto* e = std::get_if<ManifestError>(&r);
    return e ? e->text() : "accepted";
}

TEST(RepositoryManifest, RepositoryInBothForms)
{
    const auto xml = ok(parse_repository(R"(<?xml version="1.0"?>
<repository originator="xs" name="main" product="XenServer" version="5.5.0" build="15119p">
  <description>Base Pack</description>
  <requires originator="xs" name="linux" test="ge" version="5.5.0"/>
</repository>)", "XS-REPOSITORY"));
    EXPECT_EQ(xml.id(), "xs:main");
    EXPECT_EQ(xml.version, "5.5.0");
    EXPECT_EQ(xml.build, "15119p");
    EXPECT_EQ(xml.description, "Base Pack");
    ASSERT_EQ(xml.requirements.size(), 1U);
    EXPECT_EQ(xml.requirements[0].test, "ge");
    const auto text = ok(parse_repository("xcp:main\nXCP base\nXCP\n0.1.1\n", "XS-REPOSITORY"));
    EXPECT_EQ(text.id(), "xcp:main");
    EXPECT_EQ(text.version, "0.1.1");
    EXPECT_NE(fails(parse_repository("xs:main\nonly two\n", "R")).find("four lines"), std::string::npos);
    EXPECT_NE(fails(parse_repository("<repository name='x'/>", "R")).find("needs originator and name"),
              std::string::npos);
    EXPECT_NE(fails(parse_repository("<repository", "R")).find("not well-formed XML"), std::string::npos);
}

TEST(RepositoryManifest, PackagesTextForm)
{
    const auto list = ok(parse_packages(
        "# the base pack\n"
        "docs 37750 2ba1a6b5f0fb6d1f2de3b3d13b8c4427 tbz2 required docs.tar.bz2 /\n"
        "\n"
        "e1000 1000 2BA1A6B5F0FB6D1F2DE3B3D13B8C4427 driver e1000.ko /lib/modules/${KERNEL_VERSION}/e1000.ko\n"
        "fw 12 00000000000000000000000000000000 firmware fw.bin\n",
        "XS-PACKAGES"));
    ASSERT_EQ(list.size(), 3U);
    EXPECT_EQ(list[0].label, "docs");
    EXPECT_EQ(list[0].size, 37750U);
    EXPECT_EQ(list[0].file, "docs.tar.bz2");
    EXPECT_EQ(list[0].dest, "/");
    EXPECT_TRUE(list[0].required);
    EXPECT_EQ(list[0].line, 2);
    EXPECT_EQ(list[1].type, PackageType::driver);
    EXPECT_EQ(list[1].md5, "2ba1a6b5f0fb6d1f2de3b3d13b8c4427") << "lower-cased";
    EXPECT_EQ(list[2].type, PackageType::firmware);

    struct Bad {
        const char* text;
        const char* says;
    };
    for (const auto& [text, says] : {
             Bad{"docs 37750 2ba1 tbz2 required docs.tar.bz2 /", "XS-PACKAGES:1: package docs: md5 '2ba1'"},
             Bad{"docs big 2ba1a6b5f0fb6d1f2de3b3d13b8c4427 tbz2 required d /", "size 'big' is not a number"},
             Bad{"docs 1 2ba1a6b5f0fb6d1f2de3b3d13b8c4427 zip required d /", "unknown package type 'zip'"},
             Bad{"docs 1 2ba1a6b5f0fb6d1f2de3b3d13b8c4427 tbz2 maybe d /", "expected `required|optional src dest`"},
             Bad{"\ndocs 1 2ba1a6b5f0fb6d1f2de3b3d13b8c4427 tbz2 required ../../etc/shadow /",
                 "XS-PACKAGES:2: package docs: file '../../etc/shadow' is not a path inside the repository"},
             Bad{"docs 1 2ba1a6b5f0fb6d1f2de3b3d13b8c4427 firmware /etc/shadow", "is not a path inside"},
             Bad{"docs 1", "expected `name size md5 type ...`"},
         }) {
        EXPECT_NE(fails(parse_packages(text, "XS-PACKAGES")).find(says), std::string::npos)
            << text << " -> " << fails(parse_packages(text, "XS-PACKAGES"));
    }
}

TEST(RepositoryManifest, PackagesXmlForm)
{
    const auto list = ok(parse_packages(R"(<packages>
  <package label="dom0fs" type="tbz2" size="10" md5="0123456789abcdef0123456789abcdef" root="/">dom0fs.tar.bz2</package>
  <package label="nic" type="driver" size="5" md5="0123456789abcdef0123456789abcdef" kernel="2.6.18">drivers/nic.ko</package>
</packages>)", "XS-PACKAGES"));
    ASSERT_EQ(list.size(), 2U);
    EXPECT_EQ(list[0].file, "dom0fs.tar.bz2");
    EXPECT_EQ(list[1].kernel, "2.6.18");
    EXPECT_EQ(list[1].line, 3);
    EXPECT_NE(fails(parse_packages("<packages>\n<package label='x' type='tbz2' size='1' md5='0'>x</package></packages>",
                                   "P"))
                  .find("P:2: package x: md5"),
              std::string::npos);
    EXPECT_NE(fails(parse_packages("<nope/>", "P")).find("not <packages>"), std::string::npos);
}

TEST(RepositoryManifest, ModernTreeinfoRepomdPrimary)
{
    const auto t = ok(parse_treeinfo("[general]\nname = XCP-ng\n[system-v1]\nplatform_name = XCP\nplatform_version = "
                                     "3.4.0\nproduct_name = XCP-ng\nproduct_version = 8.3.0\n[build]\nnumber = "
                                     "release/yangtze/master/58\n",
                                     ".treeinfo"));
    EXPECT_EQ(t.product_version, "8.3.0");
    EXPECT_EQ(t.build, "release/yangtze/master/58");
    EXPECT_NE(fails(parse_treeinfo("[general]\nname = x\n", ".treeinfo")).find("not an XCP-ng .treeinfo"),
              std::string::npos);
    EXPECT_NE(fails(parse_treeinfo("[system-v1\n", ".treeinfo")).find(".treeinfo:1:"), std::string::npos);

    const auto md = ok(parse_repomd(R"(<repomd xmlns="http://linux.duke.edu/metadata/repo">
  <data type="primary"><checksum type="sha256">ABCD</checksum><location href="repodata/x-primary.xml.gz"/></data>
</repomd>)", "repomd.xml"));
    ASSERT_EQ(md.size(), 1U);
    EXPECT_EQ(md[0].href, "repodata/x-primary.xml.gz");
    EXPECT_EQ(md[0].checksum, "abcd");

    const std::string sum(64, 'a');
    const auto pkgs = ok(parse_primary(R"(<metadata packages="1"><package type="rpm"><name>xen</name>
<checksum type="sha256" pkgid="YES">)" + sum + R"(</checksum><size package="42"/><location href="Packages/xen.rpm"/>
</package></metadata>)", "primary.xml"));
    ASSERT_EQ(pkgs.size(), 1U);
    EXPECT_EQ(pkgs[0].name, "xen");
    EXPECT_EQ(pkgs[0].size, 42U);
    EXPECT_NE(fails(parse_primary("<metadata><package><name>x</name><checksum type='sha1'>a</checksum></package></metadata>",
                                  "p"))
                  .find("is not sha256"),
              std::string::npos);
}

TEST(RepositoryManifest, SafePaths)
{
    for (const auto* good : {"a", "a/b.rpm", "Packages/x-1.0.rpm", "./a"}) {
        EXPECT_TRUE(safe_relative_path(good)) << good;
    }
    for (const auto* bad : {"", "/etc/passwd", "../x", "a/../../x", "a/..", "a\\b"}) {
        EXPECT_FALSE(safe_relative_path(bad)) << bad;
    }
}

}  // namespace
}  // namespace xcp::repository
