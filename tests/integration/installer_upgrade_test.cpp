// Upgrade, reinstall and restore by xcp-installer on sparse image files: a
// fresh install of version A, VM data in the SR partition and on a guest
// disk, settings changed in the installed root (a file for every
// carry-over entry), then an upgrade to version B and a restore of A. Read
// back with tools we did not write: debugfs, e2fsck, sfdisk.
#include "tests/integration/upgrade_fixture.hpp"
#include "tests/support/debian_packages.hpp"
#include "tests/support/golden.hpp"

#include <unistd.h>

namespace xcp::test {
namespace {

TEST_F(InstallerUpgrade, UpgradeKeepsEverySettingAndVmThenRestoreBringsTheOldRootBack)
{
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    complete_first_boot();
    ASSERT_NO_FATAL_FAILURE(change_settings());
    write_vm_data();
    const auto old_inventory = cat(root_, "/etc/xensource-inventory");
    const auto label = inventory_value(root_, "ROOT_LABEL");
    ASSERT_TRUE(label.starts_with("root-")) << old_inventory;

    auto r = installer(upgrade_answerfile(repo_b_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("entries match"), std::string::npos) << "the backup was verified: " << r.output;
    EXPECT_NE(r.output.find("The installation completed successfully."), std::string::npos) << r.output;

    // Version B, with the old identity.
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "0.1.2");
    for (const auto* key : {"INSTALLATION_UUID", "CONTROL_DOMAIN_UUID", "ROOT_LABEL"}) {
        EXPECT_EQ(inventory_value(root_, key), value_in(old_inventory, key)) << key;
    }
    EXPECT_EQ(cat(root_, "/etc/motd"), "XCP B\n");
    EXPECT_EQ(cat(root_, "/usr/bin/xapi"), read_text(dir_.path() / "content-b/usr/bin/xapi"));
    // Every carry-over row, identical where the table puts it.
    for (const auto& row : carry_rows) {
        const std::string to = row.new_path;
        if (to == "etc/localtime") {
            EXPECT_EQ(stat_line(root_, "/etc", "localtime"), before_[row.old_path]) << "the symlink is kept";
            EXPECT_NE(run("debugfs -R 'stat /etc/localtime' " + quote(spec(root_))).output.find(
                          "Fast link dest: \"../usr/share/zoneinfo/Asia/Tokyo\""),
                      std::string::npos);
            continue;
        }
        EXPECT_EQ(cat(root_, "/" + to), before_[row.old_path]) << row.old_path << " -> " << to;
    }
    EXPECT_NE(stat_line(root_, "/etc/ssh", "ssh_host_rsa_key").find("/100600/0/0/ssh_host_rsa_key/"), std::string::npos);
    EXPECT_NE(stat_line(root_, "/etc", "krb5.keytab").find("/100640/7/9/krb5.keytab/"), std::string::npos)
        << stat_line(root_, "/etc", "krb5.keytab");
    EXPECT_TRUE(cat(root_, "/etc/shadow").starts_with("root:" + old_hash + ":")) << "root's password hash is kept";
    EXPECT_NE(cat(root_, "/var/tmp/.previousVersion").find("PRODUCT_VERSION='0.1.1'"), std::string::npos);
    EXPECT_EQ(cat(root_, "/etc/firstboot.d/data/host.conf"), "UPGRADE=true\n");
    // The boot configuration points at the new root's Xen, by the same label.
    const auto extlinux = cat(root_, "/boot/extlinux.conf");
    EXPECT_NE(extlinux.find("append /boot/xen-3.4.3.gz "), std::string::npos) << extlinux;
    EXPECT_NE(extlinux.find("root=LABEL=" + label), std::string::npos) << extlinux;
    EXPECT_EQ(run("e2fsck -fn " + quote(spec(root_))).exit_code, 0);
    // The backup: complete, verified, marked, and the old version.
    EXPECT_NE(cat(backup_, "/.xen-backup-partition"), "<absent>");
    EXPECT_NE(cat(backup_, "/.xen-backup-manifest").find("\tetc/motd\n"), std::string::npos);
    EXPECT_EQ(cat(backup_, "/.xen-gpt.bin").size(), 512U) << "the MBR saved beside it";
    EXPECT_EQ(cat(backup_, "/etc/motd"), "XCP A\n");
    EXPECT_EQ(cat(backup_, "/etc/xensource-inventory"), old_inventory);
    EXPECT_EQ(run("e2fsck -fn " + quote(spec(backup_))).exit_code, 0);
    expect_vm_data_untouched();

    // Restore refusals: two backups and no <backup-disk>, then one changed byte.
    sh("cp --sparse=always " + quote(disk("sda")) + " " + quote(disk("sdd")));
    auto states = images();
    r = installer(restore_answerfile());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("several backups found (sda partition 2, sdd partition 2): say which with <backup-disk>; "
                            "nothing was touched"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(images(), states);
    fs::remove(disk("sdd"));
    const auto motd_byte = backup_byte_of("/etc/motd");
    flip_byte(disk("sda"), motd_byte);
    states = images();
    r = installer(restore_answerfile("sda"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.output.find("does not match its manifest (etc/motd: SHA-256 differs)"), std::string::npos) << r.output;
    EXPECT_EQ(images(), states) << "nothing was written";
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "0.1.2");
    flip_byte(disk("sda"), motd_byte);

    // The restore: version A back, booting its own Xen, the SR untouched.
    r = installer(restore_answerfile());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "0.1.1");
    EXPECT_EQ(cat(root_, "/etc/xensource-inventory"), old_inventory);
    EXPECT_EQ(cat(root_, "/etc/motd"), "XCP A\n");
    EXPECT_EQ(cat(root_, "/etc/krb5.conf"), before_["etc/krb5.conf"]);
    EXPECT_TRUE(cat(root_, "/etc/shadow").starts_with("root:" + old_hash + ":"));
    EXPECT_EQ(cat(root_, "/.xen-backup-manifest"), "<absent>") << "the backup's bookkeeping stays in the backup";
    const auto restored = cat(root_, "/boot/extlinux.conf");
    EXPECT_NE(restored.find("append /boot/xen-3.4.2.gz "), std::string::npos) << restored;
    EXPECT_NE(restored.find("root=LABEL=" + label), std::string::npos) << restored;
    EXPECT_EQ(run("e2fsck -fn " + quote(spec(root_))).exit_code, 0);
    expect_vm_data_untouched();
}

// A server that answers a backup as a broken one would: with another
// SHA-256, or by closing the connection halfway through the upload. It
// records the events it is sent, one JSON per line.
constexpr const char* broken_server = R"(import http.server, json, sys
mode, events = sys.argv[2], open(sys.argv[3], "a")
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        if self.path.endswith("/backups") and mode == "cut":
            self.rfile.read(length // 2)
            self.connection.close()
            self.close_connection = True
            return
        body = self.rfile.read(length)
        if self.path.endswith("/events"):
            events.write(body.decode() + "\n"); events.flush()
            answer = b"{}"
        else:
            answer = json.dumps({"id": "x", "sha256": "0" * 64}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H)
print("ready", flush=True)
s.serve_forever()
)";

// With an xcp-pxe server, an upgrade first sends the server its carry-over
// files: refused (too large, a spent token), kept with other bytes, or cut
// off, the upgrade stops before any disk is written and says why; accepted,
// the server lists it and the archive holds the old root's settings.
TEST_F(InstallerUpgrade, AnUpgradeSendsItsBackupToTheServerBeforeWritingAndStopsWhenItIsNotKept)
{
    require_programs({"curl", "python3", "zstd"});
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    complete_first_boot();
    ASSERT_NO_FATAL_FAILURE(change_settings());
    write_vm_data();

    ASSERT_NO_FATAL_FAILURE(start_server({"--backup-max-mib", "1", "--backups-keep", "2"}));
    const std::string mac = server_mac;
    const auto cli = [&](const std::string& args) { return server_cli(args); };
    const auto events_url = [&] { return server_events_url(); };
    const auto state = dir_.path() / "state";
    const auto events_of_host = [&] { return cli("host show " + mac).output; };

    // Too large for --backup-max-mib 1: a 2 MiB file in a carried directory.
    write_random_file(dir_.path() / "blob", 2 << 20, 41);
    write_root({"write " + (dir_.path() / "blob").string() + " /var/lib/xcp/blobs/big"});
    auto states = images();
    auto url = events_url();
    auto r = installer(upgrade_answerfile(repo_b_), "--events-url " + url);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("the backup was not kept by the server (the server answered 413"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("the installation on sda is untouched and boots as before"), std::string::npos) << r.output;
    EXPECT_EQ(images(), states) << "nothing was written";
    EXPECT_NE(events_of_host().find("the backup was not kept by the server (the server answered 413"),
              std::string::npos)
        << events_of_host();
    EXPECT_EQ(cli("host backups " + mac + " --json").output.find("\"id\""), std::string::npos);

    // Accepted: kept by the server, then the upgrade goes on.
    write_root({"rm /var/lib/xcp/blobs/big"});
    ASSERT_EQ(cli("host upgrade " + mac).exit_code, 0);
    url = events_url();
    r = installer(upgrade_answerfile(repo_b_), "--events-url " + url);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find(url.substr(url.find("/api/"))), std::string::npos) << "the token is not printed";
    const auto listed = nlohmann::json::parse(cli("host backups " + mac + " --json").output, nullptr, false);
    ASSERT_TRUE(listed.is_object() && listed["backups"].size() == 1U) << listed.dump();
    const auto& kept = listed["backups"][0];
    const auto id = kept["id"].get<std::string>();
    EXPECT_NE(r.output.find("upload-backup: "), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("kept as " + id), std::string::npos) << r.output;
    EXPECT_LT(r.output.find("kept as " + id), r.output.find("[  2%] backup:")) << "sent before the backup partition";
    const auto archive = state / "backups/52-54-00-aa-bb-07" / (id + ".tar.zst");
    EXPECT_EQ(run("cd " + quote(archive.parent_path().string()) + " && sha256sum -c " + quote(id + ".tar.zst.sha256"))
                  .exit_code,
              0);
    EXPECT_NE(sh("sha256sum " + quote(archive.string())).find(kept["sha256"].get<std::string>()), std::string::npos);
    const auto unpacked = dir_.path() / "unpacked";
    fs::create_directories(unpacked);
    sh("tar --zstd -xf " + quote(archive.string()) + " -C " + quote(unpacked.string()));
    for (const auto& row : carry_rows) {
        if (std::string(row.old_path) == "etc/localtime") {
            EXPECT_EQ(fs::read_symlink(unpacked / row.old_path), "../usr/share/zoneinfo/Asia/Tokyo");
            continue;
        }
        EXPECT_EQ(read_text(unpacked / row.old_path), before_[row.old_path]) << row.old_path;
    }
    EXPECT_TRUE(read_text(unpacked / "etc/shadow").starts_with("root:" + old_hash + ":"));
    EXPECT_FALSE(fs::exists(unpacked / "etc/motd")) << "only settings, not the whole root";
    EXPECT_NE(events_of_host().find("backup " + id + " kept"), std::string::npos) << events_of_host();
    expect_vm_data_untouched();

