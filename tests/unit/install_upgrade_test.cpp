// The pure parts of upgrade, reinstall and restore: the carry-over table
// (one row per entry), the backup manifest, what an installation's root
// says, the refusals, the plans, and the executor running them against fake
// adapters.
#include "installer-agent/plan/plan.hpp"
#include "installer-agent/run/executor.hpp"
#include "installer-agent/upgrade/backup_manifest.hpp"
#include "installer-agent/upgrade/carry_over.hpp"
#include "installer-agent/upgrade/existing_installation.hpp"
#include "libxcp/answerfile/parser.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace xcp::installer {
namespace {

// One row per entry of the table: a path of the old root that it must
// carry, and where that path lands in the new root.
struct Row {
    std::string_view entry;  // the table's path
    std::string old_path, new_path;
};
const Row rows[] = {
    {"etc/xensource/ptoken", "etc/xensource/ptoken", "etc/xensource/ptoken"},
    {"etc/xensource/pool.conf", "etc/xensource/pool.conf", "etc/xensource/pool.conf"},
    {"etc/xensource/xapi-ssl.pem", "etc/xensource/xapi-ssl.pem", "etc/xensource/xapi-ssl.pem"},
    {"etc/xensource/xapi-pool-tls.pem", "etc/xensource/xapi-pool-tls.pem", "etc/xensource/xapi-pool-tls.pem"},
    {"etc/xensource/license", "etc/xensource/license", "etc/xensource/license"},
    {"etc/xensource/syslog.conf", "etc/xensource/syslog.conf", "etc/xensource/syslog.conf"},
    {"etc/ssh/ssh_host_*", "etc/ssh/ssh_host_ed25519_key", "etc/ssh/ssh_host_ed25519_key"},
    {"root/.ssh", "root/.ssh/authorized_keys", "root/.ssh/authorized_keys"},
    {"etc/sysconfig/network", "etc/sysconfig/network", "etc/sysconfig/network"},
    {"etc/sysconfig/network-scripts/ifcfg-*", "etc/sysconfig/network-scripts/ifcfg-xenbr0",
     "etc/sysconfig/network-scripts/ifcfg-xenbr0"},
    {"var/lib/xcp/networkd.db", "var/lib/xcp/networkd.db", "var/lib/xcp/networkd.db"},
    {"etc/sysconfig/network-scripts/interface-rename-data",
     "etc/sysconfig/network-scripts/interface-rename-data/.from_install/static-rules.conf",
     "etc/sysconfig/network-scripts/interface-rename-data/.from_install/static-rules.conf"},
    {"var/lib/xcp/state.db", "var/lib/xcp/state.db", "var/lib/xcp/state.db"},
    {"var/xapi/state.db", "var/xapi/state.db", "var/xapi/state.db"},
    {"var/opt/xapi-clusterd/db", "var/opt/xapi-clusterd/db", "var/opt/xapi-clusterd/db"},
    {"var/lib/xcp/blobs", "var/lib/xcp/blobs/messages/1", "var/lib/xcp/blobs/messages/1"},
    {"var/lib/xcp/lpe-cache", "var/lib/xcp/lpe-cache/a", "var/lib/xcp/lpe-cache/a"},
    {"etc/firstboot.d/data/*.conf", "etc/firstboot.d/data/sr-multipathing.conf",
     "etc/firstboot.d/data/sr-multipathing.conf"},
    {"etc/xensource-inventory", "etc/xensource-inventory", "var/tmp/.previousInventory"},
    {"etc/resolv.conf", "etc/resolv.conf", "etc/resolv.conf"},
    {"etc/krb5.conf", "etc/krb5.conf", "etc/krb5.conf"},
    {"etc/krb5.keytab", "etc/krb5.keytab", "etc/krb5.keytab"},
    {"var/lib/samba", "var/lib/samba/private/secrets.tdb", "var/lib/samba/private/secrets.tdb"},
    {"var/lib/pbis/db/registry.db", "var/lib/pbis/db/registry.db", "var/lib/pbis/db/registry.db"},
    {"etc/sysconfig/mkinitrd.latches", "etc/sysconfig/mkinitrd.latches", "etc/sysconfig/mkinitrd.latches"},
    {"etc/mdadm.conf", "etc/mdadm.conf", "etc/mdadm.conf"},
    {"etc/multipath.conf", "etc/multipath.conf", "etc/multipath.conf.bak"},
    {"etc/multipath/conf.d/custom*.conf", "etc/multipath/conf.d/custom.conf", "etc/multipath/conf.d/custom.conf"},
    {"etc/locale.conf", "etc/locale.conf", "etc/locale.conf"},
    {"etc/machine-id", "etc/machine-id", "etc/machine-id"},
    {"etc/vconsole.conf", "etc/vconsole.conf", "etc/vconsole.conf"},
    {"etc/sysconfig/logrotate", "etc/sysconfig/logrotate", "etc/sysconfig/logrotate"},
    {"etc/sysctl.d/91-net-ipv6.conf", "etc/sysctl.d/91-net-ipv6.conf", "etc/sysctl.d/91-net-ipv6.conf"},
    {"var/lib/xcp/verify-certificates", "var/lib/xcp/verify-certificates", "var/lib/xcp/verify-certificates"},
    {"var/lib/xcp/verify_certificates", "var/lib/xcp/verify_certificates", "var/lib/xcp/verify_certificates"},
    {"etc/trusted-certs", "etc/trusted-certs/pool.pem", "etc/trusted-certs/pool.pem"},
    {"etc/stunnel/xapi-pool-ca-bundle.pem", "etc/stunnel/xapi-pool-ca-bundle.pem",
     "etc/stunnel/xapi-pool-ca-bundle.pem"},
    {"etc/stunnel/certs-pool", "etc/stunnel/certs-pool/h.pem", "etc/stunnel/certs-pool/h.pem"},
    {"etc/stunnel/xapi-stunnel-ca-bundle.pem", "etc/stunnel/xapi-stunnel-ca-bundle.pem",
     "etc/stunnel/xapi-stunnel-ca-bundle.pem"},
    {"etc/stunnel/certs", "etc/stunnel/certs/c.pem", "etc/stunnel/certs/c.pem"},
    {"etc/nagios/nrpe.cfg", "etc/nagios/nrpe.cfg", "etc/nagios/nrpe.cfg"},
    {"etc/nrpe.d", "etc/nrpe.d/x.cfg", "etc/nrpe.d/x.cfg"},
    {"etc/snmp/snmp.xs.conf", "etc/snmp/snmp.xs.conf", "etc/snmp/snmp.xs.conf"},
    {"etc/snmp/snmpd.xs.conf", "etc/snmp/snmpd.xs.conf", "etc/snmp/snmpd.xs.conf"},
    {"etc/sysconfig/snmpd", "etc/sysconfig/snmpd", "etc/sysconfig/snmpd"},
    {"var/lib/net-snmp/snmpd.conf", "var/lib/net-snmp/snmpd.conf", "var/lib/net-snmp/snmpd.conf"},
    {"etc/sysconfig/iptables", "etc/sysconfig/iptables", "etc/sysconfig/iptables"},
    {"etc/hostname", "etc/hostname", "etc/hostname"},
    {"etc/hosts", "etc/hosts", "etc/hosts"},
    {"etc/localtime", "etc/localtime", "etc/localtime"},
    {"etc/timezone", "etc/timezone", "etc/timezone"},
    {"etc/sysconfig/clock", "etc/sysconfig/clock", "etc/sysconfig/clock"},
    {"etc/sysconfig/keyboard", "etc/sysconfig/keyboard", "etc/sysconfig/keyboard"},
    {"etc/chrony.conf", "etc/chrony.conf", "etc/chrony.conf"},
    {"etc/ntp.conf", "etc/ntp.conf", "etc/ntp.conf"},
};

// Every directory above `path`, as a listing of the old root has them.
void add_with_parents(std::map<std::string, char>& tree, const std::string& path, char type)
{
    for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
        tree.emplace(path.substr(0, slash), 'd');
    }
    tree[path] = type;
}

