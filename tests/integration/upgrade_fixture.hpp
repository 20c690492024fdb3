// What the upgrade, reinstall and restore tests share with the tests that
// kill the installer at every step: a fresh install of version A onto
// sparse images, VM data in the SR partition and on a guest disk, settings
// changed in the installed root (a file for every carry-over entry), and
// reading it all back with debugfs, e2fsck and sfdisk.
#pragma once

#include "tests/support/installer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/programs.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

namespace xcp::test {
namespace fs = std::filesystem;

// One row per entry of the carry-over table (installer-agent/upgrade/
// carry_over.cpp): a file in the old root, and where the new root must
// hold it, byte for byte.
struct CarryRow {
    const char* old_path;
    const char* new_path;
};
inline constexpr CarryRow carry_rows[] = {
    {"etc/xensource/ptoken", "etc/xensource/ptoken"},
    {"etc/xensource/pool.conf", "etc/xensource/pool.conf"},
    {"etc/xensource/xapi-ssl.pem", "etc/xensource/xapi-ssl.pem"},
    {"etc/xensource/xapi-pool-tls.pem", "etc/xensource/xapi-pool-tls.pem"},
    {"etc/xensource/license", "etc/xensource/license"},
    {"etc/xensource/syslog.conf", "etc/xensource/syslog.conf"},
    {"etc/ssh/ssh_host_rsa_key", "etc/ssh/ssh_host_rsa_key"},
    {"root/.ssh/authorized_keys", "root/.ssh/authorized_keys"},
    {"etc/sysconfig/network", "etc/sysconfig/network"},
    {"etc/sysconfig/network-scripts/ifcfg-eth0", "etc/sysconfig/network-scripts/ifcfg-eth0"},
    {"var/lib/xcp/networkd.db", "var/lib/xcp/networkd.db"},
    {"etc/sysconfig/network-scripts/interface-rename-data/static-rules.conf",
     "etc/sysconfig/network-scripts/interface-rename-data/static-rules.conf"},
    {"var/lib/xcp/state.db", "var/lib/xcp/state.db"},
    {"var/xapi/state.db", "var/xapi/state.db"},
    {"var/opt/xapi-clusterd/db", "var/opt/xapi-clusterd/db"},
    {"var/lib/xcp/blobs/0001", "var/lib/xcp/blobs/0001"},
    {"var/lib/xcp/lpe-cache/entry", "var/lib/xcp/lpe-cache/entry"},
    {"etc/firstboot.d/data/management.conf", "etc/firstboot.d/data/management.conf"},
    {"etc/xensource-inventory", "var/tmp/.previousInventory"},
    {"etc/resolv.conf", "etc/resolv.conf"},
    {"etc/krb5.conf", "etc/krb5.conf"},
    {"etc/krb5.keytab", "etc/krb5.keytab"},
    {"var/lib/samba/secrets.tdb", "var/lib/samba/secrets.tdb"},
    {"var/lib/pbis/db/registry.db", "var/lib/pbis/db/registry.db"},
    {"etc/sysconfig/mkinitrd.latches", "etc/sysconfig/mkinitrd.latches"},
    {"etc/mdadm.conf", "etc/mdadm.conf"},
    {"etc/multipath.conf", "etc/multipath.conf.bak"},
    {"etc/multipath/conf.d/custom-site.conf", "etc/multipath/conf.d/custom-site.conf"},
    {"etc/locale.conf", "etc/locale.conf"},
    {"etc/machine-id", "etc/machine-id"},
    {"etc/vconsole.conf", "etc/vconsole.conf"},
    {"etc/sysconfig/logrotate", "etc/sysconfig/logrotate"},
    {"etc/sysctl.d/91-net-ipv6.conf", "etc/sysctl.d/91-net-ipv6.conf"},
    {"var/lib/xcp/verify-certificates", "var/lib/xcp/verify-certificates"},
    {"var/lib/xcp/verify_certificates", "var/lib/xcp/verify_certificates"},
    {"etc/trusted-certs/ca-1.pem", "etc/trusted-certs/ca-1.pem"},
    {"etc/stunnel/xapi-pool-ca-bundle.pem", "etc/stunnel/xapi-pool-ca-bundle.pem"},
    {"etc/stunnel/certs-pool/host-1.pem", "etc/stunnel/certs-pool/host-1.pem"},
    {"etc/stunnel/xapi-stunnel-ca-bundle.pem", "etc/stunnel/xapi-stunnel-ca-bundle.pem"},
    {"etc/stunnel/certs/ca-2.pem", "etc/stunnel/certs/ca-2.pem"},
    {"etc/nagios/nrpe.cfg", "etc/nagios/nrpe.cfg"},
    {"etc/nrpe.d/site.cfg", "etc/nrpe.d/site.cfg"},
    {"etc/snmp/snmp.xs.conf", "etc/snmp/snmp.xs.conf"},
    {"etc/snmp/snmpd.xs.conf", "etc/snmp/snmpd.xs.conf"},
    {"etc/sysconfig/snmpd", "etc/sysconfig/snmpd"},
    {"var/lib/net-snmp/snmpd.conf", "var/lib/net-snmp/snmpd.conf"},
    {"etc/sysconfig/iptables", "etc/sysconfig/iptables"},
    {"etc/hostname", "etc/hostname"},
    {"etc/hosts", "etc/hosts"},
    {"etc/localtime", "etc/localtime"},
    {"etc/timezone", "etc/timezone"},
    {"etc/sysconfig/clock", "etc/sysconfig/clock"},
    {"etc/sysconfig/keyboard", "etc/sysconfig/keyboard"},
    {"etc/chrony.conf", "etc/chrony.conf"},
    {"etc/ntp.conf", "etc/ntp.conf"},
};

inline const std::string old_hash = "$6$upgradetest$Yx0Qpp2c8kN3bq2rWbV0tJ4j8bY9yq7Cz1iLwG0a3sQeS0b1mVt6Xk4vR2nHj5uP9cF7dA8eB3gT1wZ0yU";

class InstallerUpgrade : public ::testing::Test {
protected:
    void SetUp() override
    {
        require_programs({"bzip2", "debugfs", "e2fsck", "mke2fs", "md5sum", "sfdisk", "tar", "truncate", "cp"});
        build_legacy_repository(repo_a_, dir_.path() / "content-a", "0.1.1", "xen-3.4.2.gz", "XCP A\n", 11);
        build_legacy_repository(repo_b_, dir_.path() / "content-b", "0.1.2", "xen-3.4.3.gz", "XCP B\n", 12);
        fs::create_directories(dev_);
        sh("truncate -s 20G " + quote(disk("sda")) + " && truncate -s 4G " + quote(disk("sdb")) + " " +
           quote(disk("sdc")));
    }

