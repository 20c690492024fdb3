// The installer killed with SIGKILL at every operation boundary and at
// seeded random instants, during a fresh install, an upgrade and a restore,
// on sparse image files. After each kill the disks must hold what the
// journal promises, read back with tools we did not write (sfdisk, debugfs,
// e2fsck):
// - upgrade and restore: the partition the disk boots holds a whole control
//   domain (the root, or the verified backup while the root is rewritten);
// - fresh install: nothing is bootable until the install is complete;
// - the SR partition and the guest disk are byte-identical to before;
// - the next run completes, and its root equals an uninterrupted run's.
// XCP_FAULT_SEED replays a run's random instants; XCP_FAULT_INSTANTS sets
// how many (20 by default; the README's long run asks for more).
#include "tests/integration/upgrade_fixture.hpp"
#include "libxcp/checksum/digest.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <random>
#include <thread>

namespace xcp::test {
namespace {

class InstallerFaults : public InstallerUpgrade {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "moving the boot onto the backup installs extlinux, which needs root (a loop mount)";
        }
        require_programs({"extlinux", "setsid", "umount", "mountpoint", "pgrep", "chattr"});
        InstallerUpgrade::SetUp();
    }

    // The settings changed as an operator would, and the root then checked
    // as a boot would check it (debugfs's own edits leave counts to fix).
    void change_settings_cleanly()
    {
        ASSERT_NO_FATAL_FAILURE(change_settings());
        run("e2fsck -fy " + quote(spec(root_)));
        ASSERT_EQ(run("e2fsck -fn " + quote(spec(root_))).exit_code, 0);
    }

    // Version A installed, booted once, its settings changed and VM data
    // in its SR and on its guest disk.
    void install_version_a_in_use()
    {
        ASSERT_NO_FATAL_FAILURE(fresh_install());
        complete_first_boot();
        ASSERT_NO_FATAL_FAILURE(change_settings_cleanly());
        write_vm_data();
    }

    // After a failed upgrade: the disk boots a whole control domain, the
    // VM data is untouched, and the next run ends with the baseline's root.
    void expect_next_upgrade_finishes(const std::string& answerfile, const std::string& baseline, const char* after)
    {
        forget_killed_run();
        expect_boots_a_whole_control_domain(after);
        expect_vm_data_untouched();
        const auto r = installer(answerfile);
        ASSERT_EQ(r.exit_code, 0) << r.output;
        EXPECT_EQ(tree(root_), baseline);
        EXPECT_EQ(boot_target(), "root");
        expect_vm_data_untouched();
    }

    // The images as they are now, for every run to start from.
    void save_images()
    {
        fs::create_directories(saved_);
        for (const auto* name : {"sda", "sdb", "sdc"}) {
            sh("cp --sparse=always " + quote(disk(name)) + " " + quote((saved_ / name).string()));
        }
    }

    // The machine after a power cut: the images as saved, no mount and no
    // work directory left by the killed run.
    void reset_images()
    {
        forget_killed_run();
        for (const auto* name : {"sda", "sdb", "sdc"}) {
            sh("cp --sparse=always " + quote((saved_ / name).string()) + " " + quote(disk(name)));
        }
    }

    void forget_killed_run()
    {
        const auto mnt = dir_.path() / "work/mnt";
        run("for i in $(seq 20); do mountpoint -q " + quote(mnt.string()) + " || exit 0; umount " +
            quote(mnt.string()) + " || sleep 0.1; done");
        std::error_code ec;
        fs::remove_all(dir_.path() / "work", ec);
    }

    // The plan's size, and the operation (1-based) from which it rewrites
    // the root (0: none).
    [[nodiscard]] std::pair<std::size_t, std::size_t> operations(const std::string& answerfile) const
    {
        const auto r = run(installer_command(answerfile, "--dry-run --json"));
        const auto j = nlohmann::json::parse(r.output.substr(std::min(r.output.find('{'), r.output.size())), nullptr,
                                             false);
        EXPECT_TRUE(j.is_object() && j.contains("operations")) << r.output;
        if (!j.is_object() || !j.contains("operations")) {
            return {0, 0};
        }
        return {j["operations"].size(),
                j.contains("on_failure") ? j["on_failure"]["from_operation"].get<std::size_t>() : 0};
    }

    // The partitions with the boot flag (DOS active, or GPT legacy BIOS
    // bootable), as sfdisk reads them.
    [[nodiscard]] std::vector<int> bootable() const
    {
        const auto t = nlohmann::json::parse(run("sfdisk --json " + quote(disk("sda"))).output, nullptr, false);
        std::vector<int> out;
        if (!t.is_object() || !t.contains("partitiontable")) {
            return out;
        }
        for (const auto& p : t["partitiontable"]["partitions"]) {
            const auto node = p["node"].get<std::string>();
            const bool flag = p.value("bootable", false) ||
                              p.value("attrs", "").find("LegacyBIOSBootable") != std::string::npos;
            if (flag) {
                out.push_back(std::stoi(node.substr(node.find_last_not_of("0123456789") + 1)));
            }
        }
        return out;
    }

