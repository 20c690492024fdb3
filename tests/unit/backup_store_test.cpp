// The server's store of installers' backups, on a temporary directory, and
// the installer's archive of an old root, read back with libarchive's
// reader (the same library the restore will use).
#include "installer-agent/upgrade/backup_archive.hpp"
#include "server/backup/backup_json.hpp"
#include "server/backup/backup_store.hpp"
#include "tests/support/installer.hpp"
#include "tests/support/process.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>

namespace xcp {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::chrono::system_clock::time_point at(long long seconds)
{
    return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

TEST(BackupStore, IdsSayWhenAndWhatAndOnlyThatShapeIsTaken)
{
    const std::string sha = "1a2b3c4d" + std::string(56, '0');
    EXPECT_EQ(backup::backup_id(at(1796292900) + 7ms, sha), "20261203T101500.007Z-1a2b3c4d");
    EXPECT_TRUE(backup::is_backup_id("20261203T101500.007Z-1a2b3c4d"));
    for (const auto* bad : {"", "20261203T101500.007Z-1a2b3c4", "20261203T101500.007Z-1A2B3C4D",
                            "../../../etc/passwd-xxxxxxxxxxx", "2026120xT101500.007Z-1a2b3c4d",
                            "20261203T101500.007Z/1a2b3c4d", "20261203T101500.0a7Z-1a2b3c4d"}) {
        EXPECT_FALSE(backup::is_backup_id(bad)) << bad;
    }
    EXPECT_EQ(backup::ids_past({"b", "c", "a"}, 2), std::vector<std::string>{"a"});
    EXPECT_TRUE(backup::ids_past({"b", "a"}, 2).empty());
}

TEST(BackupStore, KeepsTheNewestWholeFilesWithTheirDigests)
{
    test::TempDir dir;
    backup::BackupStore store(dir.path() / "backups", 2);
    const std::string mac = "52:54:00:aa:bb:01";
    std::vector<backup::StoredBackup> kept;
    for (int i = 0; i < 4; ++i) {
        const std::string bytes = "archive " + std::to_string(i);
        std::string sha(64, '0');
        sha.replace(0, 8, 8, static_cast<char>('a' + i));
        kept.push_back(store.store(mac, bytes, sha, at(1796292900 + i)));
        ASSERT_EQ(store.list(mac).front(), kept.back()) << "the one just kept is listed first";
        EXPECT_EQ(kept.back().size, bytes.size());
    }
    const auto listed = store.list(mac);
    ASSERT_EQ(listed.size(), 2U) << "the newest two";
    EXPECT_EQ(listed[0], kept[3]);
    EXPECT_EQ(listed[1], kept[2]);
    EXPECT_EQ(listed[0].created, "2026-12-03T10:15:03.000Z");
    const auto file = store.file(mac, kept[3].id);
    ASSERT_TRUE(file);
    EXPECT_EQ(test::read_text(*file), "archive 3");
    EXPECT_EQ(test::read_text(fs::path(file->string() + ".sha256")), kept[3].sha256 + "  " + kept[3].id + ".tar.zst\n");
    EXPECT_FALSE(store.file(mac, kept[0].id)) << "removed past the newest two";
    EXPECT_FALSE(store.file(mac, "../" + kept[3].id));
    struct stat st {};
    ASSERT_EQ(::stat(file->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600U);
    // A leftover of a crash, or an archive without its digest, is not listed.
    std::ofstream(file->parent_path() / (kept[1].id + ".tar.zst.partial")) << "half";
    std::ofstream(file->parent_path() / "20261203T111111.000Z-00000000.tar.zst") << "no digest";
    EXPECT_EQ(store.list(mac).size(), 2U);
    EXPECT_TRUE(store.list("52:54:00:aa:bb:02").empty());
    // The clock set back: the archive just kept stays, an older one goes.
    const auto back = store.store(mac, "after the clock moved", std::string(64, 'f'), at(1796292800));
    EXPECT_TRUE(store.file(mac, back.id));
    EXPECT_EQ(store.list(mac).size(), 2U);
    const auto j = backup::backups_json(mac, listed, 2);
    EXPECT_EQ(j["backups"][0]["id"], kept[3].id);
    EXPECT_EQ(j["keep"], 2);
}

std::map<std::string, std::string> read_archive(const std::string& bytes)
{
    std::map<std::string, std::string> out;
    std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), archive_read_free);
    archive_read_support_filter_zstd(a.get());
    archive_read_support_format_tar(a.get());
    EXPECT_EQ(archive_read_open_memory(a.get(), bytes.data(), bytes.size()), ARCHIVE_OK) << archive_error_string(a.get());
    archive_entry* entry = nullptr;
    while (archive_read_next_header(a.get(), &entry) == ARCHIVE_OK) {
        std::string data;
        if (archive_entry_filetype(entry) == AE_IFLNK) {
            data = std::string("-> ") + archive_entry_symlink(entry);
        } else {
            char buffer[4096];
            for (la_ssize_t n; (n = archive_read_data(a.get(), buffer, sizeof buffer)) > 0;) {
                data.append(buffer, static_cast<std::size_t>(n));
            }
        }
        out[archive_entry_pathname(entry)] = data;
    }
    return out;
}

TEST(BackupArchive, HoldsTheCarryOverEntriesAndTheAccountsAtTheirOldPaths)
{
    test::TempDir dir;
    const auto root = dir.path() / "old";
    for (const auto* d : {"etc/xensource", "etc/ssh", "var/lib/xcp/blobs", "usr/bin"}) {
        fs::create_directories(root / d);
    }
    const std::map<std::string, std::string> files{{"etc/xensource/pool.conf", "master"},
                                                   {"etc/ssh/ssh_host_rsa_key", "key"},
                                                   {"etc/ssh/sshd_config", "not carried"},
                                                   {"var/lib/xcp/blobs/0001", "blob"},
                                                   {"etc/xensource-inventory", "INSTALLATION_UUID='u'\n"},
                                                   {"etc/passwd", "root:x:0:0::/root:/bin/bash\n"},
                                                   {"etc/shadow", "root:$6$x$y:1::::::\n"},
                                                   {"usr/bin/xapi", "binary"}};
    for (const auto& [path, text] : files) {
        std::ofstream(root / path) << text;
    }
    fs::create_symlink("../usr/share/zoneinfo/Asia/Tokyo", root / "etc/localtime");
    const auto made = installer::make_backup_archive(root);
    const auto read = read_archive(made.bytes);
    EXPECT_EQ(read.at("etc/xensource/pool.conf"), "master");
    EXPECT_EQ(read.at("etc/ssh/ssh_host_rsa_key"), "key");
    EXPECT_EQ(read.at("var/lib/xcp/blobs/0001"), "blob");
    EXPECT_TRUE(read.contains("var/lib/xcp/blobs/")) << "the carried directory itself";
    EXPECT_EQ(read.at("etc/xensource-inventory"), "INSTALLATION_UUID='u'\n") << "at its old path";
    EXPECT_EQ(read.at("etc/shadow"), "root:$6$x$y:1::::::\n");
    EXPECT_EQ(read.at("etc/localtime"), "-> ../usr/share/zoneinfo/Asia/Tokyo");
    EXPECT_FALSE(read.contains("usr/bin/xapi"));
    EXPECT_FALSE(read.contains("etc/ssh/sshd_config"));
    EXPECT_EQ(made.entries, read.size());
}

// A tar + zstd archive of one entry named `name`.
std::string archive_of(const std::string& name, const std::string& text)
{
    std::string out;
    std::unique_ptr<archive, decltype(&archive_write_free)> w(archive_write_new(), archive_write_free);
    archive_write_set_format_pax_restricted(w.get());
    archive_write_add_filter_zstd(w.get());
    archive_write_open2(
        w.get(), &out, nullptr,
        [](archive*, void* o, const void* b, std::size_t n) -> la_ssize_t {
            static_cast<std::string*>(o)->append(static_cast<const char*>(b), n);
            return static_cast<la_ssize_t>(n);
        },
        nullptr, nullptr);
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(text.size()));
    archive_write_header(w.get(), e.get());
    archive_write_data(w.get(), text.data(), text.size());
    archive_write_close(w.get());
    return out;
}