    // The token is spent once the upgrade reported: 401, and nothing written.
    complete_first_boot();
    states = images();
    r = installer(upgrade_answerfile(repo_b_), "--events-url " + url);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("(the server answered 401: unknown or used-up token: no backup is kept for it)"),
              std::string::npos)
        << r.output;
    EXPECT_EQ(images(), states);

    // A server that keeps other bytes, or cuts the upload off.
    for (const std::string mode : {"mismatch", "cut"}) {
        const auto script = dir_.path() / "broken_server.py";
        std::ofstream(script) << broken_server;
        const auto port = free_tcp_port();
        const auto posted = dir_.path() / ("events-" + mode);
        Daemon broken({"/bin/sh", "-c",
                       "exec python3 " + quote(script.string()) + " " + std::to_string(port) + " " + mode + " " +
                           quote(posted.string())},
                      dir_.path() / ("broken-" + mode + ".log"));
        ASSERT_TRUE(broken.wait_for_log("ready")) << broken.log();
        r = installer(upgrade_answerfile(repo_b_),
                      "--events-url http://127.0.0.1:" + std::to_string(port) + "/api/v1/hosts/" +
                          std::string(32, 'a') + "/events");
        EXPECT_EQ(r.exit_code, 1) << mode << ": " << r.output;
        const std::string expected = mode == "mismatch" ? "the server kept a backup with SHA-256 " + std::string(64, '0')
                                                        : "the backup was not kept by the server (";
        EXPECT_NE(r.output.find(expected), std::string::npos) << mode << ": " << r.output;
        EXPECT_EQ(images(), states) << mode;
        const auto sent = read_text(posted);
        EXPECT_NE(sent.find("\"final\":\"failure\""), std::string::npos) << sent;
        EXPECT_NE(sent.find(expected.substr(0, 30)), std::string::npos) << "the final event says why: " << sent;
    }
    expect_vm_data_untouched();
}