    // The Xen that an extlinux.conf (its append line) or a grub.cfg (its
    // multiboot2 line) boots.
    static std::string xen_of(const std::string& config)
    {
        for (const std::string key : {"append /boot/", "multiboot2 /boot/"}) {
            if (const auto at = config.find(key); at != std::string::npos) {
                const auto from = at + key.size();
                return config.substr(from, config.find_first_of(" \n", from) - from);
            }
        }
        return {};
    }

    // A file of the ESP, by mtools; "<absent>" when it has none.
    [[nodiscard]] std::string esp_file(const std::string& path) const
    {
        const auto r = run("MTOOLS_SKIP_CHECK=1 mtype -i " + quote(disk("sda") + "@@" + std::to_string(esp_)) +
                           " ::/" + path + " 2>/dev/null");
        return r.exit_code == 0 ? r.output : std::string("<absent>");
    }

    // A GRUB core image without where it was put (its blocklist's start),
    // padded to whole sectors.
    static std::string unplaced(std::string core)
    {
        core.resize((core.size() + 511) / 512 * 512, '\0');
        if (core.size() >= 512) {
            std::fill(core.begin() + 0x1f4, core.begin() + 0x1fc, '\0');
        }
        return core;
    }

    // The core image the MBR's GRUB boot.img loads, unplaced; "" when the
    // MBR holds no GRUB code. Read as GRUB 2.06's boot.h lays it out.
    [[nodiscard]] std::string loaded_core() const
    {
        std::ifstream in(disk("sda"), std::ios::binary);
        std::string mbr(512, '\0');
        in.read(mbr.data(), 512);
        if (mbr.substr(510) != "\x55\xaa" || mbr.substr(0, 0x1b8).find("GRUB ") == std::string::npos) {
            return "";
        }
        const auto le = [](const std::string& b, std::size_t at, int width) {
            std::uint64_t v = 0;
            for (int i = width - 1; i >= 0; --i) {
                v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
            }
            return v;
        };
        const auto lba = le(mbr, 0x5c, 8);
        std::string first(512, '\0');
        in.seekg(static_cast<std::streamoff>(lba * 512));
        in.read(first.data(), 512);
        const auto sectors = le(first, 0x1fc, 2) + 1;
        if (sectors > 2048) {
            return "<a core of " + std::to_string(sectors) + " sectors>";
        }
        std::string core(sectors * 512, '\0');
        in.seekg(static_cast<std::streamoff>(lba * 512));
        in.read(core.data(), static_cast<std::streamsize>(core.size()));
        return unplaced(core);
    }

    // What the disk boots: "root" or "backup", "none", or "several" (BIOS:
    // the partition with the boot flag, or with GRUB the core image its MBR
    // loads; UEFI: what the ESP's switch, its grub.cfg reading grubenv,
    // names).
    [[nodiscard]] std::string boot_target() const
    {
        if (grub_bios_) {
            const auto core = loaded_core();
            if (core.empty()) {
                return "none";
            }
            if (core == root_core_) {
                return "root";
            }
            const auto saved = cat(backup_, "/.xcp-backup-boot/grub-core.img");
            return saved != "<absent>" && unplaced(saved) == core ? "backup" : "another GRUB core";
        }
        if (boot_mode_ == "uefi") {
            const auto config = esp_file("EFI/xenserver/grub.cfg");
            if (!foreign_esp_config_.empty() && config == foreign_esp_config_) {
                return "root";  // another installer's, which finds the root by its label
            }
            const auto env = esp_file("EFI/xenserver/grubenv");
            if (config.find("load_env -f /EFI/xenserver/grubenv") == std::string::npos || env.size() != 1024 ||
                !env.starts_with("# GRUB Environment Block\n")) {
                return "none";
            }
            return env.find("\nxcp_boot=backup\n") != std::string::npos ? "backup"
                   : env.find("\nxcp_boot=root\n") != std::string::npos ? "root"
                                                                         : "none";
        }
        const auto flagged = bootable();
        return flagged.empty()                        ? "none"
               : flagged.size() > 1                   ? "several"
               : flagged.front() == 1                 ? "root"
               : flagged.front() == 2                 ? "backup"
                                                      : "partition " + std::to_string(flagged.front());
    }

    [[nodiscard]] std::string uuid_of(std::uint64_t offset) const
    {
        const auto stats = run("debugfs -R stats " + quote(spec(offset)) + " 2>/dev/null").output;
        const auto at = stats.find("Filesystem UUID:");
        if (at == std::string::npos) {
            return "<none>";
        }
        const auto from = stats.find_first_not_of(' ', at + 16);
        return stats.substr(from, stats.find('\n', from) - from);
    }

