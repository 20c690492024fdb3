// The executor against fake adapters: the order it hands operations over,
// the check before every write, the refusal of anything a mode keeps, and
// what a failure at each operation leaves behind.
#include "installer-agent/journal/journal.hpp"
#include "installer-agent/plan/plan.hpp"
#include "installer-agent/run/executor.hpp"
#include "libxcp/answerfile/parser.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace xcp::installer {
namespace {

// Records every call; fails (throws) at one operation or one disk check.
class FakeAdapters final : public Adapters {
public:
    std::vector<std::string> calls;
    std::optional<std::size_t> fail_at;       // the index of the operation that throws
    std::optional<std::string> changed_disk;  // confirm_disk throws for it
    std::size_t applied = 0;

    void prepare() override { calls.emplace_back("prepare"); }
    void confirm_disk(const std::string& disk) override
    {
        calls.push_back("confirm " + disk);
        if (changed_disk == disk) {
            throw std::runtime_error("disk " + disk + " is no longer the disk probed");
        }
    }
    std::vector<std::string> journal{2};
    std::vector<std::pair<int, std::string>> records;  // every write, in order
    void record(int slot, const std::string& block) override
    {
        journal.at(static_cast<std::size_t>(slot)) = block;
        records.emplace_back(slot, block);
    }
    std::string apply(const Operation& operation) override
    {
        const auto index = applied++;
        calls.push_back(std::string(step_name(operation)) + " " + describe(operation));
        if (fail_at == index) {
            throw std::runtime_error("operation " + std::to_string(index + 1) + " failed");
        }
        return {};
    }
};

Plan plan_of(const std::string& body)
{
    const auto parsed = answerfile::parse(
        "<installation>" + body +
        "<source type=\"url\">http://x/</source><admin-interface name=\"eth0\" proto=\"dhcp\"/></installation>");
    EXPECT_TRUE(parsed.valid());
    Probe probe;
    probe.disks.push_back({"sda", "/dev/sda", true, 64 * GiB, 512, "", {}, false});
    probe.disks.push_back({"sdb", "/dev/sdb", true, 64 * GiB, 512, "", {}, false});
    PlanOptions o;
    o.identities = {"i", "c", "abc123"};
    return std::get<Plan>(make_plan(*parsed.model, probe, o));
}

struct Run {
    ExecutionResult result;
    std::string console;
};

Run run(const Plan& plan, FakeAdapters& adapters)
{
    std::ostringstream console;
    Progress progress(console, "");
    Run r{execute(plan, adapters, progress), console.str()};
    return r;
}

TEST(InstallExecutor, HandsOverEveryOperationInOrderAndConfirmsEachDiskBeforeItsWrite)
{
    const auto plan = plan_of("<primary-disk>sda</primary-disk><guest-disk>sdb</guest-disk>");
    FakeAdapters fake;
    const auto r = run(plan, fake);
    ASSERT_TRUE(r.result.ok) << r.result.failure;
    EXPECT_EQ(fake.applied, plan.operations.size() + 1) << "every operation, then the installation-complete scripts";
    std::vector<std::string> expected{"prepare"};
    for (const auto& planned : plan.operations) {
        if (const auto target = disk_written(planned.operation)) {
            expected.push_back("confirm " + target->disk);
        }
        expected.push_back(std::string(step_name(planned.operation)) + " " + describe(planned.operation));
    }
    expected.push_back("scripts " + describe(plan.completion_scripts));
    EXPECT_EQ(fake.calls, expected);
    // One progress event per operation (the console shows each, in order),
    // then the last one.
    std::size_t at = 0;
    for (const auto& planned : plan.operations) {
        at = r.console.find(describe(planned.operation), at);
        ASSERT_NE(at, std::string::npos) << describe(planned.operation) << "\n" << r.console;
    }
    EXPECT_NE(r.console.find("[100%] complete: The installation completed successfully."), std::string::npos);
}

// A failure at each operation in turn: nothing after it runs; before the
// first disk write, no disk was touched and the log stays off the disk;
// after, the target is left unbootable and the log goes to the logs
// partition; the installation-complete scripts always learn the outcome.
TEST(InstallExecutor, AFailureAtEachOperationStopsThereAndSaysWhatItLeft)
{
    const auto plan = plan_of("<primary-disk>sda</primary-disk>"
                              "<script stage=\"installation-complete\" type=\"url\">http://x/done.sh</script>");
    ASSERT_TRUE(plan.failure_log);
    std::size_t first_write = plan.operations.size();
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
        if (disk_written(plan.operations[i].operation) && first_write == plan.operations.size()) {
            first_write = i;
        }
    }
    ASSERT_LT(first_write, plan.operations.size());
    std::size_t bootable = 0;
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
        bootable = std::holds_alternative<op::MarkBootable>(plan.operations[i].operation) ? i : bootable;
    }
    for (std::size_t failing = 0; failing < plan.operations.size(); ++failing) {
        FakeAdapters fake;
        fake.fail_at = failing;
        const auto r = run(plan, fake);
        const auto& op = plan.operations[failing].operation;
        EXPECT_FALSE(r.result.ok);
        EXPECT_EQ(r.result.failed_at, failing);
        EXPECT_EQ(r.result.failure, "operation " + std::to_string(failing + 1) + " failed");
        const bool touched = failing >= first_write;
        EXPECT_EQ(r.result.disks_touched, touched) << failing << ": " << describe(op);
        // Applied: every operation up to the failing one, then the failure
        // log (when a disk was touched), then the failure scripts.
        const auto after = fake.applied - (failing + 1);
        EXPECT_EQ(after, touched ? 2U : 1U) << failing << ": " << describe(op);
        EXPECT_EQ(fake.calls.back(), "scripts " + describe(plan.failure_scripts)) << "the scripts hear 1";
        EXPECT_NE(r.console.find(touched ? "; the target was not made bootable" : "; nothing was written to the disks"),
                  std::string::npos)
            << r.console;
        EXPECT_NE(r.console.find("[100%] failed: operation " + std::to_string(failing + 1) + " failed"),
                  std::string::npos);
        if (touched) {
            EXPECT_NE(r.console.find("the install log is on the logs partition (5, label logs-failed)"),
                      std::string::npos);
        }
        for (const auto& call : fake.calls) {
            if (failing < bootable) {
                EXPECT_EQ(call.find("bootloader sda partition 1 gets"), std::string::npos)
                    << "never made bootable after a failure at " << failing;
            }
        }
    }
}