// A host whose disk died: its last upgrade left a backup with the server;
// `host restore MAC --from-server` makes the next boot a fresh install onto
// a blank disk that brings back its identity, settings and network.
TEST_F(InstallerUpgrade, ARestoreFromTheServerBringsAHostBackOntoABlankDisk)
{
    require_programs({"curl"});
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    complete_first_boot();
    ASSERT_NO_FATAL_FAILURE(change_settings());
    const auto old_inventory = cat(root_, "/etc/xensource-inventory");
    ASSERT_NO_FATAL_FAILURE(start_server({}));
    const std::string mac = server_mac;
    EXPECT_EQ(server_cli("host restore " + mac + " --from-server").exit_code, 1) << "no backup yet";
    ASSERT_EQ(server_cli("host upgrade " + mac).exit_code, 0);
    auto r = installer(upgrade_answerfile(repo_b_), "--events-url " + server_events_url());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto listed = nlohmann::json::parse(server_cli("host backups " + mac + " --json").output, nullptr, false);
    ASSERT_EQ(listed["backups"].size(), 1U) << listed.dump();
    const auto id = listed["backups"][0]["id"].get<std::string>();

    // The disk dies; a blank one takes its place.
    fs::remove(disk("sda"));
    sh("truncate -s 20G " + quote(disk("sda")));
    auto refused = server_cli("host restore " + mac + " --from-server 20990101T000000.000Z-00000000");
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.output.find("has no backup 20990101T000000.000Z-00000000 here"), std::string::npos)
        << refused.output;
    refused = server_cli("host restore " + mac + " " + id);
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.output.find("give --from-server too"), std::string::npos) << refused.output;
    auto asked = server_cli("host restore " + mac + " --from-server " + id);
    ASSERT_EQ(asked.exit_code, 0) << asked.output;
    ASSERT_EQ(server_cli("host reinstall " + mac).exit_code, 0);
    EXPECT_EQ(server_cli("host show " + mac).output.find("restore-backup"), std::string::npos)
        << "another request forgets it";
    asked = server_cli("host restore " + mac + " --from-server");
    ASSERT_EQ(asked.exit_code, 0) << asked.output;
    EXPECT_NE(asked.output.find("backup " + id + " applied"), std::string::npos) << asked.output;
    EXPECT_NE(server_cli("host show " + mac).output.find("restore-backup"), std::string::npos);
    const auto url = server_events_url();
    const auto fresh = "<?xml version=\"1.0\"?>\n<installation>\n"
                       "  <primary-disk>sda</primary-disk>\n"
                       "  <root-password>New-Pw-1</root-password>\n"
                       "  <source type=\"url\">file://" + repo_b_.string() + "</source>\n"
                       "  <admin-interface name=\"eth0\" proto=\"dhcp\"/>\n"
                       "  <hostname>a-new-name</hostname>\n</installation>\n";
    // A server without the backup (another server of a shared inventory):
    // refused, never a plain fresh install that would make another host.
    const auto kept_dir = dir_.path() / "state/backups";
    fs::rename(kept_dir, dir_.path() / "elsewhere");
    const auto blank = images();
    r = installer(fresh, "--events-url " + url);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("is to be restored, but this server does not keep it"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("nothing was touched"), std::string::npos) << r.output;
    EXPECT_EQ(images(), blank);
    fs::rename(dir_.path() / "elsewhere", kept_dir);
    r = installer(fresh, "--events-url " + url + " --dry-run");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("restore backup " + id + " from the server carried into the staging tree"),
              std::string::npos)
        << "the dry run shows it: " << r.output;
    r = installer(fresh, "--events-url " + url);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto t = nlohmann::json::parse(sh("sfdisk --json " + quote(disk("sda"))), nullptr, false);
    root_ = t["partitiontable"]["partitions"][0]["start"].get<std::uint64_t>() * 512;
    // Identity: the same host to its pool.
    for (const auto* key : {"INSTALLATION_UUID", "CONTROL_DOMAIN_UUID", "MANAGEMENT_INTERFACE"}) {
        EXPECT_EQ(inventory_value(root_, key), value_in(old_inventory, key)) << key;
    }
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "0.1.2") << "the release installed now";
    // Settings, pool membership and network, where the carry-over puts them.
    for (const auto& row : carry_rows) {
        if (std::string(row.old_path) == "etc/localtime") {
            EXPECT_EQ(stat_line(root_, "/etc", "localtime"), before_[row.old_path]);
            continue;
        }
        EXPECT_EQ(cat(root_, "/" + std::string(row.new_path)), before_[row.old_path]) << row.old_path;
    }
    EXPECT_TRUE(cat(root_, "/etc/shadow").starts_with("root:" + old_hash + ":")) << "the old password";
    EXPECT_EQ(cat(root_, "/etc/firstboot.d/data/host.conf"), "UPGRADE=true\n");
    EXPECT_EQ(run("e2fsck -fn " + quote(spec(root_))).exit_code, 0);
    const auto shown = server_cli("host show " + mac).output;
    EXPECT_NE(shown.find("backup " + id + " sent to be restored"), std::string::npos) << shown;
    EXPECT_EQ(shown.find("restore-backup"), std::string::npos) << "done once it succeeded: " << shown;
}