    // What the disk boots holds a whole control domain: the root with its
    // boot files, or the verified backup with its own.
    void expect_boots_a_whole_control_domain(const std::string& after) const
    {
        const bool uefi = boot_mode_ == "uefi";
        const bool grub = uefi || grub_bios_;
        const auto target = boot_target();
        if (target == "root") {
            const auto fsck = run("e2fsck -fn " + quote(spec(root_)));
            EXPECT_EQ(fsck.exit_code, 0) << after << ": the root checks clean\n" << fsck.output;
            EXPECT_NE(cat(root_, "/etc/xensource-inventory"), "<absent>") << after;
            const auto config = cat(root_, grub ? "/boot/grub/grub.cfg" : "/boot/extlinux.conf");
            const auto xen = xen_of(config);
            EXPECT_FALSE(xen.empty()) << after << ": the root has its boot configuration";
            EXPECT_NE(cat(root_, "/boot/" + xen), "<absent>") << after << ": the Xen it boots is there";
            if (grub_bios_) {
                const auto label = value_in(cat(root_, "/etc/xensource-inventory"), "ROOT_LABEL");
                EXPECT_NE(config.find("--label --set root " + label + "\n"), std::string::npos)
                    << after << ": the root's grub.cfg finds it by its label";
            } else if (uefi) {
                const auto label = value_in(cat(root_, "/etc/xensource-inventory"), "ROOT_LABEL");
                const auto esp_config = esp_file("EFI/xenserver/grub.cfg");
                const bool foreign = !foreign_esp_config_.empty() && esp_config == foreign_esp_config_;
                EXPECT_NE(esp_config.find((foreign ? "--label --set root " : "--label --set=root ") + label + "\n"),
                          std::string::npos)
                    << after << ": the ESP's grub.cfg finds the root by its label";
            } else {
                EXPECT_NE(cat(root_, "/boot/ldlinux.sys"), "<absent>") << after;
            }
            return;
        }
        ASSERT_EQ(target, "backup") << after << ": the disk boots the root or the backup";
        const auto fsck = run("e2fsck -fn " + quote(spec(backup_)));
        EXPECT_EQ(fsck.exit_code, 0) << after << ": the backup checks clean\n" << fsck.output;
        EXPECT_NE(cat(backup_, "/.xen-backup-partition"), "<absent>") << after << ": a verified, marked backup";
        const auto uuid = uuid_of(backup_);
        const auto config = cat(backup_, grub ? "/.xcp-backup-boot/grub.cfg" : "/.xcp-backup-boot/extlinux.conf");
        EXPECT_NE(config.find("root=UUID=" + uuid), std::string::npos) << after << ": " << config;
        EXPECT_EQ(config.find("root=LABEL="), std::string::npos) << after << ": " << config;
        const auto xen = xen_of(config);
        EXPECT_FALSE(xen.empty()) << after << ": " << config;
        EXPECT_NE(cat(backup_, "/boot/" + xen), "<absent>") << after << ": the Xen it boots is in the backup";
        if (grub) {
            EXPECT_NE(config.find("--fs-uuid --set=root " + uuid + "\n"), std::string::npos) << after << ": " << config;
        }
        if (uefi) {
            EXPECT_NE(esp_file("EFI/xenserver/grubenv").find("\nxcp_backup=" + uuid + "\n"), std::string::npos)
                << after << ": grubenv names this backup";
        } else if (!grub_bios_) {
            EXPECT_NE(cat(backup_, "/.xcp-backup-boot/ldlinux.sys"), "<absent>") << after;
        }
    }

    // The root filesystem as a listing: every entry's path, type, mode,
    // owner, size and SHA-256 (or link target), the install's own log left
    // out. `identity`: strings of this run (UUIDs, label suffix) replaced
    // before hashing, and files whose bytes are salted (etc/shadow) hashed
    // without their password field.
    [[nodiscard]] std::string tree(std::uint64_t offset, const std::map<std::string, std::string>& identity = {}) const
    {
        const auto dump = dir_.path() / "tree";
        std::error_code ec;
        fs::remove_all(dump, ec);
        fs::create_directories(dump);
        run("debugfs -R " + quote("rdump / " + dump.string()) + " " + quote(spec(offset)) + " >/dev/null 2>&1");
        std::vector<std::string> lines;
        for (auto it = fs::recursive_directory_iterator(dump); it != fs::recursive_directory_iterator(); ++it) {
            const auto rel = fs::relative(it->path(), dump).string();
            if (rel.starts_with("var/log/xcp-installer") || rel.starts_with("lost+found")) {
                continue;
            }
            // extlinux patches ldlinux.sys with the sectors it lies on.
            const bool placed = rel.ends_with("/ldlinux.sys");
            struct stat st {};
            ::lstat(it->path().c_str(), &st);
            std::string line = rel + " " + std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" +
                               std::to_string(st.st_gid);
            if (S_ISLNK(st.st_mode)) {
                line += " -> " + fs::read_symlink(it->path()).string();
            } else if (S_ISREG(st.st_mode) && !placed) {
                auto content = read_text(it->path());
                for (const auto& [from, to] : identity) {
                    for (auto at = content.find(from); !from.empty() && at != std::string::npos;
                         at = content.find(from, at + to.size())) {
                        content.replace(at, from.size(), to);
                    }
                }
                if (!identity.empty() && rel == "etc/shadow") {
                    content = content.substr(0, content.find(':') + 1);
                }
                line += " " + checksum::hex_of(checksum::Algorithm::sha256, content);
            }
            lines.push_back(line);
        }
        std::sort(lines.begin(), lines.end());
        std::string out;
        for (const auto& l : lines) {
            out += l + "\n";
        }
        fs::remove_all(dump, ec);
        return out;
    }

