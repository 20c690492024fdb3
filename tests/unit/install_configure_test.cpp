// The installer's pure parts past the plan: the new root's files, the boot
// loader configuration, the swap header, progress events.
#include "installer-agent/configure/boot_switch.hpp"
#include "installer-agent/configure/bootloader.hpp"
#include "installer-agent/configure/control_domain.hpp"
#include "installer-agent/disk/filesystems.hpp"
#include "installer-agent/disk/fat_directory.hpp"
#include "installer-agent/disk/vfat_files.hpp"
#include "installer-agent/plan/plan.hpp"
#include "installer-agent/report/progress.hpp"
#include "libxcp/answerfile/parser.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <map>

namespace xcp::installer {
namespace {

answerfile::Answerfile answer(const std::string& body)
{
    const auto r = answerfile::parse("<installation>" + body +
                                     "<root-password type=\"hash\">$6$a$b</root-password>"
                                     "<source type=\"url\">http://x/</source><keymap>de</keymap></installation>");
    EXPECT_TRUE(r.valid());
    return r.model.value_or(answerfile::Answerfile{});
}

Plan plan_for(const answerfile::Answerfile& a, LayoutEra era)
{
    Probe p;
    p.disks.push_back({"sda", "/dev/sda", true, 64 * GiB, 512, "", {}, false});
    p.disks.push_back({"sdb", "/dev/sdb", true, 64 * GiB, 512, "", {}, false});
    p.disks.push_back({"disk/by-id/ata-X", "/dev/disk/by-id/ata-X", true, 64 * GiB, 512, "", {}, false});
    PlanOptions o;
    o.era = era;
    o.identities = {"i-uuid", "c-uuid", "abc"};
    auto r = make_plan(a, p, o);
    EXPECT_TRUE(std::holds_alternative<Plan>(r));
    return std::get<Plan>(r);
}

// The files the plan's operations write, the inventory completed as the
// executor completes it from the unpacked repositories.
std::map<std::string, RootFile> files_of(const answerfile::Answerfile&, const Plan& plan)
{
    std::map<std::string, RootFile> out;
    for (const auto& planned : plan.operations) {
        if (const auto* write = std::get_if<op::WriteRootFiles>(&planned.operation)) {
            for (const auto& f : write->files) {
                out[f.path] = f;
            }
        }
        if (const auto* inventory = std::get_if<op::WriteInventory>(&planned.operation)) {
            auto fields = inventory->fields;
            add_product(fields, {{"xs:linux", "5.5.0", "1", "legacy"}, {"xs:main", "5.5.0", "25727", "legacy"}});
            out["etc/xensource-inventory"] = {"etc/xensource-inventory", inventory_text(fields)};
        }
    }
    return out;
}

TEST(ControlDomain, InventoryStorageAndNetwork)
{
    const auto a = answer("<primary-disk>sda</primary-disk><guest-disk>disk/by-id/ata-X</guest-disk>"
                          "<admin-interface name=\"eth1\" proto=\"static\" vlan=\"42\"><ip>192.0.2.5</ip>"
                          "<subnet-mask>255.255.255.0</subnet-mask><gateway>192.0.2.1</gateway></admin-interface>"
                          "<nameserver>192.0.2.53</nameserver><nameserver>192.0.2.54</nameserver>"
                          "<hostname>h1</hostname><timezone>America/Los_Angeles</timezone>");
    const auto plan = plan_for(a, LayoutEra::legacy);
    auto f = files_of(a, plan);
    const auto& inventory = f["etc/xensource-inventory"].content;
    EXPECT_NE(inventory.find("PRIMARY_DISK='/dev/sda'\nBACKUP_PARTITION='/dev/sda2'\n"
                             "PARTITION_LAYOUT='ROOT,BACKUP,SR'\nINSTALLATION_UUID='i-uuid'\n"
                             "CONTROL_DOMAIN_UUID='c-uuid'\n"),
              std::string::npos)
        << inventory;
    EXPECT_NE(inventory.find("MANAGEMENT_INTERFACE='xenbr1'"), std::string::npos);
    EXPECT_NE(inventory.find("BUILD_NUMBER='25727'"), std::string::npos) << "the main repository's build";
    EXPECT_EQ(f["etc/firstboot.d/data/default-storage.conf"].content,
              "XSPARTITIONS='/dev/sda3 /dev/disk/by-id/ata-X'\nXSTYPE='lvm'\n");
    EXPECT_EQ(f["etc/firstboot.d/data/management.conf"].content,
              "LABEL='eth1'\nMODE='static'\nIP='192.0.2.5'\nNETMASK='255.255.255.0'\nGATEWAY='192.0.2.1'\n"
              "DNS='192.0.2.53,192.0.2.54'\nVLAN=42\n");
    EXPECT_EQ(f["etc/resolv.conf"].content, "nameserver 192.0.2.53\nnameserver 192.0.2.54\n");
    EXPECT_TRUE(f["etc/localtime"].symlink);
    EXPECT_EQ(f["etc/localtime"].content, "../usr/share/zoneinfo/America/Los_Angeles");
    EXPECT_EQ(f["etc/sysconfig/keyboard"].content, "KEYTABLE=\"de\"\n");
    EXPECT_EQ(f.count("etc/chrony.conf"), 0U) << "2009: ntp.conf";
    EXPECT_NE(f["etc/ntp.conf"].content.find("server 0.xenserver.pool.ntp.org"), std::string::npos)
        << "static interface, no servers: the default pool";
}

TEST(ControlDomain, NoGuestStorageNoSrAndModernNames)
{
    const auto a = answer("<primary-disk guest-storage=\"no\">sda</primary-disk><admin-interface "
                          "hwaddr=\"52:54:00:00:00:01\" proto=\"dhcp\"/><ntp><ntp-server>192.0.2.9</ntp-server></ntp>");
    const auto plan = plan_for(a, LayoutEra::modern);
    auto f = files_of(a, plan);
    EXPECT_EQ(f.count("etc/firstboot.d/data/default-storage.conf"), 0U) << "no guest storage: no SR";
    EXPECT_NE(f["etc/xensource-inventory"].content.find("PARTITION_LAYOUT='ROOT,BACKUP,LOG,BOOT,SWAP'"),
              std::string::npos);
    EXPECT_NE(f["etc/xensource-inventory"].content.find("MANAGEMENT_INTERFACE=''"), std::string::npos);
    EXPECT_EQ(f["etc/firstboot.d/data/management.conf"].content, "LABEL='52:54:00:00:00:01'\nMODE='dhcp'\n");
    EXPECT_NE(f["etc/chrony.conf"].content.find("server 192.0.2.9 iburst\n"), std::string::npos);
    EXPECT_NE(f["etc/fstab"].content.find("LABEL=logs-abc /var/log ext3"), std::string::npos);
    EXPECT_EQ(f.count("etc/resolv.conf"), 0U);
}

TEST(ControlDomain, RootHashInShadow)
{
    EXPECT_EQ(with_root_hash("root:*:14000:0:99999:7:::\nbin:*:1::\n", "$6$s$h"),
              "root:$6$s$h:14000:0:99999:7:::\nbin:*:1::\n");
    EXPECT_EQ(with_root_hash("", "$6$s$h"), "root:$6$s$h:0:0:99999:7:::\n") << "no shadow: one root line";
    EXPECT_EQ(with_root_hash("bin:*:1::\nrootx:y:1::\n", "H"), "root:H:0:0:99999:7:::\nbin:*:1::\nrootx:y:1::\n");
    const auto u = new_uuid();
    ASSERT_EQ(u.size(), 36U);
    EXPECT_EQ(u[14], '4') << "version 4";
    EXPECT_NE(new_uuid(), u);
}

TEST(Bootloader, ExtlinuxFor2009AndGrubForModern)
{
    const auto files = find_boot_files({"xen-3.4.2.gz", "vmlinuz-2.6.27", "vmlinuz-2.6.32", "initrd-2.6.32.img",
                                        "xen.gz.map", "System.map"});
    ASSERT_TRUE(files);
    EXPECT_EQ(files->xen, "xen-3.4.2.gz");
    EXPECT_EQ(files->kernel, "vmlinuz-2.6.32");
    EXPECT_FALSE(find_boot_files({"vmlinuz-2.6.32"})) << "no Xen: cannot boot";
    using answerfile::BootloaderKind;
    const auto legacy = boot_settings(BootloaderKind::unspecified, true, false, "dos", "root-abc", 752);
    EXPECT_EQ(legacy.loader, BootLoader::extlinux);
    EXPECT_EQ(legacy.boot_code, "mbr.bin");
    EXPECT_EQ(legacy.path, "boot/extlinux.conf");
    const auto legacy_text = bootloader_config(legacy, *files);
    EXPECT_NE(legacy_text.find("kernel mboot.c32\n  append /boot/xen-3.4.2.gz dom0_mem=752M,max:752M "),
              std::string::npos)
        << legacy_text;
    EXPECT_NE(legacy_text.find(" --- /boot/vmlinuz-2.6.32 root=LABEL=root-abc ro "), std::string::npos);
    EXPECT_NE(legacy_text.find(" --- /boot/initrd-2.6.32.img\n"), std::string::npos) << "the three dashes";
    const auto modern = boot_settings(BootloaderKind::unspecified, false, false, "gpt", "root-abc", 2048);
    EXPECT_EQ(modern.loader, BootLoader::grub2);
    EXPECT_EQ(modern.path, "boot/grub/grub.cfg");
    const auto modern_text = bootloader_config(modern, *files);
    EXPECT_NE(modern_text.find("multiboot2 /boot/xen-3.4.2.gz"), std::string::npos);
    EXPECT_NE(modern_text.find("module2 /boot/initrd-2.6.32.img"), std::string::npos);
    EXPECT_NE(modern_text.find("search --label --set root root-abc"), std::string::npos);
    const auto forced = boot_settings(BootloaderKind::extlinux, false, false, "gpt", "root-abc", 2048);
    EXPECT_EQ(forced.loader, BootLoader::extlinux);
    EXPECT_EQ(forced.boot_code, "gptmbr.bin");
    EXPECT_EQ(boot_settings(BootloaderKind::grub2, true, false, "dos", "root-abc", 2048).loader, BootLoader::grub2)
        << "asked for grub on the 2009 layout";
    const auto uefi = boot_settings(BootloaderKind::extlinux, true, true, "gpt", "root-abc", 2048);
    EXPECT_EQ(uefi.loader, BootLoader::grub2) << "extlinux boots BIOS machines only";
    EXPECT_TRUE(uefi.uefi);
    EXPECT_EQ(uefi.path, "boot/grub/grub.cfg") << "in the root; the ESP's switch hands over to it";
}

TEST(BootSwitch, TheEspConfigReadsGrubenvAndFindsTheRootByLabelOrTheBackupByUuid)
{
    const auto config = esp_switch_config("root-abc123");
    EXPECT_NE(config.find("set xcp_boot=root\nload_env -f /EFI/xenserver/grubenv\n"), std::string::npos) << config;
    EXPECT_NE(config.find("if [ \"$xcp_boot\" = backup ]; then\n"
                          "  search --no-floppy --fs-uuid --set=root $xcp_backup\n"
                          "  configfile /.xcp-backup-boot/grub.cfg\nfi\n"),
              std::string::npos)
        << config;
    EXPECT_TRUE(config.ends_with("search --no-floppy --label --set=root root-abc123\nconfigfile /boot/grub/grub.cfg\n"))
        << config;
    EXPECT_EQ(config.find("multiboot2"), std::string::npos) << "nothing in it changes with the version: " << config;
}

TEST(BootSwitch, GrubenvIsAWholeBlockWhoseVariablesFitTheFirstSector)
{
    const std::string uuid = "0b9f7d8e-5c4a-4e21-9a53-6f3c2d1e0a77";
    const auto root = grub_env_block(BootTarget::root);
    const auto backup = grub_env_block(BootTarget::backup, uuid);
    for (const auto& block : {root, backup}) {
        ASSERT_EQ(block.size(), 1024U);
        EXPECT_TRUE(block.starts_with("# GRUB Environment Block\n"));
        EXPECT_EQ(block.find_first_not_of('#', 512), std::string::npos) << "the second sector never changes";
    }
    EXPECT_EQ(root.substr(25, 15), "xcp_boot=root\n#");
    EXPECT_EQ(backup.substr(25, 16 + 11 + uuid.size() + 1), "xcp_boot=backup\nxcp_backup=" + uuid + "\n");
    EXPECT_EQ(read_grub_env_block(root), BootTarget::root);
    EXPECT_EQ(read_grub_env_block(backup), BootTarget::backup);
    EXPECT_EQ(root.substr(512), backup.substr(512));
    EXPECT_FALSE(read_grub_env_block(root.substr(0, 1023)));
    EXPECT_FALSE(read_grub_env_block("# GRUB Environment Block\nsaved_entry=0\n" + std::string(986, '#')))
        << "grub's own block, not this switch's";
    EXPECT_FALSE(read_grub_env_block(grub_env_block(BootTarget::backup, "")));
}

TEST(BootSwitch, TheBackupsGrubConfigFindsItByUuid)
{
    const std::string root_config = "set default=0\nmenuentry 'XCP-ng' {\n  search --label --set root root-abc\n"
                                    "  multiboot2 /boot/xen.gz dom0_mem=2048M\n"
                                    "  module2 /boot/vmlinuz root=LABEL=root-abc ro console=hvc0\n}\n";
    EXPECT_EQ(grub_config_booting_backup(root_config, "1234-abcd"),
              "set default=0\nmenuentry 'XCP-ng' {\n  search --no-floppy --fs-uuid --set=root 1234-abcd\n"
              "  multiboot2 /boot/xen.gz dom0_mem=2048M\n"
              "  module2 /boot/vmlinuz root=UUID=1234-abcd ro console=hvc0\n}\n");
    // Only a search command is rewritten (esp_switch_fuzz found "--label"
    // before "search" on one line).
    EXPECT_EQ(grub_config_booting_backup("echo --label search here\n\tsearch -n --label --set root root-abc", "u"),
              "echo --label search here\n\tsearch --no-floppy --fs-uuid --set=root u\n");
}

// A FAT32 boot sector as mkfs.fat -F 32 -s 8 writes it for a 300 MiB
// partition: 32 reserved sectors, two FATs of 600 sectors, 4 KiB clusters.
TEST(FatClusterOffset, FromTheBootSector)
{
    std::array<unsigned char, 512> b{};
    b[11] = 0x00;
    b[12] = 0x02;  // 512 bytes per sector
    b[13] = 8;
    b[14] = 32;
    b[16] = 2;
    b[36] = 0x58;
    b[37] = 0x02;  // 600 sectors per FAT (FAT32: the 16-bit field is 0)
    b[510] = 0x55;
    b[511] = 0xaa;
    EXPECT_EQ(fat_cluster_offset(b, 2), (32U + 2 * 600) * 512);
    EXPECT_EQ(fat_cluster_offset(b, 6), (32U + 2 * 600 + 4 * 8) * 512);
    EXPECT_FALSE(fat_cluster_offset(b, 1)) << "clusters start at 2";
    auto no_signature = b;
    no_signature[511] = 0;
    EXPECT_FALSE(fat_cluster_offset(no_signature, 2));
    auto odd_sector = b;
    odd_sector[12] = 0x03;
    EXPECT_FALSE(fat_cluster_offset(odd_sector, 2));
    // FAT16: a root directory of 512 entries (32 sectors) before the data.
    auto fat16 = b;
    fat16[13] = 4;
    fat16[14] = 4;
    fat16[17] = 0x00;
    fat16[18] = 0x02;
    fat16[22] = 200;
    EXPECT_EQ(fat_cluster_offset(fat16, 3), (4U + 2 * 200 + 32 + 4) * 512);
}

namespace {

// A directory entry: 8.3 name as stored, attributes, first cluster, size.
std::array<unsigned char, 32> fat_entry(std::string_view stored, unsigned char attributes, std::uint32_t cluster,
                                        std::uint32_t size)
{
    std::array<unsigned char, 32> e{};
    std::copy(stored.begin(), stored.end(), e.begin());
    e[11] = attributes;
    e[20] = static_cast<unsigned char>(cluster >> 16);
    e[21] = static_cast<unsigned char>(cluster >> 24);
    e[26] = static_cast<unsigned char>(cluster);
    e[27] = static_cast<unsigned char>(cluster >> 8);
    for (int i = 0; i < 4; ++i) {
        e[28 + i] = static_cast<unsigned char>(size >> (8 * i));
    }
    return e;
}

}  // namespace

TEST(FatDirectory, EntriesFoundBy83NameWithoutCaseAndExchangedInPlace)
{
    std::vector<unsigned char> dir;
    const auto add = [&](const std::array<unsigned char, 32>& e) { dir.insert(dir.end(), e.begin(), e.end()); };
    add(fat_entry(".          ", 0x10, 4, 0));
    add(fat_entry("..         ", 0x10, 0, 0));
    auto gone = fat_entry("GRUB    CFG", 0x20, 9, 10);
    gone[0] = 0xe5;  // deleted: skipped
    add(gone);
    auto long_part = fat_entry("AgXXXXXXXXX", 0x0f, 0, 0);  // a long name's part: skipped
    add(long_part);
    add(fat_entry("grub    cfg", 0x20, 0x12345, 4321));  // as some tools store it
    add(fat_entry("XCPSWTCHCFG", 0x20, 0x70007, 999));
    add(fat_entry("GRUBX64 EFI", 0x20, 30, 100000));
    const auto used = dir.size();
    dir.resize(dir.size() + 64, 0);  // the end marker, then whatever
    add(fat_entry("LATER   CFG", 0x20, 50, 1));

    EXPECT_EQ(find_short_entry(dir, "grub.cfg"), 4U);
    EXPECT_EQ(find_short_entry(dir, "GRUB.CFG"), 4U);
    EXPECT_EQ(find_short_entry(dir, "XCPSWTCH.CFG"), 5U);
    EXPECT_EQ(find_short_entry(dir, "grubx64.efi"), 6U);
    EXPECT_FALSE(find_short_entry(dir, "later.cfg")) << "after the end marker";
    EXPECT_FALSE(find_short_entry(dir, "grubenv"));
    EXPECT_FALSE(find_short_entry(dir, "toolongname.cfg")) << "not 8.3";
    EXPECT_FALSE(find_short_entry(dir, "a.b.c"));
    EXPECT_FALSE(find_short_entry(std::span(dir).first(31), "grub.cfg")) << "no part of an entry is read";

    const auto before = dir;
    exchange_entry_contents(dir, 4, 5);
    const auto swapped_grub = fat_entry("grub    cfg", 0x20, 0x70007, 999);
    const auto swapped_other = fat_entry("XCPSWTCHCFG", 0x20, 0x12345, 4321);
    EXPECT_TRUE(std::equal(swapped_grub.begin(), swapped_grub.end(), dir.begin() + 4 * 32));
    EXPECT_TRUE(std::equal(swapped_other.begin(), swapped_other.end(), dir.begin() + 5 * 32));
    EXPECT_TRUE(std::equal(dir.begin(), dir.begin() + 4 * 32, before.begin())) << "nothing else changes";
    EXPECT_TRUE(std::equal(dir.begin() + 6 * 32, dir.begin() + static_cast<std::ptrdiff_t>(used),
                           before.begin() + 6 * 32));
    exchange_entry_contents(dir, 4, 5);
    EXPECT_EQ(dir, before);
}

TEST(FatDirectory, ClusterChainsAsMshowfatPrintsThem)
{
    using Chain = std::vector<std::uint32_t>;
    EXPECT_EQ(parse_cluster_chain("::/EFI/xenserver <4>\n"), Chain({4}));
    EXPECT_EQ(parse_cluster_chain("::/EFI/xenserver <4-6 9 12-13>\n"), Chain({4, 5, 6, 9, 12, 13}));
    EXPECT_EQ(parse_cluster_chain("::/EFI/xenserver <4> <20-21>\n"), Chain({4, 20, 21})) << "fragments";
    for (const auto* bad : {"", "::/x", "::/x <>", "::/x <1>", "::/x <6-4>", "::/x <4x>", "::/x <-4>",
                            "::/x <4-99999999>", "::/x <4>garbage <", "::/x <4", "::/x <4-5-6>"}) {
        EXPECT_FALSE(parse_cluster_chain(bad)) << bad;
    }
}

TEST(SwapHeader, AsMkswapWritesIt)
{
    std::array<unsigned char, 16> uuid{};
    uuid[0] = 0xab;
    const auto h = swap_header(1ULL << 30, "swap-abc", uuid);
    ASSERT_EQ(h.size(), 4096U);
    EXPECT_EQ(h.substr(4086), "SWAPSPACE2");
    EXPECT_EQ(h[1024], 1) << "version 1";
    EXPECT_EQ(static_cast<unsigned char>(h[1028]) | static_cast<unsigned char>(h[1029]) << 8 |
                  static_cast<unsigned char>(h[1030]) << 16,
              (1 << 18) - 1)
        << "last page";
    EXPECT_EQ(static_cast<unsigned char>(h[1036]), 0xab);
    EXPECT_EQ(h.substr(1052, 8), "swap-abc");
    EXPECT_EQ(partition_path("nvme0n1", 3), "/dev/nvme0n1p3");
    EXPECT_EQ(partition_path("/dev/sda", 1), "/dev/sda1");
    EXPECT_EQ(partition_path("disk/by-id/scsi-1", 2), "/dev/disk/by-id/scsi-1-part2");
}

TEST(ProgressEvents, UrlAndBody)
{
    const std::string token = "0123456789abcdef0123456789abcdef";
    EXPECT_EQ(events_url_for("http://10.0.0.1:8080/answerfile/" + token),
              "http://10.0.0.1:8080/api/v1/hosts/" + token + "/events");
    EXPECT_EQ(events_url_for("http://pxe/prefix/answerfile/" + token), "http://pxe/prefix/api/v1/hosts/" + token + "/events");
    EXPECT_FALSE(events_url_for("http://pxe/answers/h1.xml"));
    // Another server's /answerfile/ folder is not xcp-pxe: an upgrade from it
    // sends no backup (and posts no events) to a server that would refuse them.
    EXPECT_FALSE(events_url_for("http://web/answerfile/upgrade.xml"));
    EXPECT_FALSE(events_url_for("http://web/answerfile/0123abcd"));
    EXPECT_FALSE(events_url_for("http://web/answerfile/" + std::string(32, 'G')));
    EXPECT_FALSE(events_url_for("file:///answerfile/tok"));
    EXPECT_FALSE(events_url_for("http://pxe/answerfile/"));
    const auto j = nlohmann::json::parse(event_json({42, "fetch", "xs:main dom0fs", std::nullopt}));
    EXPECT_EQ(j["percent"], 42);
    EXPECT_EQ(j["step"], "fetch");
    EXPECT_FALSE(j.contains("final"));
    EXPECT_EQ(nlohmann::json::parse(event_json({100, "failed", "bad \xff", false}))["final"], "failure")
        << "invalid UTF-8 in a message does not throw";
}

}  // namespace
}  // namespace xcp::installer