TEST_F(InstallerUpgrade, RefusalsTouchNoImage)
{
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    const auto states = images();
    const auto refused = [&](const std::string& answerfile, const std::string& sentence, const std::string& extra = {}) {
        const auto r = installer(answerfile, extra);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_NE(r.output.find(sentence), std::string::npos) << r.output;
        EXPECT_NE(r.output.find("nothing was touched"), std::string::npos) << r.output;
        EXPECT_EQ(images(), states) << sentence;
    };
    refused(upgrade_answerfile(repo_b_), "never completed its first boot (etc/firstboot.d/data/firstboot_in_progress "
                                         "is still there)");
    complete_first_boot();
    const auto after_first_boot = images();
    const auto refused_now = [&](const std::string& answerfile, const std::string& sentence, const std::string& extra = {}) {
        const auto r = installer(answerfile, extra);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_NE(r.output.find(sentence), std::string::npos) << r.output;
        EXPECT_EQ(images(), after_first_boot) << sentence;
    };
    build_legacy_repository(dir_.path() / "repo-old", dir_.path() / "content-old", "0.1.0", "xen-3.4.1.gz", "old\n", 13);
    refused_now(upgrade_answerfile(dir_.path() / "repo-old"),
                "the repository holds version 0.1.0, older than xcp:main 0.1.1 build 1234 on sda (partition 1, root-");
    refused_now(upgrade_answerfile(dir_.path() / "repo-old", "sda", "reinstall"), "a downgrade is refused");
    refused_now(upgrade_answerfile(repo_b_), "boots legacy BIOS but this host started the installer in UEFI mode",
                "--boot-mode uefi");
    refused_now(upgrade_answerfile(repo_b_, "sdb"), "disk sdb holds no XCP installation (no partition labelled root-*) "
                                                    "to upgrade; nothing was touched");
    refused_now(upgrade_answerfile(repo_b_, "sdc"), "disk sdc holds no XCP installation");
    refused_now(restore_answerfile(), "no backup found (no partition with .xen-backup-partition)");
    refused_now(upgrade_answerfile(repo_b_, "sda", "upgrade"), "moving between layouts is not done in place",
                "--layout modern");
}