TEST(CarryOver, EveryEntryOfTheTableHasItsRowAndCarriesItsPath)
{
    const auto table = carry_over_table();
    ASSERT_EQ(std::size(rows), table.size()) << "one row per entry";
    for (std::size_t i = 0; i < table.size(); ++i) {
        EXPECT_EQ(rows[i].entry, table[i].path) << "row " << i;
        std::map<std::string, char> tree;
        add_with_parents(tree, rows[i].old_path, 'f');
        add_with_parents(tree, "etc/snmp/snmp.xs.conf", 'f');  // SNMP's entries need it
        add_with_parents(tree, "usr/bin/xapi", 'f');          // never carried
        const auto selection = select_carry_over(table.subspan(i, 1), tree);
        EXPECT_NE(std::find(selection.copies.begin(), selection.copies.end(),
                            CarryCopy{rows[i].old_path, rows[i].new_path}),
                  selection.copies.end())
            << table[i].path;
        EXPECT_TRUE(selection.skipped.empty()) << table[i].path;
        for (const auto& c : selection.copies) {
            EXPECT_NE(c.from, "usr/bin/xapi");
        }
    }
}

TEST(CarryOver, AbsentEntriesAreSkippedAndNamedNeverAnError)
{
    std::map<std::string, char> tree;
    add_with_parents(tree, "etc/hosts", 'f');
    add_with_parents(tree, "etc/ssh/ssh_host_rsa_key", 'f');
    add_with_parents(tree, "etc/ssh/ssh_host_rsa_key.pub", 'f');
    add_with_parents(tree, "etc/ssh/sshd_config", 'f');
    add_with_parents(tree, "etc/ssh/.ssh_host_hidden", 'f');
    add_with_parents(tree, "etc/sysconfig/snmpd", 'f');  // without snmp.xs.conf: not carried
    add_with_parents(tree, "etc/krb5.conf", 'd');        // a directory where a file is listed
    const auto s = select_carry_over(carry_over_table(), tree);
    const std::vector<CarryCopy> expected{{"etc/ssh/ssh_host_rsa_key", "etc/ssh/ssh_host_rsa_key"},
                                          {"etc/ssh/ssh_host_rsa_key.pub", "etc/ssh/ssh_host_rsa_key.pub"},
                                          {"etc/hosts", "etc/hosts"}};
    EXPECT_EQ(s.copies, expected);
    EXPECT_EQ(s.skipped.size(), carry_over_table().size() - 2);
    EXPECT_NE(std::find(s.skipped.begin(), s.skipped.end(), "etc/sysconfig/snmpd (no etc/snmp/snmp.xs.conf in the old root)"),
              s.skipped.end());
    EXPECT_NE(std::find(s.skipped.begin(), s.skipped.end(), "etc/krb5.conf (not in the old root)"), s.skipped.end());
}

