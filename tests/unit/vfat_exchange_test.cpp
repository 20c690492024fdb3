// The ESP's one-sector exchange of two files, on a FAT image made by
// mkfs.fat and filled by mtools, checked with mtype, cmp and fsck.fat.
#include "installer-agent/disk/vfat_files.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace xcp::installer {
namespace {

using test::quote;
using test::run;

class VfatExchange : public ::testing::Test {
protected:
    void SetUp() override
    {
        test::require_programs({"mkfs.fat", "mcopy", "mmd", "mtype", "fsck.fat", "cmp", "truncate"});
        // The ESP 1 MiB into the disk, as a partition would be.
        ASSERT_EQ(run("truncate -s 40M " + quote(fs_.string()) + " && mkfs.fat -F 32 " + quote(fs_.string()) +
                      " >/dev/null && truncate -s 1M " + quote(disk_.string()) + " && cat " + quote(fs_.string()) +
                      " >> " + quote(disk_.string()))
                      .exit_code,
                  0);
        ASSERT_EQ(mtools("mmd -i " + image() + " ::/EFI ::/EFI/xenserver").exit_code, 0);
    }

    [[nodiscard]] std::string image() const { return quote(disk_.string() + "@@1048576"); }
    static test::CommandResult mtools(const std::string& command) { return run("MTOOLS_SKIP_CHECK=1 " + command); }

    void put(const std::string& path, const std::string& contents) const
    {
        const auto local = dir_.path() / "local";
        std::ofstream(local, std::ios::trunc) << contents;
        ASSERT_EQ(mtools("mcopy -o -i " + image() + " " + quote(local.string()) + " ::/" + path).exit_code, 0);
    }
    [[nodiscard]] std::string get(const std::string& path) const
    {
        return mtools("mtype -i " + image() + " ::/" + path).output;
    }

    // 512-byte blocks in which the disk differs from `before`.
    [[nodiscard]] std::set<long> blocks_changed(const std::filesystem::path& before) const
    {
        std::set<long> blocks;
        std::istringstream lines(run("cmp -l " + quote(before.string()) + " " + quote(disk_.string())).output);
        long byte = 0;
        std::string rest;
        while (lines >> byte && std::getline(lines, rest)) {
            blocks.insert((byte - 1) / 512);
        }
        return blocks;
    }

    void expect_clean()
    {
        const auto fs = dir_.path() / "fs-after";
        ASSERT_EQ(run("dd if=" + quote(disk_.string()) + " of=" + quote(fs.string()) +
                      " bs=1M skip=1 status=none")
                      .exit_code,
                  0);
        const auto fsck = run("fsck.fat -n " + quote(fs.string()));
        EXPECT_EQ(fsck.exit_code, 0) << fsck.output;
    }

    test::TempDir dir_;
    std::filesystem::path fs_ = dir_.path() / "fs";
    std::filesystem::path disk_ = dir_.path() / "disk";
};

TEST_F(VfatExchange, TwoFilesExchangeTheirContentsInOneBlockAndTheFilesystemStaysClean)
{
    const std::string theirs = "# another installer's\n" + std::string(9000, 'x') + "\n";  // several clusters
    put("EFI/xenserver/grubx64.efi", std::string(70000, 'e'));
    put("EFI/xenserver/grub.cfg", theirs);
    put("EFI/xenserver/XCPSWTCH.CFG", "# ours\n");
    const auto before = dir_.path() / "before";
    std::filesystem::copy_file(disk_, before);

    const VfatLocation esp{disk_, 1048576};
    ASSERT_TRUE(exchange_vfat_files(esp, "EFI/xenserver", "grub.cfg", "XCPSWTCH.CFG"));
    EXPECT_EQ(get("EFI/xenserver/grub.cfg"), "# ours\n");
    EXPECT_EQ(get("EFI/xenserver/XCPSWTCH.CFG"), theirs);
    EXPECT_EQ(blocks_changed(before).size(), 1U) << "one block written";
    expect_clean();

    remove_vfat_file(esp, "EFI/xenserver/XCPSWTCH.CFG");
    remove_vfat_file(esp, "EFI/xenserver/XCPSWTCH.CFG");  // gone already: no error
    EXPECT_NE(mtools("mtype -i " + image() + " ::/EFI/xenserver/XCPSWTCH.CFG").exit_code, 0);
    EXPECT_EQ(get("EFI/xenserver/grub.cfg"), "# ours\n");
    expect_clean();

    EXPECT_THROW(exchange_vfat_files(esp, "EFI/xenserver", "grub.cfg", "XCPSWTCH.CFG"), DiskError);
    EXPECT_THROW(exchange_vfat_files(esp, "EFI/nothing", "grub.cfg", "grubx64.efi"), DiskError);
}

TEST_F(VfatExchange, EntriesInTwoBlocksAreLeftAsTheyWere)
{
    put("EFI/xenserver/grub.cfg", "theirs\n");
    for (int i = 0; i < 20; ++i) {  // 16 entries a block
        put("EFI/xenserver/F" + std::to_string(i) + ".TXT", "filler\n");
    }
    put("EFI/xenserver/XCPSWTCH.CFG", "ours\n");
    const auto before = dir_.path() / "before";
    std::filesystem::copy_file(disk_, before);
    EXPECT_FALSE(exchange_vfat_files({disk_, 1048576}, "EFI/xenserver", "grub.cfg", "XCPSWTCH.CFG"));
    EXPECT_TRUE(blocks_changed(before).empty());
    EXPECT_EQ(get("EFI/xenserver/grub.cfg"), "theirs\n");
}

}  // namespace
}  // namespace xcp::installer