TEST_F(InstallerUpgrade, ReinstallKeepsTheSrAndTheIdentity)
{
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    complete_first_boot();
    write_vm_data();
    const auto uuid = inventory_value(root_, "INSTALLATION_UUID");
    const auto shadow = cat(root_, "/etc/shadow");
    // The seed's reinstall gives settings: those given are applied over the
    // carried ones, the rest stay.
    auto answerfile = upgrade_answerfile(repo_a_, "sda", "reinstall");
    answerfile.insert(answerfile.find("</installation>"), "  <keymap>de</keymap>\n  <timezone>Asia/Tokyo</timezone>\n"
                                                           "  <root-password>Reinstall-Pw-2</root-password>\n");
    const auto r = installer(answerfile);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(r.output.find("Reinstall-Pw-2"), std::string::npos) << "the password is never printed";
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "0.1.1") << "the same version again";
    EXPECT_EQ(inventory_value(root_, "INSTALLATION_UUID"), uuid);
    EXPECT_EQ(cat(root_, "/etc/hostname"), "host-a\n") << "carried over";
    EXPECT_EQ(cat(root_, "/etc/timezone"), "Asia/Tokyo\n") << "given";
    EXPECT_EQ(cat(root_, "/etc/vconsole.conf"), "KEYMAP=de\n");
    EXPECT_NE(cat(root_, "/etc/shadow").substr(0, 40), shadow.substr(0, 40)) << "the given password";
    EXPECT_NE(cat(backup_, "/.xen-backup-partition"), "<absent>");
    expect_vm_data_untouched();
}

// `xcp-installer backup`: the upgrade's first steps on their own, before
// maintenance. Only the backup partition is written; a restore from it
// later undoes a change made since.
TEST_F(InstallerUpgrade, ABackupOnItsOwnWritesOnlyTheBackupPartition)
{
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    write_vm_data();
    const auto root_digest = sparse_digest(disk("sda"), root_, backup_ - root_);
    const auto backup = [&](const std::string& extra) {
        return run(quote(installer_binary().string()) + " backup sda --dev-dir " + quote(dev_.string()) +
                       " --work-dir " + quote((dir_.path() / "work").string()) + " " + extra,
                   std::chrono::seconds(300));
    };
    const auto states = images();
    auto r = backup("--dry-run");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("mode backup onto sda"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("never written: sda partition 1\n"), std::string::npos) << "the root is only read";
    EXPECT_EQ(images(), states);
    r = backup("");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("entries match"), std::string::npos) << r.output;
    EXPECT_NE(cat(backup_, "/.xen-backup-partition"), "<absent>");
    EXPECT_EQ(sparse_digest(disk("sda"), root_, backup_ - root_), root_digest) << "the root is byte-identical";
    expect_vm_data_untouched();
    EXPECT_EQ(backup("").exit_code, 0) << "a second backup replaces the first";

    // The digest the SR is checked with sees one changed byte.
    flip_byte(disk("sda"), sr_ + (5ULL << 30) + 4097);
    EXPECT_NE(sparse_digest(disk("sda"), sr_, sr_size_), sr_digest_);
    flip_byte(disk("sda"), sr_ + (5ULL << 30) + 4097);

    write_root({"rm /etc/motd"});
    ASSERT_EQ(cat(root_, "/etc/motd"), "<absent>");
    r = installer(restore_answerfile());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(cat(root_, "/etc/motd"), "XCP A\n");
    expect_vm_data_untouched();
    EXPECT_EQ(run(quote(installer_binary().string()) + " backup sdc --dev-dir " + quote(dev_.string())).output.find(
                  "xcp-installer: disk sdc holds no XCP installation (no partition labelled root-*) to back up; "
                  "nothing was touched"),
              0U);
}

