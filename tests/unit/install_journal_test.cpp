// The install journal's records and what the next run makes of them.
#include "installer-agent/journal/journal.hpp"

#include <gtest/gtest.h>

namespace xcp::installer::journal {
namespace {

Record upgrade_at(std::size_t reached, State state)
{
    Record r;
    r.sequence = 7;
    r.mode = "upgrade";
    r.disk = "sda";
    r.old_version = "0.1.1";
    r.new_version = "0.1.2";
    r.operations = 20;
    r.rewrite_from = 14;
    r.reached = reached;
    r.step = "mkfs";
    r.state = state;
    return r;
}

TEST(Journal, ARecordIsOneBlockAndReadsBackWhole)
{
    const auto r = upgrade_at(14, State::started);
    const auto block = encode(r);
    ASSERT_EQ(block.size(), block_size);
    EXPECT_EQ(decode(block), r);
    auto fresh = r;
    fresh.rewrite_from.reset();
    fresh.mode = "fresh";
    EXPECT_EQ(decode(encode(fresh)), fresh);
}

TEST(Journal, AnyChangedByteOrTornBlockIsNoRecord)
{
    const auto block = encode(upgrade_at(14, State::started));
    for (std::size_t i = 0; i < block_size; i += 7) {
        auto changed = block;
        changed[i] = static_cast<char>(changed[i] ^ 0x20);
        EXPECT_FALSE(decode(changed)) << "byte " << i;
    }
    // A write torn after 512 bytes: the rest is the old slot's bytes.
    auto other = upgrade_at(3, State::done);
    other.sequence = 8;
    const auto torn = encode(other).substr(0, 100) + block.substr(100);
    ASSERT_EQ(torn.size(), block_size);
    EXPECT_FALSE(decode(torn));
    // A record fits in the first sector: a write torn after it is whole.
    EXPECT_EQ(decode(encode(other).substr(0, 512) + block.substr(512)), other);
    EXPECT_FALSE(decode(""));
    EXPECT_FALSE(decode(std::string(block_size, '\n')));
    EXPECT_FALSE(decode(block.substr(0, block_size - 1)));
}

TEST(Journal, TheNewestWholeRecordWins)
{
    auto older = upgrade_at(13, State::done);
    older.sequence = 8;
    auto newer = upgrade_at(14, State::started);
    newer.sequence = 9;
    EXPECT_EQ(newest({encode(older), encode(newer)}), newer);
    EXPECT_EQ(newest({encode(newer), encode(older)}), newer);
    auto broken = encode(newer);
    broken[40] = 'x';
    EXPECT_EQ(newest({encode(older), broken}), older) << "a torn newer slot leaves the older one";
    EXPECT_FALSE(newest({}));
    EXPECT_FALSE(newest({std::string(block_size, '\n'), std::string(block_size, '\n')}));
}

TEST(Journal, SlotsWithSomethingButNoWholeRecordAreUnreadable)
{
    const std::string blank(block_size, '\n');
    EXPECT_FALSE(unreadable({}));
    EXPECT_FALSE(unreadable({blank, blank})) << "made, never written";
    EXPECT_FALSE(unreadable({blank, encode(upgrade_at(3, State::done))}));
    auto broken = encode(upgrade_at(3, State::done));
    broken[30] = 'x';
    EXPECT_FALSE(unreadable({broken, encode(upgrade_at(4, State::done))})) << "a torn slot beside a whole one";
    EXPECT_TRUE(unreadable({broken, blank}));
    EXPECT_TRUE(unreadable({std::string(block_size, 'z')}));
}

TEST(Journal, ValuesThatWouldBreakALineAreNotWrittenAsGiven)
{
    auto r = upgrade_at(2, State::done);
    r.disk = "sda\nstate=complete";
    const auto back = decode(encode(r));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->disk, "?");
    EXPECT_EQ(back->state, State::done);
}

TEST(Journal, NextRunAfterAnUpgrade)
{
    using Kind = NextRun::Kind;
    EXPECT_EQ(next_run(std::nullopt, "upgrade", true).kind, Kind::plan);
    EXPECT_EQ(next_run(upgrade_at(19, State::complete), "fresh", false).kind, Kind::plan);
    // Before the root is rewritten the installation is as it was: any mode.
    const auto early = next_run(upgrade_at(5, State::started), "upgrade", true);
    EXPECT_EQ(early.kind, Kind::plan);
    EXPECT_NE(early.sentence.find("before its root was rewritten"), std::string::npos) << early.sentence;
    EXPECT_EQ(next_run(upgrade_at(13, State::failed), "fresh", false).kind, Kind::plan);
    // From the rewrite on: go on from the backup, restore, or nothing else.
    const auto late = next_run(upgrade_at(14, State::started), "upgrade", true);
    EXPECT_EQ(late.kind, Kind::resume);
    EXPECT_EQ(late.sentence, "an upgrade of sda stopped at operation 15 of 20 (mkfs) while its root was rewritten: "
                             "this run rewrites it again from the verified backup of the old root");
    EXPECT_EQ(next_run(upgrade_at(18, State::done), "reinstall", true).kind, Kind::resume);
    EXPECT_EQ(next_run(upgrade_at(14, State::started), "restore", true).kind, Kind::plan);
    const auto fresh = next_run(upgrade_at(14, State::failed), "fresh", false);
    EXPECT_EQ(fresh.kind, Kind::refuse);
    EXPECT_NE(fresh.sentence.find("or restore the old root with a <restore> answerfile"), std::string::npos);
}

TEST(Journal, NextRunAfterAFreshInstallOrARestore)
{
    using Kind = NextRun::Kind;
    auto fresh = upgrade_at(9, State::done);
    fresh.mode = "fresh";
    fresh.rewrite_from.reset();
    const auto again = next_run(fresh, "fresh", false);
    EXPECT_EQ(again.kind, Kind::redo);
    EXPECT_EQ(again.sentence, "a fresh install of sda stopped at operation 10 of 20 (mkfs) and was never made "
                              "bootable: it is done again from the start");
    EXPECT_EQ(next_run(fresh, "reinstall", false).kind, Kind::redo);
    EXPECT_EQ(next_run(fresh, "upgrade", true).kind, Kind::refuse);

    auto restore = upgrade_at(14, State::started);
    restore.mode = "restore";
    EXPECT_EQ(next_run(restore, "restore", true).kind, Kind::plan);
    EXPECT_EQ(next_run(restore, "upgrade", true).kind, Kind::refuse);
}

TEST(Journal, DescribedForTheOperator)
{
    EXPECT_EQ(describe(upgrade_at(14, State::started)),
              "an upgrade of sda: operation 15 of 20 (mkfs) started, 0.1.1 -> 0.1.2");
    EXPECT_EQ(describe(upgrade_at(20, State::complete)), "an upgrade of sda: complete after 20 operations, 0.1.1 -> 0.1.2");
}

}  // namespace
}  // namespace xcp::installer::journal