    [[nodiscard]] std::string disk(const std::string& name) const { return (dev_ / name).string(); }

    // The installer's command line for `answerfile` (written to a file).
    [[nodiscard]] std::string installer_command(const std::string& answerfile, const std::string& extra = {}) const
    {
        const auto file = dir_.path() / "answerfile.xml";
        std::ofstream(file) << answerfile;
        return quote(installer_binary().string()) + " --answerfile " + quote(file.string()) + " --dev-dir " +
               quote(dev_.string()) + " --work-dir " + quote((dir_.path() / "work").string()) +
               (extra.find("--events-url") == std::string::npos ? " --events-url none " : " ") +
               (extra.find("--boot-mode") == std::string::npos ? "--boot-mode " + boot_mode_ + " " : "") + extra;
    }

    [[nodiscard]] CommandResult installer(const std::string& answerfile, const std::string& extra = {}) const
    {
        return run(installer_command(answerfile, extra), std::chrono::seconds(300));
    }

    static std::string upgrade_answerfile(const fs::path& repo, const std::string& disk = "sda",
                                          const std::string& mode = "upgrade")
    {
        return "<?xml version=\"1.0\"?>\n<installation mode=\"" + mode + "\">\n  <existing-installation>" + disk +
               "</existing-installation>\n  <source type=\"url\">file://" + repo.string() + "</source>\n</installation>\n";
    }