// The proof that both disks boot: a QEMU machine without a network boots
// the upgraded disk with its own BIOS through extlinux to mboot.c32 and the
// new Xen, then the restored disk to the old one.
TEST_F(InstallerUpgrade, UpgradedAndRestoredDisksBootInQemu)
{
    if (::geteuid() != 0) {
        GTEST_SKIP() << "installing extlinux's boot sector needs root (a loop mount)";
    }
    require_programs({"qemu-system-x86_64", "extlinux"});
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    complete_first_boot();
    // Booted as far as the dom0 kernel, by the Xen named.
    const auto boots = [&](const std::string& xen, const std::string& name) {
        Daemon qemu({"/usr/bin/qemu-system-x86_64", "-m", "128", "-display", "none", "-nic", "none", "-no-reboot",
                     "-monitor", "none", "-serial", "stdio", "-drive", "file=" + disk("sda") + ",format=raw,if=ide"},
                    dir_.path() / (name + "-serial.log"));
        EXPECT_TRUE(qemu.wait_for_log("Loading /boot/vmlinuz-" + test_kernel + "... ok", std::chrono::seconds(90)))
            << name << ": " << qemu.log();
        EXPECT_NE(qemu.log().find("Loading /boot/" + xen + "... ok"), std::string::npos) << name << ": " << qemu.log();
    };
    auto r = installer(upgrade_answerfile(repo_b_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    boots("xen-3.4.3.gz", "upgraded");
    r = installer(restore_answerfile());
    ASSERT_EQ(r.exit_code, 0) << r.output;
    boots("xen-3.4.2.gz", "restored");

    // An upgrade stopped while it rewrites the root: the root is wiped as a
    // half-done mke2fs leaves it, and the disk boots the old control
    // domain from its verified backup; the next run finishes the upgrade.
    const auto plan = nlohmann::json::parse(
        run(installer_command(upgrade_answerfile(repo_b_), "--dry-run --json")).output, nullptr, false);
    ASSERT_TRUE(plan.contains("on_failure")) << plan.dump();
    // Killed once the root's mkfs has run, which is then undone.
    const auto after_mkfs = plan["on_failure"]["from_operation"].get<int>() + 1;
    r = run("XCP_INSTALLER_KILL_AT=" + std::to_string(after_mkfs) + " " +
            installer_command(upgrade_answerfile(repo_b_)));
    ASSERT_NE(r.output.find("killed before operation " + std::to_string(after_mkfs)), std::string::npos) << r.output;
    sh("dd if=/dev/zero of=" + quote(disk("sda")) + " bs=1M seek=" + std::to_string(root_ >> 20) +
       " count=64 conv=notrunc status=none");
    ASSERT_NE(run("e2fsck -fn " + quote(spec(root_))).exit_code, 0) << "the root is no filesystem now";
    boots("xen-3.4.2.gz", "interrupted");
    r = installer(upgrade_answerfile(repo_b_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("rewrites it again from the verified backup"), std::string::npos) << r.output;
    boots("xen-3.4.3.gz", "resumed");
}

// A journal whose slots hold no whole record is one the installer does not
// understand: it refuses to act until the operator says to plan without it.
TEST_F(InstallerUpgrade, AnUnreadableJournalIsRefusedUntilTheOperatorSaysSo)
{
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    complete_first_boot();
    for (const auto* slot : {"/.xcp-installer-journal-0", "/.xcp-installer-journal-1"}) {
        const auto stats = run("debugfs -R stats " + quote(spec(backup_)) + " 2>/dev/null").output;
        const auto size = std::stoull(stats.substr(stats.find_first_of("0123456789", stats.find("Block size:"))));
        const auto block = std::stoull(
            run("debugfs -R " + quote(std::string("bmap ") + slot + " 0") + " " + quote(spec(backup_)) + " 2>/dev/null")
                .output);
        ASSERT_GT(block, 0U) << slot;
        sh("printf 'not a journal' | dd of=" + quote(disk("sda")) + " bs=1 seek=" +
           std::to_string(backup_ + block * size) + " conv=notrunc status=none");
    }
    const auto status = run(quote(installer_binary().string()) + " status sda --dev-dir " + quote(dev_.string()));
    EXPECT_NE(status.output.find("sda: the journal cannot be read"), std::string::npos) << status.output;
    const auto states = images();
    auto r = installer(upgrade_answerfile(repo_b_));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("the journal on sda cannot be read (its slots hold no whole record)"), std::string::npos)
        << r.output;
    EXPECT_EQ(images(), states) << "nothing was written";
    r = installer(upgrade_answerfile(repo_b_), "--ignore-journal");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "0.1.2");
    const auto after = run(quote(installer_binary().string()) + " status sda --dev-dir " + quote(dev_.string()));
    EXPECT_NE(after.output.find("sda: an upgrade of sda: complete after"), std::string::npos) << after.output;
    EXPECT_NE(after.output.find("old version: 0.1.1"), std::string::npos) << after.output;
    EXPECT_NE(after.output.find("new version: 0.1.2"), std::string::npos) << after.output;
}

// The modern format (.treeinfo, RPMs, SHA-256) and the XCP-ng 8 layout:
// the logs partition keeps its old logs and gets the upgrade's, swap and
// the BIOS boot partition are left alone.
TEST_F(InstallerUpgrade, UpgradeFromAModernRepositoryInTheXcpNg8Layout)
{
    require_programs({"rpmbuild", "gzip", "sha256sum"});
    const auto [modern_a, modern_b] = build_modern_a_and_b();
    ASSERT_NO_FATAL_FAILURE(fresh_install(modern_a));
    ASSERT_NE(logs_, 0U);
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "8.2.1");
    complete_first_boot();
    ASSERT_NO_FATAL_FAILURE(change_settings());
    write_vm_data();
    const auto old_inventory = cat(root_, "/etc/xensource-inventory");
    const auto swap = sparse_digest(disk("sda"), 41473ULL << 20, 1ULL << 30);
    const auto first_log = cat(logs_, "/xcp-installer.log");
    ASSERT_NE(first_log, "<absent>");

    const auto r = installer(upgrade_answerfile(modern_b));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(inventory_value(root_, "PRODUCT_VERSION"), "8.3.0");
    EXPECT_EQ(inventory_value(root_, "INSTALLATION_UUID"), value_in(old_inventory, "INSTALLATION_UUID"));
    EXPECT_EQ(inventory_value(root_, "CONTROL_DOMAIN_UUID"), value_in(old_inventory, "CONTROL_DOMAIN_UUID"));
    EXPECT_EQ(cat(root_, "/etc/motd"), "XCP-ng B\n");
    for (const auto& row : carry_rows) {
        if (std::string(row.new_path) != "etc/localtime") {
            EXPECT_EQ(cat(root_, "/" + std::string(row.new_path)), before_[row.old_path]) << row.old_path;
        }
    }
    const auto grub = cat(root_, "/boot/grub/grub.cfg");
    EXPECT_NE(grub.find("xen-4.17.4.gz"), std::string::npos) << grub;
    EXPECT_NE(cat(backup_, "/.xen-backup-partition"), "<absent>");
    EXPECT_EQ(cat(backup_, "/etc/motd"), "XCP-ng A\n");
    EXPECT_EQ(cat(backup_, "/.xen-gpt.bin").size(), 34U * 512) << "the GPT saved beside it";
    EXPECT_EQ(cat(logs_, "/xcp-installer.log"), first_log) << "the old logs stay";
    EXPECT_NE(cat(logs_, "/xcp-installer-upgrade.log").find("entries match"), std::string::npos);
    EXPECT_EQ(run("e2fsck -fn " + quote(spec(logs_))).exit_code, 0);
    EXPECT_EQ(sparse_digest(disk("sda"), 41473ULL << 20, 1ULL << 30), swap) << "swap untouched";
    expect_vm_data_untouched();
}