TEST(BackupArchive, UnpacksWhatItMadeAndNothingOutsideItsFolder)
{
    test::TempDir dir;
    const auto root = dir.path() / "old";
    fs::create_directories(root / "etc/xensource");
    std::ofstream(root / "etc/xensource/pool.conf") << "slave:10.0.0.1";
    fs::permissions(root / "etc/xensource/pool.conf", fs::perms::owner_read | fs::perms::owner_write);
    const auto dest = dir.path() / "restored";
    EXPECT_EQ(installer::unpack_backup_archive(installer::make_backup_archive(root).bytes, dest), 1U);
    EXPECT_EQ(test::read_text(dest / "etc/xensource/pool.conf"), "slave:10.0.0.1");
    EXPECT_EQ(fs::status(dest / "etc/xensource/pool.conf").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    for (const auto* hostile : {"../escaped", "etc/../../escaped", "/tmp/escaped-absolute"}) {
        EXPECT_THROW(installer::unpack_backup_archive(archive_of(hostile, "x"), dest), std::runtime_error) << hostile;
        EXPECT_FALSE(fs::exists(dir.path() / "escaped")) << hostile;
    }
    EXPECT_FALSE(fs::exists("/tmp/escaped-absolute"));
    EXPECT_THROW(installer::unpack_backup_archive("not an archive", dest), std::runtime_error);
}

}  // namespace
}  // namespace xcp