    static std::string restore_answerfile(const std::string& backup_disk = {})
    {
        return "<?xml version=\"1.0\"?>\n<restore>" +
               (backup_disk.empty() ? std::string() : "<backup-disk>" + backup_disk + "</backup-disk>") + "</restore>\n";
    }

    // A fresh install from `repo` onto sda with sdb as a guest disk.
    [[nodiscard]] std::string fresh_answerfile(const fs::path& repo) const
    {
        return "<?xml version=\"1.0\"?>\n<installation>\n"
               "  <primary-disk gueststorage=\"yes\">sda</primary-disk>\n"
               "  <guest-disk>sdb</guest-disk>\n"
               "  <root-password>Fresh-Pw-1</root-password>\n"
               "  <source type=\"url\">file://" + repo.string() + "</source>\n"
               "  <admin-interface name=\"eth0\" proto=\"dhcp\"/>\n"
               "  <timezone>Europe/London</timezone>\n"
               "  <hostname>host-a</hostname>\n</installation>\n";
    }

    // XCP-ng A (8.2.1) and B (8.3.0) as modern repositories; returns their
    // folders.
    std::pair<fs::path, fs::path> build_modern_a_and_b()
    {
        const auto a = dir_.path() / "modern-a";
        const auto b = dir_.path() / "modern-b";
        build_modern_repository(a, dir_.path() / "content-ma", "8.2.1", "xen-4.13.5.gz", "XCP-ng A\n", 21);
        build_modern_repository(b, dir_.path() / "content-mb", "8.3.0", "xen-4.17.4.gz", "XCP-ng B\n", 22);
        return {a, b};
    }

    // Version A onto sda (2009 layout from a legacy repository, or the
    // XCP-ng 8 layout from a modern one) with sdb as a guest disk.
    void fresh_install(const fs::path& repo = {})
    {
        const bool modern = !repo.empty();
        if (modern) {
            sh("truncate -s 64G " + quote(disk("sda")));
        }
        const auto r = installer(fresh_answerfile(modern ? repo : repo_a_));
        ASSERT_EQ(r.exit_code, 0) << r.output;
        const auto t = nlohmann::json::parse(sh("sfdisk --json " + quote(disk("sda"))), nullptr, false);
        const auto& parts = t["partitiontable"]["partitions"];
        ASSERT_EQ(parts.size(), modern ? 6U : 3U);
        for (const auto& p : parts) {
            const auto node = p["node"].get<std::string>();
            const auto number = std::stoi(node.substr(node.find_last_not_of("0123456789") + 1));
            const auto start = p["start"].get<std::uint64_t>() * 512;
            (number == 1   ? root_
             : number == 2 ? backup_
             : number == 3 ? sr_
             : number == 4 ? esp_
             : number == 5 ? logs_
                           : unused_) = start;
            if (number == 3) {
                sr_size_ = p["size"].get<std::uint64_t>() * 512;
            }
        }
    }

    [[nodiscard]] std::string spec(std::uint64_t offset, const std::string& name = "sda") const
    {
        return disk(name) + "?offset=" + std::to_string(offset);
    }

    // A file of the filesystem at `offset`, by debugfs; "<absent>" when it
    // has none.
    [[nodiscard]] std::string cat(std::uint64_t offset, const std::string& path) const
    {
        const auto out = dir_.path() / "dumped";
        fs::remove(out);
        run("debugfs -R " + quote("dump " + path + " " + out.string()) + " " + quote(spec(offset)));
        return fs::exists(out) ? read_text(out) : std::string("<absent>");
    }

    // debugfs's "ls -p" line of `dir`/`name`: /inode/mode/uid/gid/name/size/.
    [[nodiscard]] std::string stat_line(std::uint64_t offset, const std::string& dir, const std::string& name) const
    {
        std::istringstream listing(run("debugfs -R " + quote("ls -p " + dir) + " " + quote(spec(offset))).output);
        for (std::string line; std::getline(listing, line);) {
            std::vector<std::string> fields;
            std::istringstream parts(line);
            for (std::string f; std::getline(parts, f, '/');) {
                fields.push_back(f);
            }
            if (fields.size() >= 6 && fields[5] == name) {
                return line.substr(line.find('/', 1));  // without the inode number
            }
        }
        return {};
    }

