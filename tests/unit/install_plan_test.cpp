// The installer's plan, pure: layouts by era and the refusals that come
// before any disk is touched.
#include "installer-agent/plan/plan.hpp"
#include "libxcp/answerfile/parser.hpp"

#include <gtest/gtest.h>

namespace xcp::installer {
namespace {

constexpr std::uint64_t GB = 1000ULL * 1000 * 1000;

TEST(InstallLayout, ModernOrderAndSizes)
{
    const auto l = compute_layout({LayoutEra::modern, 64 * GiB, true, true, false, 0, false});
    ASSERT_TRUE(l);
    EXPECT_EQ(l->table, "gpt");
    std::vector<int> order;
    for (const auto& p : l->partitions) {
        order.push_back(p.number);
    }
    EXPECT_EQ(order, (std::vector<int>{5, 2, 1, 4, 6, 3})) << "on-disk order of install.md";
    EXPECT_EQ(l->partitions[0].start, MiB) << "first partition at 1 MiB";
    EXPECT_EQ(l->partitions[2].size, 18 * GiB);
    EXPECT_EQ(l->partitions[3].gpt_type, "21686148-6449-6E6F-744E-656564454649") << "BIOS boot";
    const auto& sr = l->partitions.back();
    EXPECT_EQ(sr.role, "localsr");
    EXPECT_LE(sr.start + sr.size, 64 * GiB - 34 * 512) << "the backup GPT stays free";
    for (std::size_t i = 1; i < l->partitions.size(); ++i) {
        EXPECT_EQ(l->partitions[i].start, l->partitions[i - 1].start + l->partitions[i - 1].size) << "no gaps, no overlap";
    }
}

TEST(InstallLayout, OptionsAndEras)
{
    const auto uefi = compute_layout({LayoutEra::modern, 64 * GiB, true, true, false, 0, true});
    EXPECT_EQ(uefi->partitions[3].role, "ESP");
    EXPECT_EQ(uefi->partitions[3].filesystem, "vfat");
    const auto sr_first = compute_layout({LayoutEra::modern, 64 * GiB, true, false, false, 0, false});
    EXPECT_EQ(sr_first->partitions[2].role, "localsr") << "sr-at-end=no: SR before root";
    const auto no_sr = compute_layout({LayoutEra::modern, 64 * GiB, false, true, false, 0, false});
    EXPECT_EQ(no_sr->partitions.size(), 5U);
    const auto kept = compute_layout({LayoutEra::modern, 64 * GiB, true, true, true, 300 * MiB, false});
    EXPECT_EQ(kept->partitions[0].role, "utility");
    EXPECT_EQ(kept->partitions[1].number, 6) << "every number shifts by one";
    EXPECT_EQ(kept->partitions[1].start, 300 * MiB);
    const auto legacy = compute_layout({LayoutEra::legacy, 16 * GB, true, true, false, 0, false});
    ASSERT_TRUE(legacy);
    EXPECT_EQ(legacy->table, "dos");
    ASSERT_EQ(legacy->partitions.size(), 3U);
    EXPECT_EQ(legacy->partitions[0].size, 4 * GiB);
    EXPECT_EQ(legacy->partitions[1].size, 4 * GiB);
    EXPECT_FALSE(compute_layout({LayoutEra::modern, 45 * GB, true, true, false, 0, false}));
    EXPECT_FALSE(compute_layout({LayoutEra::legacy, 11 * GB, true, true, false, 0, false}));
}

answerfile::Answerfile answer(const std::string& body, const char* mode = "fresh")
{
    const auto r = answerfile::parse(std::string("<installation mode=\"") + mode + "\">" + body +
                                     "<root-password type=\"hash\">$6$a$b</root-password>"
                                     "<source type=\"url\">http://x/</source><admin-interface name=\"eth0\" "
                                     "proto=\"dhcp\"/><keymap>us</keymap></installation>");
    EXPECT_TRUE(r.valid());
    return r.model.value_or(answerfile::Answerfile{});
}

Probe disks(std::uint64_t sda, std::uint64_t sdb = 0)
{
    Probe p;
    p.disks.push_back({"sda", "/dev/sda", true, sda, 512, "", {}, false});
    if (sdb != 0) {
        p.disks.push_back({"sdb", "/dev/sdb", true, sdb, 512, "", {}, false});
    }
    p.disks.push_back({"sdz", "/dev/sdz", false, 0, 512, "", {}, false});
    return p;
}

std::string refusal(const std::variant<Plan, Refusal>& r)
{
    return std::holds_alternative<Refusal>(r) ? std::get<Refusal>(r).sentence : "planned";
}

TEST(InstallPlan, RefusesBeforeTouchingAnything)
{
    const PlanOptions o{LayoutEra::modern, "test", "/dev"};
    EXPECT_EQ(refusal(make_plan(answer("<primary-disk>sdz</primary-disk>"), disks(64 * GiB), o)),
              "disk sdz named as <primary-disk> does not exist under /dev; nothing was touched");
    EXPECT_EQ(refusal(make_plan(answer("<primary-disk>sda</primary-disk>"), disks(20 * GB), o)),
              "disk sda is 20.0 GB; the XCP-ng 8 layout needs at least 46.0 GB; nothing was touched");
    EXPECT_EQ(refusal(make_plan(answer("<primary-disk>sda</primary-disk><guest-disk>sdz</guest-disk>"),
                                disks(64 * GiB), o)),
              "disk sdz named as <guest-disk> does not exist under /dev; nothing was touched");
    auto running = disks(64 * GiB, 64 * GiB);
    running.disks[1].holds_running_system = true;
    EXPECT_EQ(refusal(make_plan(answer("<primary-disk>sda</primary-disk><guest-disk>sdb</guest-disk>"), running, o)),
              "disk sdb named as <guest-disk> holds the running system; nothing was touched");
    auto installed = disks(64 * GiB);
    installed.disks[0].partitions.push_back({1, MiB, 18 * GiB, "root-abcdef", "root"});
    EXPECT_NE(refusal(make_plan(answer("<primary-disk>sda</primary-disk>"), installed, o))
                  .find("holds an XCP installation (partition 1, root-abcdef); mode fresh does not replace it"),
              std::string::npos);
    EXPECT_EQ(refusal(make_plan(answer("<primary-disk>sda</primary-disk>", "reinstall"), installed, o)), "planned")
        << "reinstall replaces it";
}

TEST(InstallPlan, StepsInOrderWithTargets)
{
    const auto r = make_plan(answer("<primary-disk>sda</primary-disk><guest-disk>sdb</guest-disk>"),
                             disks(64 * GiB, 100 * GiB), PlanOptions{});
    ASSERT_TRUE(std::holds_alternative<Plan>(r)) << refusal(r);
    const auto& plan = std::get<Plan>(r);
    std::vector<std::string> names;
    for (const auto& s : plan.steps) {
        names.push_back(s.name);
    }
    const auto partition = std::find(names.begin(), names.end(), "partition");
    const auto fetch = std::find(names.begin(), names.end(), "fetch");
    const auto verify = std::find(names.begin(), names.end(), "verify");
    const auto boot = std::find(names.begin(), names.end(), "bootloader");
    EXPECT_TRUE(names.front() == "check" && fetch < partition && partition < verify && verify < boot)
        << "packages verified before any disk is written, bootable last: " << to_text(plan);
    EXPECT_EQ(to_json(plan)["guest_disks"][0], "sdb");
    EXPECT_NE(to_text(plan).find("wipe sdb"), std::string::npos);
}

}  // namespace
}  // namespace xcp::installer