TEST(CarryOver, ADirectoryComesWithEverythingBelowItParentsFirst)
{
    std::map<std::string, char> tree;
    add_with_parents(tree, "root/.ssh/authorized_keys", 'f');
    add_with_parents(tree, "root/.ssh/keys.d/a", 'l');
    add_with_parents(tree, "root/.sshx", 'f');
    const CarryOverEntry entry{"root/.ssh", CarryKind::directory};
    const auto s = select_carry_over({&entry, 1}, tree);
    const std::vector<CarryCopy> expected{{"root/.ssh", "root/.ssh"},
                                          {"root/.ssh/authorized_keys", "root/.ssh/authorized_keys"},
                                          {"root/.ssh/keys.d", "root/.ssh/keys.d"},
                                          {"root/.ssh/keys.d/a", "root/.ssh/keys.d/a"}};
    EXPECT_EQ(s.copies, expected);
}

TEST(CarryOver, OwnersAreRemappedByNameAndRootsHashIsRead)
{
    const auto map = remap_ids("root:x:0:0::/root:/bin/sh\nntp:x:38:38::/:/sbin/nologin\nold:x:500:500:::\n",
                               "root:x:0:0::/root:/bin/sh\nntp:x:995:995::/:/sbin/nologin\n");
    EXPECT_EQ(map, (std::map<unsigned, unsigned>{{38, 995}}));
    EXPECT_EQ(root_hash("bin:*:1::\nroot:$6$s$h:19000:0:99999:7:::\n"), "$6$s$h");
    EXPECT_EQ(root_hash("bin:*:1::\n"), "");
}

TEST(BackupManifest, RoundTripsAndSaysWhatDiffers)
{
    Manifest m;
    m.entries = {{'d', 0755, 0, 0, 0, "", "etc"},
                 {'f', 0644, 0, 0, 5, std::string(64, 'a'), "etc/hosts"},
                 {'l', 0777, 0, 0, 0, "../usr/share/zoneinfo/UTC", "etc/localtime"},
                 {'f', 0600, 7, 9, 3, std::string(64, 'b'), "etc/with space\tand%"}};
    const auto text = manifest_text(m);
    EXPECT_NE(text.find("etc/with%20space%09and%25\n"), std::string::npos) << text;
    const auto parsed = parse_manifest(text);
    ASSERT_TRUE(std::holds_alternative<Manifest>(parsed)) << std::get<std::string>(parsed);
    EXPECT_EQ(std::get<Manifest>(parsed).entries, m.entries);
    EXPECT_TRUE(manifest_differences(m, m).empty());

    auto changed = m;
    changed.entries[1].digest = std::string(64, 'c');
    changed.entries[2].digest = "UTC";
    changed.entries[3].mode = 0644;
    changed.entries.erase(changed.entries.begin());
    changed.entries.push_back({'f', 0644, 0, 0, 1, "x", "zz-extra"});
    const auto d = manifest_differences(m, changed);
    const std::vector<std::string> expected{"etc: missing", "etc/hosts: SHA-256 differs",
                                            "etc/localtime: symlink target differs",
                                            "etc/with space\tand%: mode 0600, now 0644", "zz-extra: not in the manifest"};
    EXPECT_EQ(d, expected);
    changed = m;
    changed.entries[1].size = 6;
    changed.entries[3].uid = 0;
    changed.entries[0].type = 'f';
    EXPECT_EQ(manifest_differences(m, changed),
              (std::vector<std::string>{"etc: a directory, now a file", "etc/hosts: 5 bytes, now 6",
                                        "etc/with space\tand%: owner 7:9, now 0:9"}));
    EXPECT_EQ(manifest_differences(m, Manifest{}, 2).size(), 3U) << "two, then how many more";
}