    // debugfs -w requests against the root filesystem, as the first boot
    // and an operator would have changed it.
    void write_root(const std::vector<std::string>& requests) const
    {
        const auto file = dir_.path() / "debugfs-requests";
        std::ofstream out(file);
        for (const auto& r : requests) {
            out << r << '\n';
        }
        out.close();
        sh("debugfs -w -f " + quote(file.string()) + " " + quote(spec(root_)) + " >/dev/null 2>&1");
    }

    void complete_first_boot() const { write_root({"rm /etc/firstboot.d/data/firstboot_in_progress"}); }

    // A file for every carry-over row, root's password changed, and an ssh
    // key and a keytab with their own modes and owners.
    void change_settings()
    {
        std::vector<std::string> requests;
        const auto local = dir_.path() / "settings";
        int n = 0;
        for (const auto& row : carry_rows) {
            const std::string path = row.old_path;
            if (path == "etc/xensource-inventory") {
                continue;  // the installed one is the row's content
            }
            for (auto slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
                requests.push_back("mkdir /" + path.substr(0, slash));
            }
            requests.push_back("rm /" + path);
            if (path == "etc/localtime") {
                requests.push_back("symlink /etc/localtime ../usr/share/zoneinfo/Asia/Tokyo");
                continue;
            }
            const auto file = local / std::to_string(++n);
            fs::create_directories(local);
            std::ofstream(file) << "setting " << n << " of " << path << "\n";
            requests.push_back("write " + file.string() + " /" + path);
        }
        requests.push_back("sif /etc/ssh/ssh_host_rsa_key mode 0100600");
        requests.push_back("sif /etc/krb5.keytab mode 0100640");
        requests.push_back("sif /etc/krb5.keytab uid 7");
        requests.push_back("sif /etc/krb5.keytab gid 9");
        auto shadow = cat(root_, "/etc/shadow");
        shadow = "root:" + old_hash + shadow.substr(shadow.find(':', 5));
        std::ofstream(local / "shadow") << shadow;
        requests.push_back("rm /etc/shadow");
        requests.push_back("write " + (local / "shadow").string() + " /etc/shadow");
        write_root(requests);
        for (const auto& row : carry_rows) {
            const std::string path = row.old_path;
            before_[path] = path == "etc/localtime" ? stat_line(root_, "/etc", "localtime") : cat(root_, "/" + path);
            ASSERT_NE(before_[path], "<absent>") << path;
        }
    }

    // VM data in the SR partition and on the guest disk, and their digests.
    void write_vm_data()
    {
        write_random_file(dir_.path() / "vm", 1 << 20, 31);
        for (const auto at : {sr_ + (1ULL << 20), sr_ + (5ULL << 30)}) {
            sh("dd if=" + quote((dir_.path() / "vm").string()) + " of=" + quote(disk("sda")) + " bs=1M seek=" +
               std::to_string(at >> 20) + " conv=notrunc status=none");
        }
        sh("dd if=" + quote((dir_.path() / "vm").string()) + " of=" + quote(disk("sdb")) +
           " bs=1M seek=3 conv=notrunc status=none");
        sr_digest_ = sparse_digest(disk("sda"), sr_, sr_size_);
        guest_digest_ = sparse_digest(disk("sdb"), 0, 4ULL << 30);
    }

    void expect_vm_data_untouched() const
    {
        EXPECT_EQ(sparse_digest(disk("sda"), sr_, sr_size_), sr_digest_) << "the SR partition is byte-identical";
        EXPECT_EQ(sparse_digest(disk("sdb"), 0, 4ULL << 30), guest_digest_) << "the guest disk is byte-identical";
    }

    static std::string value_in(const std::string& inventory, const std::string& key)
    {
        const auto at = inventory.find(key + "='");
        if (at == std::string::npos) {
            return {};
        }
        const auto from = at + key.size() + 2;
        return inventory.substr(from, inventory.find('\'', from) - from);
    }

