#include "installer-agent/run/system_adapters.hpp"

#include "installer-agent/configure/boot_switch.hpp"
#include "installer-agent/configure/bootloader.hpp"
#include "installer-agent/configure/control_domain.hpp"
#include "installer-agent/disk/ext_files.hpp"
#include "installer-agent/disk/extlinux.hpp"
#include "installer-agent/disk/filesystems.hpp"
#include "installer-agent/disk/grub_bios.hpp"
#include "installer-agent/disk/grub_bios_install.hpp"
#include "installer-agent/disk/partition_table.hpp"
#include "installer-agent/run/stage_scripts.hpp"
#include "installer-agent/source/open.hpp"
#include "installer-agent/system/command.hpp"
#include "installer-agent/report/backup_upload.hpp"
#include "installer-agent/upgrade/backup.hpp"
#include "installer-agent/upgrade/backup_archive.hpp"
#include "installer-agent/upgrade/backup_boot.hpp"
#include "installer-agent/upgrade/carry_over_copy.hpp"
#include "libxcp/checksum/password_hash.hpp"
#include "libxcp/util/overloaded.hpp"
#include "libxcp/util/whole_file.hpp"

#include <fstream>

namespace xcp::installer {
namespace {

namespace af = answerfile;
namespace fs = std::filesystem;

// One failed operation: the sentence the operator reads.
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void write_file(const fs::path& root, const RootFile& f)
{
    const auto path = root / f.path;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    fs::remove(path, ec);
    if (f.symlink) {
        fs::create_symlink(f.content, path, ec);
        if (ec) {
            throw Failure("cannot write " + f.path + " in the new root: " + ec.message());
        }
        return;
    }
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << f.content;
        if (!out) {
            throw Failure("cannot write " + f.path + " in the new root");
        }
    }
    fs::permissions(path, static_cast<fs::perms>(f.mode), ec);
}

void check_filesystem(const fs::path& disk, const PlannedPartition& p)
{
    const auto device = disk.string() + "?offset=" + std::to_string(p.start);
    const auto r = run_command({"e2fsck", "-f", "-n", device});
    if (!r.ok()) {
        throw Failure("the " + std::string(to_string(p.role)) + " filesystem on " + disk.string() + " partition " +
                      std::to_string(p.number) + " does not check clean: " + r.failure("e2fsck"));
    }
}

}  // namespace

SystemAdapters::SystemAdapters(const Probe& probe, SystemOptions options, Progress& progress)
    : probe_(probe), options_(std::move(options)), progress_(progress)
{
}

SystemAdapters::~SystemAdapters()
{
    if (prepared_ && !options_.keep_work_dir) {
        std::error_code ec;
        fs::remove_all(options_.work_dir, ec);
    }
}

void SystemAdapters::prepare()
{
    std::error_code ec;
    fs::create_directories(root(), ec);
    fs::create_directories(logs(), ec);
    if (ec) {
        throw Failure("cannot create the work directory " + options_.work_dir.string() + ": " + ec.message());
    }
    prepared_ = true;
    unpacker_.emplace(root(), options_.bzip2_program);
}

const DiskInfo& SystemAdapters::disk(const std::string& name) const
{
    const auto* d = probe_.disk(name);
    if (d == nullptr) {
        throw Failure("disk " + name + " was not probed");
    }
    return *d;
}

void SystemAdapters::confirm_disk(const std::string& name)
{
    if (const auto changed = changed_since_probe(disk(name)); !changed.empty()) {
        throw Failure(changed);
    }
}