TEST(BackupManifest, RefusesTextThatIsNotOne)
{
    const auto error = [](const std::string& text) {
        const auto r = parse_manifest(text);
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("parsed");
    };
    EXPECT_EQ(error("f\t0644\t0\t0\t5\t-\n"), "line 1: 7 tab-separated fields expected, 6 found");
    EXPECT_EQ(error("# c\nq\t0644\t0\t0\t5\t-\ta\n"), "line 2: unknown type q");
    EXPECT_EQ(error("f\t0999\t0\t0\t5\t-\ta\n"), "line 1: a mode, owner or size is not a number");
    EXPECT_EQ(error("f\t0644\t0\t0\t5\t-\ta%2\n"), "line 1: bad path");
    EXPECT_EQ(error("f\t0644\t0\t0\t5\t-\tb\nf\t0644\t0\t0\t5\t-\ta\n"), "line 2: entries out of order at a");
    EXPECT_EQ(error(""), "parsed");
    EXPECT_TRUE(backup_bookkeeping(".xen-backup-partition"));
    EXPECT_TRUE(backup_bookkeeping("lost+found/#12"));
    EXPECT_FALSE(backup_bookkeeping("etc/.xen-backup-partition"));
}

const std::string inventory = "PRIMARY_DISK='/dev/sda'\nINSTALLATION_UUID='11111111-2222-3333-4444-555555555555'\n"
                              "CONTROL_DOMAIN_UUID='66666666-7777-8888-9999-000000000000'\nDOM0_MEM='4096'\n"
                              "PRODUCT_BRAND='XCP-ng'\nPRODUCT_VERSION='8.2.1'\nBUILD_NUMBER='release/yangtze/58'\n"
                              "MANAGEMENT_INTERFACE='xenbr0'\n# comment\nROOT_LABEL='root-abcdef'\n";

PartitionInfo part(int number, std::uint64_t start_mib, std::uint64_t size_mib, std::string label, std::string name,
                   std::string type, std::string fs)
{
    PartitionInfo p;
    p.number = number;
    p.start = start_mib * MiB;
    p.size = size_mib * MiB;
    p.label = std::move(label);
    p.name = std::move(name);
    p.type = std::move(type);
    p.filesystem = std::move(fs);
    return p;
}