// From the operation after CreateJournal on, each operation's start and end
// is recorded before the next step, in alternating slots, numbered on from
// the last run's records; the run ends with "complete", or "failed" where it
// stopped.
TEST(InstallExecutor, TheJournalRecordsEveryOperationFromItsCreationOn)
{
    auto plan = plan_of("<primary-disk>sda</primary-disk>");
    ASSERT_TRUE(plan.journal_from);
    const auto from = *plan.journal_from;
    ASSERT_TRUE(std::holds_alternative<op::CreateJournal>(plan.operations[from - 1].operation));
    plan.journal_sequence = 40;
    FakeAdapters fake;
    ASSERT_TRUE(run(plan, fake).result.ok);
    const auto count = plan.operations.size();
    ASSERT_EQ(fake.records.size(), 2 * (count - from) + 1);
    for (std::size_t i = 0; i < fake.records.size(); ++i) {
        const auto& [slot, block] = fake.records[i];
        const auto r = journal::decode(block);
        ASSERT_TRUE(r) << i;
        EXPECT_EQ(r->sequence, 41 + i);
        EXPECT_EQ(slot, static_cast<int>(r->sequence % 2)) << "slots alternate";
        EXPECT_EQ(r->mode, "fresh");
        EXPECT_EQ(r->disk, "sda");
        EXPECT_EQ(r->operations, count);
        if (i + 1 == fake.records.size()) {
            EXPECT_EQ(r->state, journal::State::complete);
        } else {
            EXPECT_EQ(r->reached, from + i / 2);
            EXPECT_EQ(r->state, i % 2 == 0 ? journal::State::started : journal::State::done);
            EXPECT_EQ(r->step, step_name(plan.operations[r->reached].operation));
        }
    }
    FakeAdapters failing;
    failing.fail_at = from + 1;
    ASSERT_FALSE(run(plan, failing).result.ok);
    const auto last = journal::newest(failing.journal);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->state, journal::State::failed);
    EXPECT_EQ(last->reached, from + 1);
    FakeAdapters early;
    early.fail_at = from - 2;
    ASSERT_FALSE(run(plan, early).result.ok);
    EXPECT_TRUE(early.records.empty()) << "nothing is recorded before the journal exists";
}