// BIOS with GRUB in the XCP-ng 8 layout, booted by SeaBIOS with Debian's
// Xen and kernel (fetched, never installed): GRUB's boot.img in the MBR
// loads the core image the installer put into the BIOS boot partition,
// which reads the root's grub.cfg. A restore stopped once the MBR loads the
// backup's core boots the backup's Xen and dom0 (root=UUID= of the backup);
// the finished restore boots the root again, from the other slot. Run once,
// not under the sanitizers (the name holds "Qemu").
TEST_F(InstallerUpgrade, BiosGrubBootsTheRootThenTheBackupThenTheRootAgainInQemu)
{
    require_programs({"qemu-system-x86_64", "rpmbuild", "gzip", "sha256sum", "dpkg-deb", "grub-mkimage"});
    const auto debs = dir_.path() / "debs";
    sh("dpkg-deb -x " + quote(debian_package("xen-hypervisor-4.17-amd64").string()) + " " + quote(debs.string()));
    sh("dpkg-deb -x " + quote(debian_package("linux-image-amd64").string()) + " " + quote(debs.string()));
    fs::path kernel;
    for (const auto& e : fs::directory_iterator(debs / "boot")) {
        if (e.path().filename().string().starts_with("vmlinuz-")) {
            kernel = e.path();
        }
    }
    ASSERT_FALSE(kernel.empty());
    const auto repo = dir_.path() / "modern-xen";
    build_modern_repository(repo, dir_.path() / "content-xen", "8.2.1", "xen-4.17-amd64.gz", "XCP-ng A\n", 23,
                            {{"boot/xen-4.17-amd64.gz", debs / "boot/xen-4.17-amd64.gz"},
                             {"boot/" + kernel.filename().string(), kernel}});
    ASSERT_NO_FATAL_FAILURE(fresh_install(repo));
    complete_first_boot();
    // The LBA of the core image GRUB's boot.img loads (at 0x5c).
    const auto core_lba = [&] {
        std::ifstream in(disk("sda"), std::ios::binary);
        std::array<unsigned char, 512> mbr{};
        in.read(reinterpret_cast<char*>(mbr.data()), mbr.size());
        std::uint64_t lba = 0;
        for (int i = 7; i >= 0; --i) {
            lba = (lba << 8) | mbr[0x5c + static_cast<std::size_t>(i)];
        }
        return lba;
    };
    const auto boots = [&](const std::string& command_line, const std::string& name) {
        Daemon qemu({"/usr/bin/qemu-system-x86_64", "-accel", "tcg", "-m", "2048", "-display", "none", "-nic", "none",
                     "-no-reboot", "-monitor", "none", "-serial", "stdio", "-drive",
                     "file=" + disk("sda") + ",format=raw,if=virtio"},
                    dir_.path() / (name + "-serial.log"));
        EXPECT_TRUE(qemu.wait_for_log("Kernel command line: " + command_line, std::chrono::seconds(300)))
            << name << ":\n" << qemu.log().substr(qemu.log().size() > 4000 ? qemu.log().size() - 4000 : 0);
        EXPECT_NE(qemu.log().find("(XEN) Xen version 4.17"), std::string::npos) << name;
    };
    const auto boot_partition = esp_ / 512;  // partition 4: BIOS boot
    EXPECT_EQ(core_lba(), boot_partition) << "the first slot";
    boots("root=LABEL=root-", "installed");

    const auto work = quote((dir_.path() / "work").string());
    const auto backed_up = run(quote(installer_binary().string()) + " backup sda --dev-dir " + quote(dev_.string()) +
                                   " --work-dir " + work,
                               std::chrono::seconds(300));
    ASSERT_EQ(backed_up.exit_code, 0) << backed_up.output;
    const auto planned = run(installer_command(restore_answerfile(), "--dry-run --json"));
    const auto after_switch = kill_at_after_backup_switch(planned.output);
    ASSERT_NE(after_switch, 0U) << "no switch onto the backup in the plan:\n" << planned.output;
    const auto stopped = run("XCP_INSTALLER_KILL_AT=" + std::to_string(after_switch) + " " +
                             installer_command(restore_answerfile()), std::chrono::seconds(300));
    ASSERT_NE(stopped.output.find(": killed"), std::string::npos) << stopped.output;
    EXPECT_EQ(core_lba(), boot_partition + 2048) << "the second slot";
    const auto stats = run("debugfs -R stats " + quote(spec(backup_)) + " 2>/dev/null").output;
    const auto at = stats.find("Filesystem UUID:");
    ASSERT_NE(at, std::string::npos) << stats;
    const auto from = stats.find_first_not_of(' ', at + 16);
    boots("root=UUID=" + stats.substr(from, stats.find('\n', from) - from), "backup");

    const auto finished = installer(restore_answerfile());
    ASSERT_EQ(finished.exit_code, 0) << finished.output;
    EXPECT_EQ(core_lba(), boot_partition) << "back in the first slot";
    boots("root=LABEL=root-", "restored");
}

