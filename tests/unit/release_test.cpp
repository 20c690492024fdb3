// Releases: what a medium's file list says it is, the .treeinfo's sums, the
// progress bar, the release record in the inventory (and its migration), and
// the boot configs a recorded release gives. Pure, but for a temporary
// SQLite file.
#include "libxcp/repository/manifest.hpp"
#include "server/boot/boot_config.hpp"
#include "server/boot/host_values.hpp"
#include "server/cli/import_progress.hpp"
#include "server/inventory/host_state.hpp"
#include "server/inventory/inventory.hpp"
#include "server/release/media_layout.hpp"
#include "server/release/release_store.hpp"
#include "tests/support/inventory_backends.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace xcp::release {
namespace {

struct LayoutCase {
    const char* what;
    std::vector<std::string> files;
    const char* answer;  // era and repositories, or the start of the refusal
};

std::string describe(const std::variant<MediaLayout, std::string>& r)
{
    if (const auto* why = std::get_if<std::string>(&r)) {
        return *why;
    }
    const auto& l = std::get<MediaLayout>(r);
    std::string out(to_string(l.era));
    for (const auto& repo : l.repositories) {
        out += " [" + repo + "]";
    }
    for (const auto& efi : l.efi_files) {
        out += " " + efi;
    }
    return out;
}

TEST(MediaLayout, RecognisesBothErasAndSaysWhatIsMissing)
{
    const std::vector<std::string> boot{"boot/xen.gz", "boot/vmlinuz", "install.img"};
    const auto with = [&](std::vector<std::string> more) {
        more.insert(more.end(), boot.begin(), boot.end());
        return more;
    };
    const std::vector<LayoutCase> cases{
        {"XCP 0.1 / XS 5.x", with({"packages.main/XS-REPOSITORY", "packages.main/XS-PACKAGES", "packages.linux/XS-REPOSITORY",
                                   "packages.linux/XS-PACKAGES"}),
         "legacy [packages.main] [packages.linux]"},
        {"legacy at the top", with({"XS-REPOSITORY", "XS-PACKAGES"}), "legacy []"},
        {"XCP-ng 8", with({".treeinfo", "repodata/repomd.xml", "Packages/a.rpm"}), "modern []"},
        {"XCP-ng 8 with UEFI", with({".treeinfo", "repodata/repomd.xml", "EFI/xenserver/grubx64.efi", "EFI/xenserver/grub.cfg"}),
         "modern [] EFI/xenserver/grub.cfg EFI/xenserver/grubx64.efi"},
        {"ISO names as libarchive gives them", {"./boot/xen.gz", "/boot/vmlinuz", "./install.img", "./.treeinfo",
                                                "./repodata/repomd.xml"},
         "modern []"},
        {"a manifest without its pair", with({"packages.main/XS-REPOSITORY"}),
         "not an XCP-ng / XenServer install medium: it has no repository ("},
        {"treeinfo without repodata", with({".treeinfo"}),
         "not an XCP-ng / XenServer install medium: it has no repodata/repomd.xml (it has a .treeinfo)"},
        {"repodata without treeinfo", with({"repodata/repomd.xml"}),
         "not an XCP-ng / XenServer install medium: it has no .treeinfo (it has repodata/)"},
        {"no boot files", {".treeinfo", "repodata/repomd.xml"},
         "not an XCP-ng / XenServer install medium: it has no boot/xen.gz, no boot/vmlinuz and no install.img"},
        {"nothing", {}, "not an XCP-ng / XenServer install medium: it has no boot/xen.gz, no boot/vmlinuz, no install.img "
                        "and no repository"},
        {"a name that leaves the medium is no file", {"../boot/xen.gz", "boot/vmlinuz", "install.img", "XS-REPOSITORY",
                                                       "XS-PACKAGES"},
         "not an XCP-ng / XenServer install medium: it has no boot/xen.gz"},
    };
    for (const auto& c : cases) {
        const auto got = describe(recognise_media(c.files));
        EXPECT_TRUE(got.starts_with(c.answer)) << c.what << ": " << got;
    }
}

TEST(MediaLayout, ARepositoryAloneIsRecognisedForAddAgent)
{
    const auto found = recognise_repository({"XS-REPOSITORY", "XS-PACKAGES", "dom0fs.tar.bz2"});
    ASSERT_TRUE(std::holds_alternative<RepositoryLayout>(found));
    EXPECT_EQ(std::get<RepositoryLayout>(found).era, Era::legacy);
    const auto none = recognise_repository({"README"});
    ASSERT_TRUE(std::holds_alternative<std::string>(none));
    EXPECT_TRUE(std::get<std::string>(none).starts_with("not an install repository: it has no repository"));
}

TEST(MediaLayout, MediumPathsStayInside)
{
    EXPECT_EQ(medium_path("./boot/xen.gz"), "boot/xen.gz");
    EXPECT_EQ(medium_path("/EFI/xenserver/"), "EFI/xenserver");
    EXPECT_EQ(medium_path("boot/../../etc/passwd"), "");
    EXPECT_EQ(medium_path("."), "");
    EXPECT_EQ(medium_path(""), "");
}

TEST(TreeInfo, ChecksumsAreReadAndCheckedByShape)
{
    const std::string head = "[system-v1]\nproduct_name = XCP-ng\nproduct_version = 8.2.1\n[checksums]\n";
    const auto good = repository::parse_treeinfo(
        head + "images/install.img = sha256:" + std::string(64, 'A') + "\nboot/vmlinuz = md5:" + std::string(32, '0') + "\n",
        ".treeinfo");
    ASSERT_TRUE(std::holds_alternative<repository::TreeInfo>(good));
    const auto& sums = std::get<repository::TreeInfo>(good).checksums;
    ASSERT_EQ(sums.size(), 2U);
    EXPECT_EQ(sums[0].path, "images/install.img");
    EXPECT_EQ(sums[0].algorithm, "sha256");
    EXPECT_EQ(sums[0].hex, std::string(64, 'a'));
    EXPECT_EQ(sums[0].line, 5);
    EXPECT_EQ(sums[1].algorithm, "md5");
    for (const auto& bad : std::vector<std::string>{"x = sha1:" + std::string(40, '0'), "x = sha256:abc", "x = " + std::string(64, '0'),
                            "../x = sha256:" + std::string(64, '0'), "x = sha256:" + std::string(63, '0') + "g"}) {
        const auto r = repository::parse_treeinfo(head + bad + "\n", ".treeinfo");
        ASSERT_TRUE(std::holds_alternative<repository::ManifestError>(r)) << bad;
        EXPECT_EQ(std::get<repository::ManifestError>(r).line, 5) << bad;
    }
}

TEST(ImportProgress, TheBarFitsTheTerminalAndSaysTimeLeft)
{
    const auto bar = cli::progress_bar(1ULL << 29, 1ULL << 30, 30, 61, "Packages/kernel-4.19.19-7.0.rpm",
                                       std::chrono::seconds(10), 120);
    EXPECT_EQ(bar, "[##########..........]  50%  0.5/1.0 GiB  30/61 files  Packages/kernel-4.19.19-7.0.rpm  0:10 left");
    const auto narrow = cli::progress_bar(3 << 20, 12 << 20, 1, 4, "a/very/long/path/to/a/package.rpm",
                                          std::chrono::seconds(3), 80);
    EXPECT_LE(narrow.size(), 80U) << narrow;
    EXPECT_NE(narrow.find(" .../package.rpm  "), std::string::npos) << narrow;
    EXPECT_NE(narrow.find("0:09 left"), std::string::npos) << narrow;
    const auto done = cli::progress_bar(12 << 20, 12 << 20, 4, 4, "x", std::chrono::seconds(75), 80);
    EXPECT_NE(done.find("[####################] 100%"), std::string::npos) << done;
    EXPECT_NE(done.find("1:15 taken"), std::string::npos) << done;
}

TEST(ReleaseStore, TheDigestTellsMediaApartWhateverTheOrderOfCopying)
{
    const std::map<std::string, std::string> a{{"boot/xen.gz", "11"}, {"install.img", "22"}};
    auto b = a;
    EXPECT_EQ(digest_of(a), digest_of(b));
    b["install.img"] = "23";
    EXPECT_NE(digest_of(a), digest_of(b));
    b = a;
    b["extra"] = "33";
    EXPECT_NE(digest_of(a), digest_of(b));
}

inventory::Release sample(const std::string& name)
{
    inventory::Release r;
    r.name = name;
    r.kind = "media";
    r.product = "XCP-ng";
    r.version = "8.2.1";
    r.build = "58";
    r.era = "modern";
    r.xen = "releases/" + name + "/boot/xen.gz";
    r.kernel = "releases/" + name + "/boot/vmlinuz";
    r.image = "releases/" + name + "/install.img";
    r.efi = true;
    r.repository = "releases/" + name + "/";
    r.identity = "abc";
    r.digest = "def";
    r.checksums = {{"tftp/install.img", "00"}, {"http/.treeinfo", "11"}};
    return r;
}

class ReleaseRecords : public test::OnEachInventoryBackend {};

TEST_P(ReleaseRecords, StoredFoundListedAndRemovedUnlessAHostUsesThem)
{
    auto opened = place_.open();
    auto& inv = *opened;
    inv.put_release(sample("b"));
    inv.put_release(sample("a"));
    const auto found = inv.find_release("a");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->checksums, sample("a").checksums);
    EXPECT_TRUE(found->efi);
    EXPECT_FALSE(found->imported.empty());
    ASSERT_EQ(inv.releases().size(), 2U);
    EXPECT_EQ(inv.releases()[0].name, "a");
    auto replaced = sample("a");
    replaced.version = "8.3.0";
    inv.put_release(replaced);
    EXPECT_EQ(inv.find_release("a")->version, "8.3.0");