TEST(InstallExecutor, ADiskThatChangedSinceTheProbeStopsBeforeItsFirstWrite)
{
    const auto plan = plan_of("<primary-disk>sda</primary-disk><guest-disk>sdb</guest-disk>");
    FakeAdapters fake;
    fake.changed_disk = "sdb";
    const auto r = run(plan, fake);
    EXPECT_FALSE(r.result.ok);
    EXPECT_EQ(r.result.failure, "disk sdb is no longer the disk probed");
    EXPECT_TRUE(std::holds_alternative<op::WipeDisk>(plan.operations[*r.result.failed_at].operation));
    for (std::size_t i = 0; i + 1 < fake.calls.size(); ++i) {
        EXPECT_NE(fake.calls[i], "wipe " + describe(op::WipeDisk{"sdb"})) << "sdb was never wiped";
    }
}

// What a mode keeps (the SR and the guest disks in upgrade, reinstall and
// restore) is never written: the executor refuses the operation before it
// confirms or applies anything, whatever the plan says.
TEST(InstallExecutor, RefusesEveryOperationAimedAtWhatTheModeKeeps)
{
    auto plan = plan_of("<primary-disk>sda</primary-disk><guest-disk>sdb</guest-disk>");
    plan.mode = "upgrade";
    plan.never_written = {Target{"sdb", Target::whole_disk}, Target{"sda", 3}};
    FakeAdapters fake;
    const auto r = run(plan, fake);
    EXPECT_FALSE(r.result.ok);
    const auto& refused = plan.operations[*r.result.failed_at].operation;
    EXPECT_TRUE(std::holds_alternative<op::PartitionDisk>(refused)) << "the whole of sda holds partition 3";
    EXPECT_EQ(r.result.failure.find("refused operation "), 0U) << r.result.failure;
    EXPECT_NE(r.result.failure.find("it would write disk sda, and mode upgrade keeps partition 3 of sda"),
              std::string::npos)
        << r.result.failure;
    for (const auto& call : fake.calls) {
        EXPECT_NE(call, "confirm sda") << "refused before the disk was even opened";
        EXPECT_EQ(call.find("partition sda"), std::string::npos);
    }

    // Writes to other partitions of the same disk, and to its table, pass;
    // a write to the kept partition or the kept disk does not.
    EXPECT_FALSE(overlaps({"sda", 1}, {"sda", 3}));
    EXPECT_FALSE(overlaps({"sda", Target::table_and_boot_sector}, {"sda", 3}));
    EXPECT_TRUE(overlaps({"sda", 3}, {"sda", 3}));
    EXPECT_TRUE(overlaps({"/dev/sdb", 1}, {"sdb", Target::whole_disk})) << "names compared as disks";
    EXPECT_TRUE(overlaps({"sdb", Target::table_and_boot_sector}, {"sdb", Target::whole_disk}));
    plan.never_written = {Target{"sdb", Target::whole_disk}};
    FakeAdapters second;
    const auto again = run(plan, second);
    EXPECT_TRUE(std::holds_alternative<op::WipeDisk>(plan.operations[*again.result.failed_at].operation));
    EXPECT_NE(again.result.failure.find("keeps disk sdb"), std::string::npos) << again.result.failure;
}

}  // namespace
}  // namespace xcp::installer