    // The strings that differ between two fresh installs of one answerfile.
    [[nodiscard]] std::map<std::string, std::string> identity_of_root() const
    {
        const auto inventory = cat(root_, "/etc/xensource-inventory");
        const auto label = value_in(inventory, "ROOT_LABEL");
        return {{value_in(inventory, "INSTALLATION_UUID"), "INSTALLATION-UUID"},
                {value_in(inventory, "CONTROL_DOMAIN_UUID"), "CONTROL-DOMAIN-UUID"},
                {label.size() > 5 ? label.substr(5) : label, "SUFFIX"}};
    }

    // After each kill: the invariant of the mode, then a run to the end
    // whose root must equal an uninterrupted run's.
    enum class Mode { fresh, upgrade, restore };

    // `rewriting`: killed after the root's rewrite began (known for the
    // boundaries), so that the next upgrade must go on from the backup.
    // `finished`: the random instant came after the run had ended, which
    // then needs no next run.
    void check_kill_and_next_run(Mode mode, const std::string& answerfile, const std::string& baseline,
                                 const std::string& what, bool reached_the_end, bool rewriting = false,
                                 bool finished = false)
    {
        SCOPED_TRACE(what);
        forget_killed_run();
        const auto status = run(quote(installer_binary().string()) + " status --dev-dir " + quote(dev_.string()));
        EXPECT_EQ(status.exit_code, 0) << status.output;
        if (mode == Mode::fresh) {
            // Nothing is bootable until the install is complete: its last
            // operation, the boot flag, has started (a kill between the
            // flag's write and the journal's "done" leaves it set), or the
            // journal says complete.
            const bool last_started = status.output.find("operation reached: " + std::to_string(total_) + " of " +
                                                         std::to_string(total_) + " (bootloader), ") !=
                                          std::string::npos ||
                                      status.output.find("sda: a fresh install of sda: complete after ") !=
                                          std::string::npos;
            if (!reached_the_end && !last_started) {
                EXPECT_TRUE(bootable().empty()) << what << ": nothing may be bootable yet\n" << status.output;
                EXPECT_EQ(loaded_core(), "") << what << ": the MBR loads no GRUB core yet\n" << status.output;
            }
        } else {
            expect_boots_a_whole_control_domain(what);
            expect_vm_data_untouched();
            on_backup_ += boot_target() == "backup" ? 1 : 0;
            on_foreign_esp_ += !foreign_esp_config_.empty() &&
                                       esp_file("EFI/xenserver/grub.cfg") == foreign_esp_config_
                                   ? 1
                                   : 0;
        }
        // This run's own record, not the one a former install left.
        const std::string complete = mode == Mode::fresh     ? "sda: a fresh install of sda: complete after "
                                     : mode == Mode::upgrade ? "sda: an upgrade of sda: complete after "
                                                             : "sda: a restore of sda: complete after ";
        if (finished || status.output.find(complete) != std::string::npos) {
            // The run had ended, or was killed after the journal said
            // complete (while the work directory was cleared): the install
            // is done, as a next run would see.
            EXPECT_EQ(boot_target(), "root") << what;
            EXPECT_EQ(tree(root_, mode == Mode::fresh ? identity_of_root() : std::map<std::string, std::string>{}),
                      baseline)
                << what;
            ++finished_;
            return;
        }
        const auto r = installer(answerfile);
        ASSERT_EQ(r.exit_code, 0) << what << ": the next run completes\n" << status.output << r.output;
        if (rewriting && mode == Mode::upgrade) {
            EXPECT_NE(status.output.find("goes on from the verified backup of the old root"), std::string::npos)
                << what << ": " << status.output;
            EXPECT_NE(r.output.find("this run rewrites it again from the verified backup"), std::string::npos)
                << what << ": " << r.output;
            ++resumed_;
        }
        EXPECT_EQ(boot_target(), "root") << what << ": the new root boots";
        if (boot_mode_ == "uefi") {
            EXPECT_EQ(esp_file(esp_exchanged), "<absent>") << what << ": the exchanged grub.cfg is removed";
        }
        EXPECT_EQ(tree(root_, mode == Mode::fresh ? identity_of_root() : std::map<std::string, std::string>{}),
                  baseline)
            << what << ": the root equals an uninterrupted run's";
        if (mode != Mode::fresh) {
            expect_vm_data_untouched();
        }
        const auto done = run(quote(installer_binary().string()) + " status --dev-dir " + quote(dev_.string()));
        EXPECT_NE(done.output.find(complete), std::string::npos) << what << ": " << done.output;
        ++kills_;
    }