std::string SystemAdapters::fetch(const op::FetchSource& o)
{
    std::unique_ptr<repository::Source> source;
    try {
        source = open_repository(o.location);
    } catch (const repository::SourceError& e) {
        throw Failure(std::string("source ") + e.what());
    }
    const bool unpack = o.use != op::SourceUse::check_driver;
    const auto step = unpack ? "fetch" : "driver";
    const auto done_text = unpack ? " verified, unpacked" : " verified";
    repository::VerifyOptions options;
    options.unpacker = unpack ? &*unpacker_ : nullptr;
    options.stop_at_first_problem = true;
    std::size_t packages = 0;
    options.progress = [&](const repository::RepositoryCheck& r, const repository::PackageCheck& p, std::size_t done,
                           std::size_t total) {
        if (p.problem.empty()) {
            ++packages;
            progress_.step(o.percent_from + static_cast<int>(static_cast<std::size_t>(o.percent_to - o.percent_from) * done /
                                                                std::max<std::size_t>(total, 1)),
                           step,
                           r.id + " " + p.name + " (" + std::to_string(p.actual_size) + " bytes): " + p.algorithm +
                               done_text);
        }
    };
    repository::VerifyReport report;
    try {
        report = repository::verify(*source, options);
    } catch (const repository::SourceError& e) {
        throw Failure(std::string("source ") + o.location + ": " + e.what());
    }
    for (const auto& r : report.repositories) {
        if (!r.problem.empty()) {
            throw Failure("source " + o.location + ": " + r.problem);
        }
        for (const auto& p : r.packages) {
            if (!p.problem.empty()) {
                throw Failure("package " + p.name + " (" + p.file + ") of " + r.id + " from " + o.location + ": " +
                              p.problem);
            }
        }
    }
    return std::to_string(packages) + " package" + (packages == 1 ? "" : "s") + done_text;
}

std::string SystemAdapters::write_boot_config(const op::WriteBootConfig& o)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root() / "boot", ec)) {
        names.push_back(e.path().filename().string());
    }
    const auto files = find_boot_files(names);
    if (!files) {
        throw Failure("the installed packages put no Xen (boot/xen*.gz) and kernel (boot/vmlinuz*) into the new "
                      "root: the repository cannot boot a host");
    }
    const auto text = bootloader_config(o.boot, *files);
    write_file(root(), {o.boot.path, text});
    if (!o.boot.uefi) {
        if (o.boot.loader == BootLoader::extlinux) {
            for (const auto& name : add_syslinux_modules(o.syslinux_modules, root() / "boot")) {
                progress_.note("xcp-installer: neither the packages nor " + o.syslinux_modules + " hold " + name +
                               ", which " + o.boot.path + " needs to boot Xen");
            }
        }
        return "Xen " + files->xen + ", kernel " + files->kernel;
    }
    // What the packages put under /boot/efi belongs on the ESP, which dom0
    // mounts there; the directory stays as the mount point.
    fs::create_directories(esp(), ec);
    for (const auto& e : fs::directory_iterator(root() / "boot/efi", ec)) {
        fs::rename(e.path(), esp() / e.path().filename(), ec);
        if (ec) {
            throw Failure("cannot move " + e.path().string() + " to the ESP tree: " + ec.message());
        }
    }
    fs::create_directories(root() / "boot/efi", ec);
    write_file(esp(), {std::string(esp_switch_path), esp_switch_config(o.boot.root_label)});
    write_file(esp(), {std::string(esp_env_path), grub_env_block(BootTarget::root)});
    if (!fs::exists(esp() / "EFI/xenserver/grubx64.efi")) {
        progress_.note("xcp-installer: the packages hold no boot/efi/EFI/xenserver/grubx64.efi: the ESP gets "
                       "grub.cfg only, and the firmware needs a loader to boot it");
    }
    return "Xen " + files->xen + ", kernel " + files->kernel;
}

std::string SystemAdapters::upload_backup(const op::UploadBackup& o)
{
    const auto& d = disk(o.disk);
    std::error_code ec;
    fs::remove_all(old_root(), ec);
    fs::create_directories(old_root(), ec);
    extract_ext({d.path, o.root.start}, old_root());
    const auto archive = make_backup_archive(old_root());
    const auto kept = send_backup(o.url, archive.bytes, std::chrono::seconds(120));
    return "kept as " + kept.id + " (" + std::to_string(archive.entries) + " entries, " +
           std::to_string(archive.bytes.size()) + " bytes, SHA-256 " + kept.sha256 + ")";
}

std::string SystemAdapters::back_up(const op::BackupRoot& o)
{
    const auto& d = disk(o.disk);
    const auto entries = back_up_root({d.path, d.table, d.sector_size}, o.root, o.backup, old_root());
    return std::to_string(entries) + " entries";
}

std::string SystemAdapters::verify_backup(const op::VerifyBackup& o)
{
    const auto& d = disk(o.disk);
    const auto entries = check_backup(d.path, o.backup, o.disk + " partition " + std::to_string(o.backup.number),
                                      options_.work_dir / "backup-check",
                                      o.against_old_root ? std::optional(old_root()) : std::nullopt);
    return std::to_string(entries) + " entries match";
}