    inventory::Host h;
    h.mac = "52:54:00:00:00:01";
    h.release = "a";
    inv.add(h);
    EXPECT_THROW(inv.remove_release("a"), inventory::InventoryError);
    EXPECT_TRUE(inv.find_release("a"));
    EXPECT_TRUE(inv.remove_release("b"));
    EXPECT_FALSE(inv.remove_release("b"));
    EXPECT_FALSE(inv.find_release("b"));
}

XCP_ON_BOTH_INVENTORY_BACKENDS(ReleaseRecords);

TEST(ReleaseRecordsSqlite, AnInventoryOfTheLastSchemaGainsTheReleaseTable)
{
    test::TempDir dir;
    {
        inventory::Inventory inv(dir.path());
        inventory::Host h;
        h.mac = "52:54:00:00:00:02";
        inv.add(h);
    }
    // As the previous version left it: schema 2, no releases table.
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir.path() / "inventory.sqlite").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "DROP TABLE releases; PRAGMA user_version=2;", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
    inventory::Inventory inv(dir.path());
    EXPECT_TRUE(inv.find("52:54:00:00:00:02"));
    inv.put_release(sample("x"));
    EXPECT_TRUE(inv.find_release("x"));
}

TEST(ReleaseBootConfigs, ARecordedReleaseNamesItsFilesAndAPlainKernelBootsWithoutXen)
{
    boot::BootTemplates templates(test::source_dir() / "pxe-templates");
    boot::Site site;
    site.server = "192.0.2.10";
    site.http_url = "http://192.0.2.10";
    inventory::Host h;
    h.mac = "52:54:00:12:34:56";
    h.release = "agent";
    h = inventory::request_install(h, inventory::NextMode::install, "0123456789abcdef0123456789abcdef");
    auto r = sample("agent");
    r.xen.clear();
    r.kernel = "releases/agent/boot/vmlinuz";
    const auto pxelinux = templates.host_config(boot::Loader::pxelinux, h, site, boot::UnknownHosts::local, &r);
    EXPECT_EQ(pxelinux.find("mboot.c32"), std::string::npos) << pxelinux;
    EXPECT_NE(pxelinux.find("kernel releases/agent/boot/vmlinuz\n"), std::string::npos) << pxelinux;
    EXPECT_NE(pxelinux.find("append initrd=releases/agent/install.img "), std::string::npos) << pxelinux;
    const auto grub = templates.host_config(boot::Loader::grub, h, site, boot::UnknownHosts::local, &r);
    EXPECT_EQ(grub.find("multiboot2"), std::string::npos) << grub;
    EXPECT_NE(grub.find("initrd /releases/agent/install.img"), std::string::npos) << grub;
    // With Xen recorded: mboot.c32 and the release's own paths.
    r.xen = "releases/agent/boot/xen.gz";
    const auto with_xen = templates.host_config(boot::Loader::pxelinux, h, site, boot::UnknownHosts::local, &r);
    EXPECT_NE(with_xen.find("kernel mboot.c32"), std::string::npos) << with_xen;
    EXPECT_NE(with_xen.find("append releases/agent/boot/xen.gz "), std::string::npos) << with_xen;
    // A record of another name is not the host's.
    auto other = sample("other");
    const auto files = boot::boot_files_for(h, site, &other);
    EXPECT_EQ(files.xen, "releases/agent/boot/xen.gz");
}

}  // namespace
}  // namespace xcp::release
