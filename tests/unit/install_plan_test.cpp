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
    EXPECT_EQ(sr.role, PartitionRole::local_sr);
    EXPECT_LE(sr.start + sr.size, 64 * GiB - 34 * 512) << "the backup GPT stays free";
    for (std::size_t i = 1; i < l->partitions.size(); ++i) {
        EXPECT_EQ(l->partitions[i].start, l->partitions[i - 1].start + l->partitions[i - 1].size) << "no gaps, no overlap";
    }
}

TEST(InstallLayout, OptionsAndEras)
{
    const auto uefi = compute_layout({LayoutEra::modern, 64 * GiB, true, true, false, 0, true});
    EXPECT_EQ(uefi->partitions[3].role, PartitionRole::esp);
    EXPECT_EQ(uefi->partitions[3].filesystem, "vfat");
    const auto sr_first = compute_layout({LayoutEra::modern, 64 * GiB, true, false, false, 0, false});
    EXPECT_EQ(sr_first->partitions[2].role, PartitionRole::local_sr) << "sr-at-end=no: SR before root";
    const auto no_sr = compute_layout({LayoutEra::modern, 64 * GiB, false, true, false, 0, false});
    EXPECT_EQ(no_sr->partitions.size(), 5U);
    const auto kept = compute_layout({LayoutEra::modern, 64 * GiB, true, true, true, 300 * MiB, false});
    EXPECT_EQ(kept->partitions[0].role, PartitionRole::utility);
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
    const PlanOptions o{};
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

std::vector<std::string> steps_of(const Plan& plan)
{
    std::vector<std::string> names;
    for (const auto& o : plan.operations) {
        names.emplace_back(step_name(o.operation));
    }
    return names;
}

TEST(InstallPlan, OperationsInOrderWithTheirTargets)
{
    PlanOptions o;
    o.identities = {"i-uuid", "c-uuid", "abc123"};
    const auto r = make_plan(answer("<primary-disk>sda</primary-disk><guest-disk>sdb</guest-disk>"),
                             disks(64 * GiB, 100 * GiB), o);
    ASSERT_TRUE(std::holds_alternative<Plan>(r)) << refusal(r);
    const auto& plan = std::get<Plan>(r);
    const auto names = steps_of(plan);
    const auto partition = std::find(names.begin(), names.end(), "partition");
    const auto fetch = std::find(names.begin(), names.end(), "fetch");
    const auto verify = std::find(names.begin(), names.end(), "verify");
    const auto boot = std::find(names.begin(), names.end(), "bootloader");
    EXPECT_TRUE(names.front() == "check" && fetch < partition && partition < verify && verify < boot)
        << "packages verified before any disk is written, bootable last: " << to_text(plan);
    EXPECT_EQ(to_json(plan)["guest_disks"][0], "sdb");
    EXPECT_NE(to_text(plan).find("wipe sdb: old signatures cleared"), std::string::npos) << to_text(plan);
    EXPECT_NE(to_text(plan).find("mkfs ext3 root-abc123 on sda partition 1 (root), populated from the verified tree"),
              std::string::npos)
        << "labels from the identities the caller drew";
    // Nothing writes a disk before the partition table; the last write
    // makes it bootable.
    int first_write = -1, last_write = -1;
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
        if (disk_written(plan.operations[i].operation)) {
            first_write = first_write < 0 ? static_cast<int>(i) : first_write;
            last_write = static_cast<int>(i);
        }
    }
    EXPECT_EQ(names[static_cast<std::size_t>(first_write)], "partition");
    ASSERT_EQ(plan.layout.table, "gpt");
    const auto* grub = std::get_if<op::GrubBootsRoot>(&plan.operations[static_cast<std::size_t>(last_write)].operation);
    ASSERT_NE(grub, nullptr) << "BIOS, XCP-ng 8 layout: GRUB's core image and the MBR, after every check: "
                             << to_text(plan);
    EXPECT_TRUE(std::none_of(plan.operations.begin(), plan.operations.end(), [](const auto& p) {
        return std::holds_alternative<op::MarkBootable>(p.operation);
    })) << "GRUB's boot.img reads no flag";
    EXPECT_EQ(grub->boot.number, 4);
    EXPECT_EQ(grub->root.number, 1);
    const auto last_check = std::find(names.rbegin(), names.rend(), "verify");
    EXPECT_LT(static_cast<std::size_t>(names.rend() - last_check - 1), static_cast<std::size_t>(last_write))
        << "the root is checked before the MBR is pointed at its core";
    int percent = 0;
    for (const auto& op : plan.operations) {
        EXPECT_GE(op.percent, percent) << "progress only moves forward";
        percent = op.percent;
    }
    EXPECT_LT(percent, 100);
}