    [[nodiscard]] std::string inventory_value(std::uint64_t offset, const std::string& key) const
    {
        return value_in(cat(offset, "/etc/xensource-inventory"), key);
    }

    // Where the first block of `path` in the backup filesystem is, on the disk.
    [[nodiscard]] std::uint64_t backup_byte_of(const std::string& path) const
    {
        const auto block = std::stoull(run("debugfs -R " + quote("bmap " + path + " 0") + " " + quote(spec(backup_)) +
                                           " 2>/dev/null").output);
        const auto stats = run("debugfs -R stats " + quote(spec(backup_)) + " 2>/dev/null").output;
        const auto at = stats.find("Block size:");
        const auto size = std::stoull(stats.substr(stats.find_first_of("0123456789", at)));
        return backup_ + block * size;
    }

    [[nodiscard]] std::vector<ImageState> images() const
    {
        return {state_of(disk("sda")), state_of(disk("sdb")), state_of(disk("sdc"))};
    }

    static constexpr const char* server_mac = "52:54:00:aa:bb:07";

    // xcp-pxe on loopback with the host added, as an upgrade or a restore
    // from the server meets it.
    void start_server(const std::vector<std::string>& flags)
    {
        const auto tftp = dir_.path() / "tftp";
        fs::create_directories(tftp / "xcp-ng");
        fs::create_directories(dir_.path() / "http");
        for (const auto* f : {"xen.gz", "vmlinuz", "install.img"}) {
            std::ofstream(tftp / "xcp-ng" / f) << f;
        }
        ASSERT_EQ(server_cli(std::string("host add ") + server_mac + " --hostname host-a").exit_code, 0);
        std::vector<std::string> argv{xcp_pxe_binary().string(), "serve", "--state-dir", (dir_.path() / "state").string(),
                                      "--tftp-root", tftp.string(), "--http-root", (dir_.path() / "http").string(),
                                      "--listen", "127.0.0.1", "--tftp-port", std::to_string(tftp_port_),
                                      "--http-port", std::to_string(http_port_)};
        argv.insert(argv.end(), flags.begin(), flags.end());
        server_ = std::make_unique<Daemon>(argv, dir_.path() / "serve.log");
        ASSERT_TRUE(server_->wait_for_log("hosts reach us at")) << server_->log();
    }

    [[nodiscard]] CommandResult server_cli(const std::string& args) const
    {
        return run(quote(xcp_pxe_binary().string()) + " " + args + " --state-dir " +
                       quote((dir_.path() / "state").string()),
                   std::chrono::seconds(30));
    }

    // The host's events URL, with the token its installer gets from its
    // boot config.
    [[nodiscard]] std::string server_events_url() const
    {
        const auto config = run("curl -sS --max-time 20 tftp://127.0.0.1:" + std::to_string(tftp_port_) +
                                "/pxelinux.cfg/01-52-54-00-aa-bb-07").output;
        const auto at = config.find("/answerfile/");
        EXPECT_NE(at, std::string::npos) << config;
        return at == std::string::npos ? std::string()
                                       : "http://127.0.0.1:" + std::to_string(http_port_) + "/api/v1/hosts/" +
                                             config.substr(at + 12, 32) + "/events";
    }

    TempDir dir_;
    unsigned short tftp_port_ = free_udp_port();
    unsigned short http_port_ = free_tcp_port();
    std::unique_ptr<Daemon> server_;
    fs::path repo_a_ = dir_.path() / "repo-a";
    fs::path repo_b_ = dir_.path() / "repo-b";
    fs::path dev_ = dir_.path() / "dev";
    // Partition 4 of the XCP-ng 8 layout: the ESP when booted UEFI.
    std::uint64_t root_ = 0, backup_ = 0, sr_ = 0, sr_size_ = 0, logs_ = 0, esp_ = 0, unused_ = 0;
    std::string boot_mode_ = "bios";  // the installer's --boot-mode
    std::string sr_digest_, guest_digest_;
    std::map<std::string, std::string> before_;
};

}  // namespace xcp::test