    // Every boundary, then `instants` random instants of the uninterrupted
    // run's duration, each on the saved images.
    void kill_everywhere(Mode mode, const std::string& answerfile)
    {
        reset_images();
        const auto [total, rewrite_from] = operations(answerfile);
        ASSERT_GT(total, 5U);
        total_ = total;
        // The random instants fall between the start and the journal's
        // "complete" (what follows is clearing the work directory).
        std::chrono::steady_clock::duration duration{};
        {
            const auto started = std::chrono::steady_clock::now();
            Daemon uninterrupted({"/bin/sh", "-c", "exec " + installer_command(answerfile)},
                                 dir_.path() / "uninterrupted.log");
            ASSERT_TRUE(
                uninterrupted.wait_for_log("The installation completed successfully.", std::chrono::seconds(300)))
                << uninterrupted.log();
            duration = std::chrono::steady_clock::now() - started;
            for (int i = 0; i < 600 && uninterrupted.running(); ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            ASSERT_EQ(uninterrupted.stop(), 0) << uninterrupted.log();
        }
        if (grub_bios_) {
            root_core_ = loaded_core();  // the core that boots the root, as the uninterrupted run left it
            ASSERT_FALSE(root_core_.empty()) << "the uninterrupted run leaves GRUB in the MBR";
        }
        CommandResult r;
        const auto baseline = tree(root_, mode == Mode::fresh ? identity_of_root() : std::map<std::string, std::string>{});
        ASSERT_NE(baseline.find("etc/xensource-inventory "), std::string::npos) << baseline;

        for (std::size_t k = 1; k <= total + 1; ++k) {
            reset_images();
            r = run("XCP_INSTALLER_KILL_AT=" + std::to_string(k) + " " + installer_command(answerfile),
                    std::chrono::seconds(300));
            const auto what = "killed before operation " + std::to_string(k) + " of " + std::to_string(total);
            ASSERT_NE(r.output.find("XCP_INSTALLER_KILL_AT=" + std::to_string(k) + ": killed"), std::string::npos)
                << what << ": " << r.output;
            ASSERT_NO_FATAL_FAILURE(check_kill_and_next_run(mode, answerfile, baseline, what, k > total,
                                                            rewrite_from != 0 && k > rewrite_from && k <= total));
        }

        const char* seed_text = std::getenv("XCP_FAULT_SEED");
        const char* count_text = std::getenv("XCP_FAULT_INSTANTS");
        const auto seed = seed_text != nullptr ? std::strtoul(seed_text, nullptr, 10) : std::random_device{}();
        const auto instants = count_text != nullptr ? std::strtoul(count_text, nullptr, 10) : 20UL;
        std::cout << "fault injection: " << instants << " random instants, XCP_FAULT_SEED=" << seed << '\n';
        RecordProperty("fault_seed", std::to_string(seed));
        std::mt19937 random(static_cast<std::mt19937::result_type>(seed));
        const auto range = std::chrono::duration_cast<std::chrono::milliseconds>(duration).count();
        std::uniform_int_distribution<long long> pick(0, std::max<long long>(range, 1));
        for (unsigned long i = 0; i < instants; ++i) {
            reset_images();
            const auto at = std::chrono::milliseconds(pick(random));
            bool killed = false;
            {
                // Its own session: the kill takes mke2fs, debugfs and
                // extlinux with it, as a power cut would.
                Daemon installer({"/usr/bin/setsid", "/bin/sh", "-c", "exec " + installer_command(answerfile)},
                                 dir_.path() / "killed.log");
                std::this_thread::sleep_for(at);
                if (installer.running()) {
                    ::kill(-installer.pid(), SIGKILL);
                    killed = true;
                    installer.kill_hard();
                    // The session's other processes (a mount in its system
                    // call) end before the machine "boots" again.
                    run("for i in $(seq 100); do pgrep -s " + std::to_string(installer.pid()) +
                        " >/dev/null || exit 0; sleep 0.1; done");
                } else {
                    ASSERT_EQ(installer.stop(), 0) << "an uninterrupted run succeeds\n" << installer.log();
                }
            }
            const auto what = "seed " + std::to_string(seed) + ", instant " + std::to_string(i + 1) + ": killed " +
                              std::to_string(at.count()) + " ms in" + (killed ? "" : " (it had finished)");
            ASSERT_NO_FATAL_FAILURE(
                check_kill_and_next_run(mode, answerfile, baseline, what, !killed, false, !killed));
        }
        std::cout << "fault injection: " << kills_ + finished_ << " kills; " << kills_
                  << " followed by a run to the end, " << resumed_ << " of them an upgrade that went on from the "
                  << "backup; " << finished_ << " after the journal said complete (or the run had ended); "
                  << on_backup_ << " found the disk booting the backup";
        if (!foreign_esp_config_.empty()) {
            std::cout << ", " << on_foreign_esp_ << " the old root through the other installer's grub.cfg";
        }
        std::cout << '\n';
        if (mode == Mode::upgrade) {
            EXPECT_GE(resumed_, 3) << "kills inside the root's rewrite were made";
            EXPECT_GE(on_backup_, resumed_) << "the disk booted the backup after each of them";
        }
        if (mode == Mode::restore) {
            EXPECT_GT(on_backup_, 0) << "kills while the root was rewritten from the backup were made";
        }
    }

    // UEFI, XCP-ng 8 layout: version A installed and first-booted, its
    // settings changed, VM data in the SR and on the guest disk; version B
    // built beside it.
    void install_modern_a_uefi_in_use()
    {
        require_programs({"rpmbuild", "gzip", "sha256sum", "mtype", "mcopy", "mdel", "fsck.fat", "sfdisk"});
        boot_mode_ = "uefi";
        const auto [modern_a, modern_b] = build_modern_a_and_b();
        modern_b_ = modern_b;
        ASSERT_NO_FATAL_FAILURE(fresh_install(modern_a));
        ASSERT_NE(esp_, 0U);
        EXPECT_EQ(boot_target(), "root") << esp_file("EFI/xenserver/grub.cfg") << esp_file("EFI/xenserver/grubenv");
        complete_first_boot();
        ASSERT_NO_FATAL_FAILURE(change_settings_cleanly());
        write_vm_data();
    }

    // An ESP as XCP-ng's own installer leaves it: its grub.cfg is the
    // root's full menu, finding the root by its label; no grubenv of ours.
    void give_the_esp_another_installers_grub_cfg()
    {
        foreign_esp_config_ = "# XCP-ng's installer wrote this ESP.\n" + cat(root_, "/boot/grub/grub.cfg");
        const auto local = dir_.path() / "foreign-grub.cfg";
        std::ofstream(local) << foreign_esp_config_;
        const auto image = quote(disk("sda") + "@@" + std::to_string(esp_));
        sh("MTOOLS_SKIP_CHECK=1 mcopy -o -i " + image + " " + quote(local.string()) +
           " ::/EFI/xenserver/grub.cfg && MTOOLS_SKIP_CHECK=1 mdel -i " + image + " ::/EFI/xenserver/grubenv");
        ASSERT_EQ(esp_file("EFI/xenserver/grub.cfg"), foreign_esp_config_);
        ASSERT_EQ(esp_file("EFI/xenserver/grubenv"), "<absent>");
        ASSERT_EQ(boot_target(), "root");
    }

    // fsck.fat reads a whole device: the ESP copied out of the image.
    void expect_the_esp_checks_clean()
    {
        const auto table = nlohmann::json::parse(run("sfdisk --json " + quote(disk("sda"))).output, nullptr, false);
        std::uint64_t sectors = 0;
        for (const auto& p : table.at("partitiontable").at("partitions")) {
            if (p.at("start").get<std::uint64_t>() * 512 == esp_) {
                sectors = p.at("size").get<std::uint64_t>();
            }
        }
        ASSERT_NE(sectors, 0U) << table.dump();
        const auto esp = dir_.path() / "esp.img";
        sh("dd if=" + quote(disk("sda")) + " of=" + quote(esp.string()) + " bs=512 skip=" + std::to_string(esp_ / 512) +
           " count=" + std::to_string(sectors) + " conv=sparse status=none");
        const auto fsck = run("fsck.fat -n " + quote(esp.string()));
        EXPECT_EQ(fsck.exit_code, 0) << "the ESP checks clean after the exchange\n" << fsck.output;
    }

    // BIOS, XCP-ng 8 layout, as installed: GRUB's boot.img and a core image
    // in the BIOS boot partition, which the root's /boot/grub/grub.cfg
    // follows; version A first-booted and in use, version B built beside.
    void install_modern_a_bios_grub_in_use()
    {
        require_programs({"rpmbuild", "gzip", "sha256sum", "sfdisk", "grub-mkimage"});
        grub_bios_ = true;
        const auto [modern_a, modern_b] = build_modern_a_and_b();
        modern_b_ = modern_b;
        ASSERT_NO_FATAL_FAILURE(fresh_install(modern_a));
        root_core_ = loaded_core();
        ASSERT_FALSE(root_core_.empty()) << "the install leaves GRUB in the MBR";
        EXPECT_EQ(boot_target(), "root");
        EXPECT_TRUE(bootable().empty()) << "GRUB's boot.img reads no flag, and none is set";
        complete_first_boot();
        ASSERT_NO_FATAL_FAILURE(change_settings_cleanly());
        write_vm_data();
    }

    static constexpr const char* esp_exchanged = "EFI/xenserver/XCPSWTCH.CFG";
    bool grub_bios_ = false;  // BIOS with GRUB: boot_target() reads the MBR
    std::string root_core_;   // the core image that boots the root, unplaced
    std::string foreign_esp_config_;
    int on_foreign_esp_ = 0;
    fs::path saved_ = dir_.path() / "saved";
    fs::path modern_b_;
    int kills_ = 0;
    int resumed_ = 0;
    int finished_ = 0;
    int on_backup_ = 0;  // kills after which the disk booted the backup
    std::size_t total_ = 0;  // the plan's operations
};

TEST_F(InstallerFaults, AnUpgradeKilledAnywhereBootsAWholeControlDomainAndFinishes)
{
    ASSERT_NO_FATAL_FAILURE(install_version_a_in_use());
    save_images();
    kill_everywhere(Mode::upgrade, upgrade_answerfile(repo_b_));
}

TEST_F(InstallerFaults, ARestoreKilledAnywhereBootsAWholeControlDomainAndFinishes)
{
    ASSERT_NO_FATAL_FAILURE(install_version_a_in_use());
    ASSERT_EQ(installer(upgrade_answerfile(repo_b_)).exit_code, 0);
    save_images();
    kill_everywhere(Mode::restore, restore_answerfile());
}

// UEFI, XCP-ng 8 layout: the ESP's switch (grub.cfg reading grubenv)
// moves the boot onto the backup and back, each time in one sector.
TEST_F(InstallerFaults, AUefiUpgradeKilledAnywhereBootsAWholeControlDomainThroughTheEspAndFinishes)
{
    ASSERT_NO_FATAL_FAILURE(install_modern_a_uefi_in_use());
    // Upgraded from another installer's ESP: the first switch exchanges
    // its grub.cfg for ours in one sector.
    ASSERT_NO_FATAL_FAILURE(give_the_esp_another_installers_grub_cfg());
    save_images();
    kill_everywhere(Mode::upgrade, upgrade_answerfile(modern_b_));
    EXPECT_GT(on_foreign_esp_, 0) << "kills before the exchange were made";
    expect_the_esp_checks_clean();
}

// The restore of that upgrade: the same switch, onto the backup while the
// root is rewritten from it, and back.
TEST_F(InstallerFaults, AUefiRestoreKilledAnywhereBootsAWholeControlDomainThroughTheEspAndFinishes)
{
    ASSERT_NO_FATAL_FAILURE(install_modern_a_uefi_in_use());
    ASSERT_EQ(installer(upgrade_answerfile(modern_b_)).exit_code, 0);
    EXPECT_EQ(boot_target(), "root") << esp_file("EFI/xenserver/grub.cfg") << esp_file("EFI/xenserver/grubenv");
    save_images();
    kill_everywhere(Mode::restore, restore_answerfile());
}

// BIOS with GRUB, XCP-ng 8 layout: the MBR's one sector moves the boot
// onto a core image that reads the backup's grub.cfg, and back onto one
// that reads the root's, each core written into the slot the MBR does not
// load and read back first.
TEST_F(InstallerFaults, ABiosGrubUpgradeKilledAnywhereBootsAWholeControlDomainThroughTheMbrAndFinishes)
{
    ASSERT_NO_FATAL_FAILURE(install_modern_a_bios_grub_in_use());
    save_images();
    kill_everywhere(Mode::upgrade, upgrade_answerfile(modern_b_));
}

// The restore of that upgrade: the MBR moves onto the backup's core while
// the root is rewritten from the backup, and back onto the root's.
TEST_F(InstallerFaults, ABiosGrubRestoreKilledAnywhereBootsAWholeControlDomainThroughTheMbrAndFinishes)
{
    ASSERT_NO_FATAL_FAILURE(install_modern_a_bios_grub_in_use());
    ASSERT_EQ(installer(upgrade_answerfile(modern_b_)).exit_code, 0);
    EXPECT_EQ(boot_target(), "root");
    save_images();
    kill_everywhere(Mode::restore, restore_answerfile());
}

TEST_F(InstallerFaults, AFreshInstallKilledAnywhereIsNeverBootableHalfWayAndFinishes)
{
    require_programs({"rpmbuild", "gzip", "sha256sum"});
    const auto modern = dir_.path() / "modern-a";
    build_modern_repository(modern, dir_.path() / "content-ma", "8.2.1", "xen-4.13.5.gz", "XCP-ng A\n", 21);
    sh("truncate -s 64G " + quote(disk("sda")));
    save_images();
    ASSERT_NO_FATAL_FAILURE(fresh_install(modern));
    grub_bios_ = true;  // BIOS, XCP-ng 8 layout: the MBR's GRUB code is what makes the disk bootable, last
    kill_everywhere(Mode::fresh, fresh_answerfile(modern));
}

}  // namespace
}  // namespace xcp::test