// Each decision is made once, in the planner: the SR type, the boot loader
// and boot mode, the labels and the source locations all arrive settled in
// the operations.
TEST(InstallPlan, ARestoreFromTheServerKeepsTheHostsIdentityAndCarriesItsSettings)
{
    PlanOptions o;
    o.identities = {"i-new", "c-new", "abc123"};
    o.restore = PlanOptions::RestoreFromServer{
        "20261203T101500.000Z-1a2b3c4d", "/tmp/w/restore",
        {{"INSTALLATION_UUID", "i-old"}, {"CONTROL_DOMAIN_UUID", "c-old"}, {"MANAGEMENT_INTERFACE", "xenbr1"}}};
    const auto r = make_plan(answer("<primary-disk>sda</primary-disk>"), disks(64 * GiB), o);
    ASSERT_TRUE(std::holds_alternative<Plan>(r)) << refusal(r);
    const auto& plan = std::get<Plan>(r);
    std::optional<std::size_t> apply, inventory;
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
        if (const auto* a = std::get_if<op::ApplyBackup>(&plan.operations[i].operation)) {
            apply = i;
            EXPECT_EQ(a->dir, "/tmp/w/restore");
        }
        if (const auto* w = std::get_if<op::WriteInventory>(&plan.operations[i].operation)) {
            inventory = i;
            EXPECT_EQ(w->fields.installation_uuid, "i-old");
            EXPECT_EQ(w->fields.control_domain_uuid, "c-old");
            EXPECT_EQ(w->fields.management_interface, "xenbr1");
        }
    }
    ASSERT_TRUE(apply && inventory) << to_text(plan);
    EXPECT_LT(*apply, *inventory);
    EXPECT_NE(to_text(plan).find("restore backup 20261203T101500.000Z-1a2b3c4d from the server"), std::string::npos);
    o.restore->inventory.erase("CONTROL_DOMAIN_UUID");
    EXPECT_NE(refusal(make_plan(answer("<primary-disk>sda</primary-disk>"), disks(64 * GiB), o))
                  .find("restoring it would make another host; nothing was touched"),
              std::string::npos);
}

TEST(InstallPlan, EveryDefaultIsSettledInTheOperations)
{
    PlanOptions o;
    o.era = LayoutEra::legacy;
    o.identities = {"i", "c", "xyz789"};
    o.local_source = "/media/xcp";
    const auto a = answer("<primary-disk>sda</primary-disk><driver-source type=\"nfs\">server:/drivers</driver-source>"
                          "<script stage=\"filesystem-populated\" type=\"url\">http://x/s.sh</script>");
    auto probe = disks(64 * GiB);
    const auto r = make_plan(a, probe, o);
    ASSERT_TRUE(std::holds_alternative<Plan>(r)) << refusal(r);
    const auto& plan = std::get<Plan>(r);
    EXPECT_EQ(plan.boot.loader, BootLoader::extlinux) << "2009 layout, no <bootloader>";
    EXPECT_EQ(plan.local_sr, "lvm on /dev/sda3") << "2009: LVM";
    std::vector<std::string> fetched;
    bool extlinux = false, scripts = false;
    for (const auto& planned : plan.operations) {
        if (const auto* f = std::get_if<op::FetchSource>(&planned.operation)) {
            fetched.push_back(std::to_string(static_cast<int>(f->use)) + " " + f->location);
        }
        extlinux = extlinux || std::holds_alternative<op::InstallExtlinux>(planned.operation);
        if (const auto* s = std::get_if<op::RunScripts>(&planned.operation)) {
            scripts = scripts || (s->stage == answerfile::ScriptStage::filesystem_populated &&
                                  s->arguments == std::vector<std::string>{"{root}"});
        }
    }
    EXPECT_EQ(fetched, (std::vector<std::string>{"0 nfs://server:/drivers", "1 http://x/", "2 nfs://server:/drivers"}))
        << "drivers verified first, unpacked last";
    EXPECT_TRUE(extlinux);
    EXPECT_TRUE(scripts);

    probe.uefi = true;
    EXPECT_NE(refusal(make_plan(a, probe, o)).find("this host boots UEFI, and the 2009 layout has no EFI system"),
              std::string::npos);
    o.era = LayoutEra::modern;
    const auto uefi = std::get<Plan>(make_plan(answer("<primary-disk>sda</primary-disk><bootloader>extlinux</bootloader><timezone>Etc/UTC</timezone>"),
                                               probe, o));
    EXPECT_EQ(uefi.boot.loader, BootLoader::grub2) << "UEFI: grub2, whatever was asked";
    EXPECT_TRUE(uefi.boot.uefi);
    EXPECT_TRUE(std::holds_alternative<op::PopulateEsp>(uefi.operations.back().operation)) << to_text(uefi);
    EXPECT_EQ(refusal(make_plan(answerfile::parse("<installation><primary-disk>sda</primary-disk><source type=\"local\"/>"
                                                  "<admin-interface name=\"eth0\" proto=\"dhcp\"/></installation>")
                                    .model.value(),
                                probe, PlanOptions{})),
              "<source type=\"local\"> needs the installer's media: give --local-source DIR; nothing was touched");
}

}  // namespace
}  // namespace xcp::installer