// The plans an operator reads before anything is touched: the operations
// that run, in order, with what each keeps.
TEST_F(InstallerUpgrade, DryRunsPrintTheOperationsThatRun)
{
    ASSERT_NO_FATAL_FAILURE(fresh_install());
    complete_first_boot();
    const auto states = images();
    const auto dry_run = [&](const std::string& answerfile, const std::string& golden) {
        const auto r = installer(answerfile, "--dry-run");
        EXPECT_EQ(r.exit_code, 0) << r.output;
        auto text = replace_all(replace_all(r.output, dev_.string(), "DEV"), dir_.path().string(), "TMP");
        expect_golden(without_identities(text), "dry-run/" + golden, golden);
    };
    dry_run(upgrade_answerfile(repo_b_), "keeping-upgrade.txt");
    auto reinstall = upgrade_answerfile(repo_a_, "sda", "reinstall");
    reinstall.insert(reinstall.find("</installation>"),
                     "  <keymap>us</keymap>\n  <root-password>mypassword</root-password>\n"
                     "  <admin-interface name=\"eth0\" proto=\"dhcp\"/>\n  <timezone>Europe/London</timezone>\n");
    dry_run(reinstall, "keeping-reinstall.txt");
    EXPECT_EQ(images(), states) << "a dry run touches nothing";
    ASSERT_EQ(installer(upgrade_answerfile(repo_b_)).exit_code, 0);
    const auto upgraded = images();
    dry_run(restore_answerfile(), "keeping-restore.txt");
    EXPECT_EQ(images(), upgraded);
}

}  // namespace
}  // namespace xcp::test