std::string SystemAdapters::carry_over(const op::CarryOver& o)
{
    const auto r = carry_settings_over(old_root(), root(), o.root_password,
                                       [&](const std::string& line) { progress_.note("xcp-installer: carry-over: " + line); });
    return std::to_string(r.carried) + " carried, " + std::to_string(r.skipped) + " skipped" +
           (r.root_password ? ", root's password hash" : "");
}

std::string SystemAdapters::stage_backup(const op::StageBackup& o)
{
    const auto& d = disk(o.disk);
    const auto entries = stage_backup_as_root(d.path, o.backup, o.disk + " partition " + std::to_string(o.backup.number),
                                              root());
    return std::to_string(entries) + " entries staged";
}

void SystemAdapters::record(int slot, const std::string& block)
{
    if (!journal_) {
        throw Failure("the journal was not made before it was written");
    }
    journal_->write(slot, block);
}

std::string SystemAdapters::apply(const Operation& operation)
{
    return std::visit(
        util::Overloaded{
            [&](const op::CheckDisk& o) {
                confirm_disk(o.disk);
                return std::string();
            },
            [&](const op::RunScripts& o) {
                std::vector<std::string> arguments;
                for (const auto& a : o.arguments) {
                    arguments.push_back(a == "{root}" ? root().string() : a);
                }
                const int ran = run_stage_scripts(o, arguments, options_.work_dir, progress_);
                return std::to_string(ran) + " ran";
            },
            [&](const op::FetchSource& o) { return fetch(o); },
            [&](const op::WriteRootFiles& o) {
                for (const auto& f : o.files) {
                    write_file(root(), f);
                }
                return std::string();
            },
            [&](const op::SetRootPassword& o) {
                std::string hash;
                try {
                    hash = o.type == af::PasswordType::hash ? o.value.reveal() : checksum::sha512_crypt(o.value);
                } catch (const std::runtime_error& e) {
                    throw Failure(e.what());
                }
                // No shadow yet gets one with root's line; one that cannot be read is not rewritten.
                const auto shadow_path = root() / "etc/shadow";
                const auto shadow = util::read_whole_file(shadow_path);
                if (!shadow && fs::exists(shadow_path)) {
                    throw Failure("cannot read etc/shadow in the new root");
                }
                write_file(root(), {"etc/shadow", with_root_hash(shadow.value_or(""), hash), 0600});
                return std::string();
            },
            [&](const op::WriteInventory& o) {
                auto fields = o.fields;
                add_product(fields, unpacker_->installed());
                write_file(root(), {"etc/xensource-inventory", inventory_text(fields)});
                return fields.product_brand + " " + fields.product_version + " build " + fields.build_number;
            },
            [&](const op::WriteBootConfig& o) { return write_boot_config(o); },
            [&](const op::PartitionDisk& o) {
                const auto& d = disk(o.disk);
                write_partition_table(d.path, o.layout, d.sector_size);
                return std::string();
            },
            [&](const op::WipeDisk& o) {
                const auto& d = disk(o.disk);
                wipe_signatures(d.path, d.size);
                return std::string();
            },
            [&](const op::MakeFilesystem& o) {
                std::optional<fs::path> contents;
                if (o.contents == op::Contents::staging_root) {
                    contents = root();
                } else if (o.contents == op::Contents::install_log) {
                    std::ofstream(logs() / "xcp-installer.log") << progress_.log();
                    contents = logs();
                }
                make_filesystem(disk(o.disk).path, o.partition, {o.type, o.label, contents});
                return std::string();
            },
            [&](const op::CheckFilesystem& o) {
                check_filesystem(disk(o.disk).path, o.partition);
                return std::string("checks clean");
            },
            [&](const op::CopyLogIntoRoot&) {
                write_file(root(), {"var/log/xcp-installer.log", progress_.log()});
                return std::string();
            },
            [&](const op::PopulateEsp& o) {
                populate_vfat(disk(o.disk).path, o.partition, esp());
                return std::string();
            },
            [&](const op::InstallExtlinux& o) {
                if (const auto why = extlinux_unavailable(); !why.empty()) {
                    progress_.note("xcp-installer: extlinux's boot sector is not installed (" + why +
                                   "): the host cannot boot from this disk until it is");
                    return "not installed (" + why + ")";
                }
                install_extlinux(disk(o.disk).path, o.root, options_.work_dir / "mnt");
                return std::string("boot sector and ldlinux.sys installed");
            },
            [&](const op::WriteBootCode& o) {
                const auto code = options_.boot_code_dir / o.code;
                if (!fs::exists(code)) {
                    progress_.note("xcp-installer: no " + code.string() + ": the MBR boot code is not written");
                    return std::string("not written: no ") + code.string();
                }
                write_boot_code(disk(o.disk).path, code);
                return std::string();
            },
            [&](const op::MarkBootable& o) {
                mark_bootable(disk(o.disk).path, o.layout, o.number);
                return std::string();
            },
            [&](const op::UploadBackup& o) { return upload_backup(o); },
            [&](const op::BackupRoot& o) { return back_up(o); },
            [&](const op::VerifyBackup& o) { return verify_backup(o); },
            [&](const op::MarkBackup& o) {
                mark_backup(disk(o.disk).path, o.backup, o.installation, options_.work_dir);
                return std::string();
            },
            [&](const op::CarryOver& o) { return carry_over(o); },
            [&](const op::ApplyBackup& o) {
                const auto r = carry_settings_over(o.dir, root(), true, [&](const std::string& line) {
                    progress_.note("xcp-installer: restore: " + line);
                });
                return std::to_string(r.carried) + " carried, " + std::to_string(r.skipped) + " skipped" +
                       (r.root_password ? ", root's password hash" : "");
            },
            [&](const op::StageBackup& o) { return stage_backup(o); },
            [&](const op::AddLogToLogs& o) {
                const auto file = logs() / o.name;
                std::ofstream(file) << progress_.log();
                const ExtLocation where{disk(o.disk).path, o.logs.start};
                add_ext_file(where, file, o.name);
                if (!o.relabel.empty()) {
                    if (const auto r = run_command({"e2label", where.spec(), o.relabel}); !r.ok()) {
                        throw Failure("cannot relabel the logs filesystem " + o.relabel + ": " + r.failure("e2label"));
                    }
                }
                return std::string();
            },
            [&](const op::CreateJournal& o) {
                journal_ = DiskJournal::open_or_create({disk(o.disk).path, o.partition.start},
                                                       options_.work_dir / "journal");
                return std::string();
            },
            [&](const op::BootFromBackup& o) {
                if (o.grub_boot) {
                    return boot_from_backup_by_grub_core(disk(o.disk).path, *o.grub_boot, o.backup, o.grub_modules,
                                                         options_.work_dir / "grub-switch") +
                           ": a reboot now starts the old control domain from its backup";
                }
                if (o.esp) {
                    boot_from_backup_by_esp(disk(o.disk).path, *o.esp, o.backup, o.root_label,
                                            options_.work_dir / "esp-switch");
                } else {
                    boot_from_backup(disk(o.disk).path, o.layout, o.backup, options_.work_dir / "mnt",
                                     o.syslinux_modules);
                }
                return std::string("a reboot now starts the old control domain from its backup");
            },
            [&](const op::GrubBootsRoot& o) {
                const auto& path = disk(o.disk).path;
                if (const auto why = grub_bios_unavailable(o.modules); !why.empty()) {
                    if (loaded_grub_core(path)) {
                        throw Failure("GRUB's core image for the root cannot be made: " + why);
                    }
                    progress_.note("xcp-installer: GRUB's boot code is not installed (" + why +
                                   "): the host cannot boot from this disk until it is");
                    return "not installed (" + why + ")";
                }
                const auto core = make_grub_core(o.modules, grub_core_prefix(o.root.number), "",
                                                 options_.work_dir / "grub-core");
                return boot_grub_core(path, o.boot, core, o.modules);
            },
            [&](const op::EspBootsRoot& o) {
                boot_from_root_by_esp(disk(o.disk).path, o.esp, options_.work_dir / "esp-switch");
                return std::string();
            },
            [&](const op::ReadBackupAsOldRoot& o) {
                const auto& d = disk(o.disk);
                const auto entries = stage_backup_as_root(
                    d.path, o.backup, o.disk + " partition " + std::to_string(o.backup.number), old_root());
                return std::to_string(entries) + " entries";
            },
        },
        operation);
}

}  // namespace xcp::installer