// An XCP-ng 8 disk as our installs (and the vendor's) leave it.
DiskInfo modern_disk(bool uefi)
{
    DiskInfo d;
    d.name = "sda";
    d.path = "/dev/sda";
    d.present = true;
    d.size = 100 * GiB;
    d.table = "gpt";
    const auto data = "ebd0a0a2-b9e5-4433-87c0-68b6b72699c7";
    d.partitions = {part(5, 1, 4096, "logs-abcdef", "logs", data, "ext3"),
                    part(2, 4097, 18432, "", "backup", data, ""),
                    part(1, 22529, 18432, "root-abcdef", "root", data, "ext3"),
                    uefi ? part(4, 40961, 512, "BOOT-ABCD", "ESP", "c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "vfat")
                         : part(4, 40961, 512, "", "boot", "21686148-6449-6e6f-744e-656564454649", ""),
                    part(6, 41473, 1024, "swap-abcdef", "swap", "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "swap"),
                    part(3, 42497, 50000, "", "localsr", "e6d6d379-f507-44c2-a23c-238f2a3df928", "LVM2_member")};
    RootFacts facts;
    facts.inventory = inventory;
    facts.firstboot_scripts = {"05-prepare-networking", "10-prepare-storage"};
    facts.firstboot_states = {"05-prepare-networking", "10-prepare-storage"};
    d.partitions[2].root_facts = facts;
    return d;
}

TEST(ExistingInstallation, ReadsItsInventoryLayoutAndBootMode)
{
    const auto inv = parse_inventory(inventory);
    EXPECT_EQ(inv.at("PRODUCT_VERSION"), "8.2.1");
    EXPECT_EQ(inv.at("MANAGEMENT_INTERFACE"), "xenbr0");
    EXPECT_FALSE(inv.contains("# comment"));

    for (const bool uefi : {false, true}) {
        const auto detected = detect_installation(modern_disk(uefi));
        ASSERT_TRUE(std::holds_alternative<ExistingInstallation>(detected)) << std::get<std::string>(detected);
        const auto& e = std::get<ExistingInstallation>(detected);
        EXPECT_EQ(e.describe(), "XCP-ng 8.2.1 build release/yangtze/58 on sda (partition 1, root-abcdef)");
        EXPECT_EQ(e.uefi, uefi);
        EXPECT_EQ(e.era, LayoutEra::modern);
        EXPECT_TRUE(e.first_boot_complete);
        EXPECT_EQ(e.logs_label, "logs-abcdef");
        EXPECT_EQ(e.esp_label, uefi ? "BOOT-ABCD" : "");
        ASSERT_NE(by_role(e.layout, PartitionRole::local_sr), nullptr);
        EXPECT_EQ(by_role(e.layout, PartitionRole::local_sr)->number, 3);
        EXPECT_EQ(by_role(e.layout, PartitionRole::backup)->number, 2);
        EXPECT_EQ(by_role(e.layout, PartitionRole::swap)->number, 6);
    }
}

TEST(ExistingInstallation, SaysWhyThereIsNone)
{
    const auto why = [](const DiskInfo& d) {
        const auto r = detect_installation(d);
        return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("detected");
    };
    auto d = modern_disk(false);
    d.partitions[2].root_facts->inventory.reset();
    EXPECT_EQ(why(d), "disk sda partition 1 (root-abcdef) holds no etc/xensource-inventory, so its version is unknown");
    d = modern_disk(false);
    d.partitions[2].root_facts->error = "debugfs exited 1";
    EXPECT_EQ(why(d), "disk sda partition 1 (root-abcdef) cannot be read: debugfs exited 1");
    d = modern_disk(false);
    d.partitions.erase(d.partitions.begin() + 1);
    EXPECT_EQ(why(d), "disk sda partition 1 (root-abcdef): disk sda has no backup partition (GPT name backup) to keep "
                      "the old root on");
    d = modern_disk(false);
    d.partitions[2].label = "";
    EXPECT_EQ(why(d), "disk sda holds no XCP installation (no partition labelled root-*)");
}

TEST(ExistingInstallation, RefusesDowngradesBootModeMismatchesAndUnfinishedFirstBoots)
{
    auto e = std::get<ExistingInstallation>(detect_installation(modern_disk(false)));
    EXPECT_EQ(refuse_replacing(e, KeepingMode::upgrade, "8.3.0", false), std::nullopt);
    EXPECT_EQ(refuse_replacing(e, KeepingMode::reinstall, "8.2.1", false), std::nullopt) << "the same version";
    EXPECT_EQ(refuse_replacing(e, KeepingMode::upgrade, "8.2.0", false).value_or(""),
              "the repository holds version 8.2.0, older than XCP-ng 8.2.1 build release/yangtze/58 on sda (partition "
              "1, root-abcdef): a downgrade is refused");
    EXPECT_NE(refuse_replacing(e, KeepingMode::upgrade, "", false).value_or("").find("cannot be ruled out; no upgrade"),
              std::string::npos);
    EXPECT_NE(refuse_replacing(e, KeepingMode::upgrade, "8.3.0", true).value_or("").find(
                  "boots legacy BIOS but this host started the installer in UEFI mode"),
              std::string::npos);
    auto d = modern_disk(false);
    d.partitions[2].root_facts->firstboot_states.pop_back();
    e = std::get<ExistingInstallation>(detect_installation(d));
    EXPECT_NE(refuse_replacing(e, KeepingMode::upgrade, "8.3.0", false).value_or("").find(
                  "never completed its first boot (etc/firstboot.d/10-prepare-storage never ran"),
              std::string::npos);

    EXPECT_EQ(compare_versions("8.2.1", "8.10"), -1);
    EXPECT_EQ(compare_versions("8.2", "8.2.0"), 0);
    EXPECT_EQ(compare_versions("0.1.10", "0.1.9"), 1);
    EXPECT_EQ(compare_versions("08.2", "8.2"), 0);
    EXPECT_EQ(compare_versions("8.2.1", "8.2.1a"), -1);
}

Probe probe_of(DiskInfo d)
{
    Probe p;
    p.disks.push_back(std::move(d));
    DiskInfo guest;
    guest.name = "sdb";
    guest.path = "/dev/sdb";
    guest.present = true;
    guest.size = 64 * GiB;
    p.disks.push_back(guest);
    return p;
}

std::variant<Plan, Refusal> keeping_plan(const std::string& xml, const Probe& probe,
                                         const std::string& backup_url = {})
{
    const auto parsed = answerfile::parse(xml);
    EXPECT_TRUE(parsed.valid());
    PlanOptions o;
    o.identities = {"new-i", "new-c", "zzzzzz"};
    o.new_version = "8.3.0";
    o.backup_url = backup_url;
    return make_plan(*parsed.model, probe, o);
}

const std::string upgrade_xml = "<installation mode=\"upgrade\"><existing-installation>sda</existing-installation>"
                                "<source type=\"url\">http://x/</source></installation>";

template <typename T>
std::optional<std::size_t> index_of(const Plan& plan)
{
    for (std::size_t i = 0; i < plan.operations.size(); ++i) {
        if (std::holds_alternative<T>(plan.operations[i].operation)) {
            return i;
        }
    }
    return std::nullopt;
}

TEST(KeepingPlan, WithAServerTheBackupIsSentBeforeAnyDiskIsWritten)
{
    const std::string url = "http://10.0.0.1:8080/api/v1/hosts/0123456789abcdef0123456789abcdef/backups";
    const auto planned = keeping_plan(upgrade_xml, probe_of(modern_disk(false)), url);
    ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<Refusal>(planned).sentence;
    const auto& plan = std::get<Plan>(planned);
    const auto upload = index_of<op::UploadBackup>(plan);
    ASSERT_TRUE(upload);
    for (std::size_t i = 0; i <= *upload; ++i) {
        EXPECT_FALSE(disk_written(plan.operations[i].operation)) << describe(plan.operations[i].operation);
    }
    const auto& o = std::get<op::UploadBackup>(plan.operations[*upload].operation);
    EXPECT_EQ(o.url, url);
    EXPECT_EQ(o.root.number, 1);
    const auto text = to_text(plan);
    EXPECT_NE(text.find("to the server at http://10.0.0.1:8080, which keeps it"), std::string::npos) << text;
    EXPECT_EQ(text.find("0123456789abcdef"), std::string::npos) << "the token is not printed";
    EXPECT_FALSE(index_of<op::UploadBackup>(std::get<Plan>(keeping_plan(upgrade_xml, probe_of(modern_disk(false))))))
        << "no server, nothing sent";
}

TEST(KeepingPlan, AnUpgradeBacksUpVerifiesAndMarksBeforeItTouchesTheRoot)
{
    const auto planned = keeping_plan(upgrade_xml, probe_of(modern_disk(false)));
    ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<Refusal>(planned).sentence;
    const auto& plan = std::get<Plan>(planned);
    const auto backup = index_of<op::BackupRoot>(plan);
    const auto verify = index_of<op::VerifyBackup>(plan);
    const auto mark = index_of<op::MarkBackup>(plan);
    const auto fetch = index_of<op::FetchSource>(plan);
    const auto root = index_of<op::MakeFilesystem>(plan);
    ASSERT_TRUE(backup && verify && mark && fetch && root);
    EXPECT_LT(*backup, *verify);
    EXPECT_EQ(*verify + 1, *mark) << "the marker right after the verification";
    EXPECT_LT(*mark, *fetch);
    EXPECT_LT(*fetch, *root);
    EXPECT_FALSE(index_of<op::PartitionDisk>(plan)) << "the layout is kept";
    EXPECT_FALSE(index_of<op::WipeDisk>(plan));
    EXPECT_FALSE(index_of<op::SetRootPassword>(plan)) << "the hash is carried over";
    const auto& mkfs = std::get<op::MakeFilesystem>(plan.operations[*root].operation);
    EXPECT_EQ(mkfs.partition.number, 1);
    EXPECT_EQ(mkfs.label, "root-abcdef") << "the old label";
    const auto& inv = std::get<op::WriteInventory>(plan.operations[*index_of<op::WriteInventory>(plan)].operation);
    EXPECT_EQ(inv.fields.installation_uuid, "11111111-2222-3333-4444-555555555555");
    EXPECT_EQ(inv.fields.control_domain_uuid, "66666666-7777-8888-9999-000000000000");
    EXPECT_EQ(inv.fields.dom0_mem_mib, 4096) << "the larger of the old and the new default";
    EXPECT_EQ(inv.fields.management_interface, "xenbr0");
    EXPECT_EQ(plan.never_written, (std::vector<Target>{{"sda", 3}, {"sdb", Target::whole_disk}}));
    for (const auto& o : plan.operations) {
        if (const auto t = disk_written(o.operation)) {
            EXPECT_NE(t->partition, 3) << describe(o.operation);
            EXPECT_NE(t->partition, 6) << "swap is not remade: " << describe(o.operation);
            EXPECT_EQ(t->disk, "sda");
        }
    }
    ASSERT_TRUE(plan.replacement);
    EXPECT_EQ(plan.replacement->from, *root);
    EXPECT_FALSE(plan.failure_log) << "the logs partition keeps its old logs";
}

// UEFI: the ESP keeps its loader; its switch moves the boot onto the
// backup before the root is rewritten and back once it is checked, and a
// run that left it on the backup moves it back before the backup is remade.
TEST(KeepingPlan, UefiBootsTheBackupThroughTheEspWhileTheRootIsRewritten)
{
    auto probe = probe_of(modern_disk(true));
    probe.uefi = true;
    const auto planned = keeping_plan(upgrade_xml, probe);
    ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<Refusal>(planned).sentence;
    const auto& plan = std::get<Plan>(planned);
    const auto to_backup = index_of<op::BootFromBackup>(plan);
    const auto root = index_of<op::MakeFilesystem>(plan);
    ASSERT_TRUE(to_backup && root) << to_text(plan);
    EXPECT_EQ(*to_backup + 1, *root) << to_text(plan);
    const auto& o = std::get<op::BootFromBackup>(plan.operations[*to_backup].operation);
    ASSERT_TRUE(o.esp);
    EXPECT_EQ(o.esp->number, 4);
    EXPECT_EQ(o.root_label, "root-abcdef");
    ASSERT_TRUE(std::holds_alternative<op::EspBootsRoot>(plan.operations.back().operation)) << to_text(plan);
    EXPECT_FALSE(index_of<op::PopulateEsp>(plan)) << "the ESP is not rewritten";
    for (const auto& planned_op : plan.operations) {
        if (const auto* mkfs = std::get_if<op::MakeFilesystem>(&planned_op.operation)) {
            EXPECT_NE(mkfs->partition.number, 4) << "the ESP is not remade";
        }
    }
    ASSERT_TRUE(plan.replacement);
    EXPECT_NE(plan.replacement->after.find("and the disk boots it"), std::string::npos) << plan.replacement->after;
    EXPECT_NE(to_text(plan).find("grubenv of the ESP on sda partition 4 rewritten in place"), std::string::npos)
        << to_text(plan);

    probe.disks[0].partitions[3].esp_switch = "backup";
    const auto again = std::get<Plan>(keeping_plan(upgrade_xml, probe));
    const auto first_back = index_of<op::EspBootsRoot>(again);
    const auto backup = index_of<op::BackupRoot>(again);
    ASSERT_TRUE(first_back && backup) << to_text(again);
    EXPECT_LT(*first_back, *backup) << "the root boots again before the backup is rewritten";
}

// BIOS with GRUB (XCP-ng 8 layout): a core image that reads the backup's
// grub.cfg goes into the BIOS boot partition and the MBR is pointed at it
// before the root is rewritten; one that boots the root, last. A run that
// left the MBR loading the backup's core moves it back first.
TEST(KeepingPlan, BiosGrubBootsTheBackupThroughACoreImageWhileTheRootIsRewritten)
{
    auto probe = probe_of(modern_disk(false));
    const auto planned = keeping_plan(upgrade_xml, probe);
    ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<Refusal>(planned).sentence;
    const auto& plan = std::get<Plan>(planned);
    const auto to_backup = index_of<op::BootFromBackup>(plan);
    const auto root = index_of<op::MakeFilesystem>(plan);
    const auto back = index_of<op::GrubBootsRoot>(plan);
    ASSERT_TRUE(to_backup && root && back) << to_text(plan);
    EXPECT_EQ(*to_backup + 1, *root) << to_text(plan);
    EXPECT_GT(*back, *index_of<op::CheckFilesystem>(plan)) << "the root is checked before it boots";
    const auto& o = std::get<op::BootFromBackup>(plan.operations[*to_backup].operation);
    ASSERT_TRUE(o.grub_boot);
    EXPECT_EQ(o.grub_boot->number, 4);
    EXPECT_FALSE(o.esp);
    EXPECT_EQ(o.grub_modules, "/usr/lib/grub/i386-pc");
    const auto& r = std::get<op::GrubBootsRoot>(plan.operations[*back].operation);
    EXPECT_EQ(r.boot.number, 4);
    EXPECT_EQ(r.root.number, 1);
    EXPECT_FALSE(index_of<op::InstallExtlinux>(plan));
    for (const auto& planned_op : plan.operations) {
        if (const auto t = disk_written(planned_op.operation)) {
            EXPECT_NE(t->partition, 3) << describe(planned_op.operation);
        }
    }
    ASSERT_TRUE(plan.replacement);
    EXPECT_NE(plan.replacement->after.find("and the disk boots it"), std::string::npos) << plan.replacement->after;
    EXPECT_NE(to_text(plan).find("the MBR pointed at it in one sector"), std::string::npos) << to_text(plan);

    probe.disks[0].grub_core_boots = "backup";
    const auto again = std::get<Plan>(keeping_plan(upgrade_xml, probe));
    const auto first_back = index_of<op::GrubBootsRoot>(again);
    const auto backup = index_of<op::BackupRoot>(again);
    ASSERT_TRUE(first_back && backup) << to_text(again);
    EXPECT_LT(*first_back, *backup) << "the root boots again before the backup is rewritten";
}

TEST(KeepingPlan, ARestoreFindsItsOneBackupAndRefusesTwoOrNone)
{
    const auto restore_xml = std::string("<restore/>");
    auto disk = modern_disk(false);
    EXPECT_EQ(std::get<Refusal>(keeping_plan(restore_xml, probe_of(disk))).sentence,
              "no backup found (no partition with .xen-backup-partition) on the disks the answerfile names; nothing "
              "was touched");
    disk.partitions[1].backup_marker = true;
    disk.partitions[1].backup_inventory = inventory;
    auto probe = probe_of(disk);
    const auto planned = keeping_plan(restore_xml, probe);
    ASSERT_TRUE(std::holds_alternative<Plan>(planned)) << std::get<Refusal>(planned).sentence;
    const auto& plan = std::get<Plan>(planned);
    EXPECT_EQ(index_of<op::VerifyBackup>(plan), 1U) << "checked right after the disk";
    EXPECT_TRUE(index_of<op::StageBackup>(plan));
    EXPECT_FALSE(index_of<op::BackupRoot>(plan));
    EXPECT_FALSE(index_of<op::FetchSource>(plan));
    EXPECT_FALSE(index_of<op::WriteInventory>(plan)) << "the backup's own inventory comes back";

    // The root's label lost (a failed upgrade): the backup's inventory names it.
    probe.disks[0].partitions[2].label = "";
    probe.disks[0].partitions[2].root_facts.reset();
    const auto relabelled = keeping_plan(restore_xml, probe);
    ASSERT_TRUE(std::holds_alternative<Plan>(relabelled)) << std::get<Refusal>(relabelled).sentence;
    EXPECT_EQ(std::get<op::MakeFilesystem>(std::get<Plan>(relabelled).operations[*index_of<op::MakeFilesystem>(std::get<Plan>(relabelled))].operation).label,
              "root-abcdef");

    probe = probe_of(disk);
    probe.disks[1].partitions.push_back(part(1, 1, 100, "", "", "0x83", "ext3"));
    probe.disks[1].partitions.back().backup_marker = true;
    EXPECT_EQ(std::get<Refusal>(keeping_plan(restore_xml, probe)).sentence,
              "several backups found (sda partition 2, sdb partition 1): say which with <backup-disk>; nothing was "
              "touched");
    EXPECT_TRUE(std::holds_alternative<Plan>(keeping_plan("<restore><backup-disk>sda</backup-disk></restore>", probe)));
}

// The fake adapters record what they are asked; one operation may throw.
class Recorder final : public Adapters {
public:
    std::vector<std::string> steps;
    std::optional<std::size_t> fail_at;
    void confirm_disk(const std::string&) override {}
    std::vector<std::string> journal{2};
    void record(int slot, const std::string& block) override { journal.at(static_cast<std::size_t>(slot)) = block; }
    std::string apply(const Operation& operation) override
    {
        const auto index = steps.size();
        steps.push_back(describe(operation));
        if (fail_at == index) {
            throw std::runtime_error("failed");
        }
        return {};
    }
};

TEST(KeepingPlan, AFailureBeforeTheRootIsRewrittenLeavesTheOldOneAndNoMarkerWithoutAVerification)
{
    const auto plan = std::get<Plan>(keeping_plan(upgrade_xml, probe_of(modern_disk(false))));
    Recorder all;
    std::ostringstream quiet;
    Progress progress(quiet, "");
    ASSERT_TRUE(execute(plan, all, progress).ok) << "nothing in the plan aims at what it keeps";
    const auto verify = *index_of<op::VerifyBackup>(plan);
    const auto marker = describe(plan.operations[*index_of<op::MarkBackup>(plan)].operation);
    const auto root = describe(plan.operations[plan.replacement->from].operation);
    for (std::size_t failing = 0; failing < plan.operations.size(); ++failing) {
        Recorder fake;
        fake.fail_at = failing;
        std::ostringstream console;
        Progress p(console, "");
        const auto r = execute(plan, fake, p);
        EXPECT_FALSE(r.ok);
        const bool marked = std::find(fake.steps.begin(), fake.steps.end(), marker) != fake.steps.end();
        EXPECT_EQ(marked, failing > verify) << failing << ": the marker only after a verification that passed";
        const bool rewritten = std::find(fake.steps.begin(), fake.steps.end(), root) != fake.steps.end();
        EXPECT_EQ(rewritten, failing >= plan.replacement->from) << failing;
        EXPECT_NE(console.str().find(failing < plan.replacement->from ? "is untouched and boots as before"
                                                                      : "the verified backup on sda partition 2 holds "
                                                                        "the old one"),
                  std::string::npos)
            << failing << ": " << console.str();
    }
}

}  // namespace
}  // namespace xcp::installer