namespace xcp::test {
namespace {

// The images on a tmpfs of their own, so that the target can fill up.
class InstallerFullTarget : public InstallerFaults {
protected:
    void SetUp() override
    {
        if (::geteuid() != 0) {
            GTEST_SKIP() << "mounting a tmpfs for the images needs root";
        }
        fs::create_directories(dev_);
        sh("mount -t tmpfs -o size=3G xcp-installer-test " + quote(dev_.string()));
        mounted_ = true;
        InstallerFaults::SetUp();
    }
    void TearDown() override
    {
        if (mounted_) {
            run("umount " + quote(dev_.string()));
        }
    }
    bool mounted_ = false;
};

}  // namespace
}  // namespace xcp::test

namespace xcp::test {
namespace {

// An upgrade whose target turns read-only (chattr +i: every later write is
// refused) while its root is rewritten: one clear failure, the disk boots
// the old control domain from its backup, and once the disk can be written
// again the next run finishes.
TEST_F(InstallerFaults, ATargetThatTurnsReadOnlyWhileTheRootIsRewrittenFailsClearly)
{
    ASSERT_NO_FATAL_FAILURE(install_version_a_in_use());
    save_images();
    const auto answerfile = upgrade_answerfile(repo_b_);
    ASSERT_EQ(installer(answerfile).exit_code, 0);
    const auto baseline = tree(root_);
    reset_images();

    std::string log;
    {
        Daemon upgrade({"/usr/bin/setsid", "/bin/sh", "-c", "exec " + installer_command(answerfile)},
                       dir_.path() / "upgrade.log");
        // The progress line after the backup is made bootable (not the plan's).
        ASSERT_TRUE(upgrade.wait_for_log("a reboot now starts the old control domain from its backup",
                                         std::chrono::seconds(120)))
            << upgrade.log();
        // Into the root's mke2fs.
        std::this_thread::sleep_for(std::chrono::milliseconds(150));
        sh("chattr +i " + quote(disk("sda")));
        EXPECT_TRUE(upgrade.wait_for_log("INSTALL FAILED", std::chrono::seconds(120))) << upgrade.log();
        for (int i = 0; i < 600 && upgrade.running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        EXPECT_EQ(upgrade.stop(), 1) << upgrade.log();
        log = upgrade.log();
    }
    sh("chattr -i " + quote(disk("sda")));
    const auto failure = log.substr(std::min(log.find("INSTALL FAILED"), log.size()));
    std::cout << failure.substr(0, 400) << '\n';
    EXPECT_NE(failure.find("Operation not permitted"), std::string::npos) << log;
    EXPECT_NE(failure.find("was being rewritten: the verified backup on sda partition 2 holds the old one, and the "
                           "disk boots it; run the upgrade again to finish it from there"),
              std::string::npos)
        << log;
    expect_next_upgrade_finishes(answerfile, baseline, "read-only");
}

// An upgrade onto storage that fills up: the failure names it, the disk
// boots a whole control domain, and with room again the next run finishes.
TEST_F(InstallerFullTarget, ATargetThatFillsUpFailsClearly)
{
    ASSERT_NO_FATAL_FAILURE(install_version_a_in_use());
    save_images();
    const auto answerfile = upgrade_answerfile(repo_b_);
    ASSERT_EQ(installer(answerfile).exit_code, 0);
    const auto baseline = tree(root_);
    reset_images();
    const auto used = std::stoull(sh("df --output=used -B1M " + quote(dev_.string()) + " | tail -1"));
    sh("mount -o remount,size=" + std::to_string(used + 2) + "M " + quote(dev_.string()));
    const auto r = installer(answerfile);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("No space left on device"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("INSTALL FAILED"), std::string::npos) << r.output;
    std::cout << r.output.substr(std::min(r.output.find("INSTALL FAILED"), r.output.size()), 400) << '\n';
    sh("mount -o remount,size=3G " + quote(dev_.string()));
    expect_next_upgrade_finishes(answerfile, baseline, "full");
}

}  // namespace
}  // namespace xcp::test
