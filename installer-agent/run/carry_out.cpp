#include "installer-agent/run/carry_out.hpp"

#include "installer-agent/configure/bootloader.hpp"
#include "installer-agent/configure/control_domain.hpp"
#include "installer-agent/disk/extlinux.hpp"
#include "installer-agent/disk/filesystems.hpp"
#include "installer-agent/disk/partition_table.hpp"
#include "installer-agent/run/stage_scripts.hpp"
#include "installer-agent/source/open.hpp"
#include "installer-agent/system/command.hpp"
#include "installer-agent/unpack/root_unpacker.hpp"
#include "libxcp/checksum/password_hash.hpp"

#include <algorithm>
#include <fstream>

namespace xcp::installer {
namespace {

namespace af = answerfile;
namespace fs = std::filesystem;

// One failed step: the sentence the operator reads.
struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Removes the staging tree however the install ends.
class WorkDir {
public:
    WorkDir(fs::path path, bool keep) : path_(std::move(path)), keep_(keep)
    {
        std::error_code ec;
        fs::create_directories(path_ / "root", ec);
        fs::create_directories(path_ / "logs", ec);
        if (ec) {
            throw Failure("cannot create the work directory " + path_.string() + ": " + ec.message());
        }
    }
    ~WorkDir()
    {
        if (!keep_) {
            std::error_code ec;
            fs::remove_all(path_, ec);
        }
    }
    WorkDir(const WorkDir&) = delete;
    WorkDir& operator=(const WorkDir&) = delete;
    [[nodiscard]] const fs::path& path() const { return path_; }
    [[nodiscard]] fs::path root() const { return path_ / "root"; }
    [[nodiscard]] fs::path logs() const { return path_ / "logs"; }

private:
    fs::path path_;
    bool keep_;
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

std::string read_file(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// One pass over the sources: what each does, in order.
struct Pass {
    const af::Source* source;
    bool unpack;  // false: verify only
};

// Fetches, verifies and unpacks every source into the staging root. Driver
// sources are verified first, as the reference loads them first; they are
// unpacked after the main sources, so that their modules land under the
// kernel those installed (${KERNEL_VERSION}). Percent runs from `from` to `to`.
std::vector<InstalledRepository> fetch_sources(const af::Answerfile& a, const CarryOutOptions& o,
                                               const fs::path& root, Progress& progress, int from, int to)
{
    std::vector<Pass> passes;
    for (const auto& s : a.driver_sources) {
        passes.push_back({&s, false});
    }
    for (const auto& s : a.sources) {
        passes.push_back({&s, true});
    }
    for (const auto& s : a.driver_sources) {
        passes.push_back({&s, true});
    }
    RootUnpacker unpacker(root, o.bzip2_program);
    const int share = (to - from) / std::max<int>(1, static_cast<int>(passes.size()));
    int index = 0;
    for (const auto& [s, unpack] : passes) {
        std::string where = s->location;
        if (s->type == af::SourceType::local) {
            if (o.local_source.empty()) {
                throw Failure("<source type=\"local\"> needs the installer's media: give --local-source DIR");
            }
            where = o.local_source;
        } else if (s->type == af::SourceType::nfs && !where.starts_with("nfs://")) {
            where = "nfs://" + where;
        }
        std::unique_ptr<repository::Source> source;
        try {
            source = open_repository(where);
        } catch (const repository::SourceError& e) {
            throw Failure(std::string("source ") + e.what());
        }
        const int base = from + share * index++;
        const auto step = unpack ? "fetch" : "driver";
        const auto done_text = unpack ? " verified, unpacked" : " verified";
        repository::VerifyOptions options;
        options.unpacker = unpack ? &unpacker : nullptr;
        options.stop_at_first_problem = true;
        options.progress = [&](const repository::RepositoryCheck& r, const repository::PackageCheck& p,
                               std::size_t done, std::size_t total) {
            if (p.problem.empty()) {
                progress.step(base + static_cast<int>(share * done / std::max<std::size_t>(total, 1)), step,
                              r.id + " " + p.name + " (" + std::to_string(p.actual_size) + " bytes): " + p.algorithm +
                                  done_text);
            }
        };
        repository::VerifyReport report;
        try {
            report = repository::verify(*source, options);
        } catch (const repository::SourceError& e) {
            throw Failure(std::string("source ") + where + ": " + e.what());
        }
        for (const auto& r : report.repositories) {
            if (!r.problem.empty()) {
                throw Failure("source " + where + ": " + r.problem);
            }
            for (const auto& p : r.packages) {
                if (!p.problem.empty()) {
                    throw Failure("package " + p.name + " (" + p.file + ") of " + r.id + " from " + where + ": " +
                                  p.problem);
                }
            }
        }
    }
    return unpacker.installed();
}

std::string root_hash(const af::Answerfile& a)
{
    if (!a.root_password) {
        return {};
    }
    if (a.root_password->type == af::PasswordType::hash) {
        return a.root_password->value.reveal();
    }
    try {
        return checksum::sha512_crypt(a.root_password->value);
    } catch (const std::runtime_error& e) {
        throw Failure(e.what());
    }
}

BootloaderConfig configure_root(const af::Answerfile& a, const Plan& plan, const CarryOutOptions& o,
                                const fs::path& root, const fs::path& esp, const ControlDomainInputs& inputs,
                                Progress& progress)
{
    for (const auto& f : control_domain_files(inputs)) {
        write_file(root, f);
    }
    if (const auto hash = root_hash(a); !hash.empty()) {
        const auto shadow = root / "etc/shadow";
        write_file(root, {"etc/shadow", with_root_hash(read_file(shadow), hash), 0600});
    } else {
        progress.note("xcp-installer: the answerfile has no <root-password>: the host asks for one at first boot");
    }
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(root / "boot", ec)) {
        names.push_back(e.path().filename().string());
    }
    const auto files = find_boot_files(names);
    if (!files) {
        throw Failure("the installed packages put no Xen (boot/xen*.gz) and kernel (boot/vmlinuz*) into the new "
                      "root: the repository cannot boot a host");
    }
    const bool uefi = by_role(plan.layout, "ESP") != nullptr;
    auto config =
        bootloader_config(a, plan.era, plan.layout.table, *files, inputs.root_label, o.dom0_mem_mib, uefi);
    if (!config.on_esp) {
        write_file(root, {config.path, config.text});
        if (config.kind == "extlinux") {
            for (const auto& name : add_syslinux_modules(o.syslinux_modules_dir, root / "boot")) {
                progress.note("xcp-installer: neither the packages nor " + o.syslinux_modules_dir.string() +
                              " hold " + name + ", which " + config.path + " needs to boot Xen");
            }
        }
        return config;
    }
    // What the packages put under /boot/efi belongs on the ESP, which dom0
    // mounts there; the directory stays as the mount point.
    fs::create_directories(esp, ec);
    for (const auto& e : fs::directory_iterator(root / "boot/efi", ec)) {
        fs::rename(e.path(), esp / e.path().filename(), ec);
        if (ec) {
            throw Failure("cannot move " + e.path().string() + " to the ESP tree: " + ec.message());
        }
    }
    fs::create_directories(root / "boot/efi", ec);
    write_file(esp, {config.path, config.text});
    if (!fs::exists(esp / "EFI/xenserver/grubx64.efi")) {
        progress.note("xcp-installer: the packages hold no boot/efi/EFI/xenserver/grubx64.efi: the ESP gets "
                      "grub.cfg only, and the firmware needs a loader to boot it");
    }
    return config;
}

// The disks must still be the ones probed and planned for.
void check_disks(const Plan& plan, const Probe& probe)
{
    std::vector<std::string> names{plan.primary};
    names.insert(names.end(), plan.guest_disks.begin(), plan.guest_disks.end());
    for (const auto& n : names) {
        const auto* d = probe.disk(n);
        if (d == nullptr) {
            throw Failure("disk " + n + " was not probed");
        }
        if (const auto changed = changed_since_probe(*d); !changed.empty()) {
            throw Failure(changed);
        }
    }
}

void check_filesystem(const fs::path& disk, const PlannedPartition& p)
{
    const auto device = disk.string() + "?offset=" + std::to_string(p.start);
    const auto r = run_command({"e2fsck", "-f", "-n", device});
    if (!r.ok()) {
        throw Failure("the new root filesystem on " + disk.string() + " partition " + std::to_string(p.number) +
                      " does not check clean: " + r.failure("e2fsck"));
    }
}

// BIOS: extlinux's boot sector and ldlinux.sys (the filesystem checked again
// after), syslinux's MBR code, and the bootable flag on root, in that order.
void write_boot_loader(const fs::path& disk, const Plan& plan, const CarryOutOptions& o, const BootloaderConfig& boot,
                       const PlannedPartition& root, const WorkDir& work, Progress& progress)
{
    std::string done = boot.kind + ": " + boot.path;
    if (boot.kind == "extlinux") {
        if (const auto why = extlinux_unavailable(); why.empty()) {
            install_extlinux(disk, root, work.path() / "mnt");
            check_filesystem(disk, root);
            done += ", boot sector and ldlinux.sys installed";
        } else {
            progress.note("xcp-installer: extlinux's boot sector is not installed (" + why +
                          "): the host cannot boot from this disk until it is");
        }
        const auto code = o.boot_code_dir / boot.boot_code;
        if (fs::exists(code)) {
            write_boot_code(disk, code);
        } else {
            progress.note("xcp-installer: no " + code.string() + ": the MBR boot code is not written");
        }
    }
    mark_bootable(disk, plan.layout, root.number);
    progress.step(95, "bootloader", done + ", partition " + std::to_string(root.number) + " marked bootable");
}

// After a failure past partitioning, the log goes where the reference puts
// it: onto the logs partition (best effort; the console has it anyway).
void keep_log_on_disk(const Plan& plan, const Probe& probe, const WorkDir& work, Progress& progress)
{
    const auto* logs = by_role(plan.layout, "logs");
    if (logs == nullptr) {
        return;
    }
    try {
        std::ofstream(work.logs() / "xcp-installer.log") << progress.log();
        make_filesystem(probe.disk(plan.primary)->path, *logs,
                        {"ext3", "logs-failed", work.logs()});
        progress.note("xcp-installer: the install log is on the logs partition (" + std::to_string(logs->number) +
                      ", label logs-failed)");
    } catch (const std::exception& e) {
        progress.note(std::string("xcp-installer: the install log could not be kept on disk: ") + e.what());
    }
}

}  // namespace

CarryOutResult carry_out(const af::Answerfile& a, const Plan& plan, const Probe& probe, const CarryOutOptions& o,
                         Progress& progress)
{
    CarryOutResult result;
    std::optional<WorkDir> work;
    try {
        work.emplace(o.work_dir, o.keep_work_dir);
        progress.step(0, "prepare", "Preparing for installation... (mode " + plan.mode + " onto " + plan.primary +
                                           ")");
        run_stage_scripts(a, af::ScriptStage::installation_start, {}, work->path(), progress);

        const auto repos = fetch_sources(a, o, work->root(), progress, 2, 60);
        run_stage_scripts(a, af::ScriptStage::packages_installed, {work->root().string()}, work->path(), progress);

        const auto suffix = random_label_suffix(6);
        ControlDomainInputs inputs;
        inputs.answerfile = &a;
        inputs.plan = &plan;
        inputs.installation_uuid = new_uuid();
        inputs.control_domain_uuid = new_uuid();
        inputs.root_label = "root-" + suffix;
        inputs.logs_label = by_role(plan.layout, "logs") ? "logs-" + suffix : "";
        inputs.swap_label = by_role(plan.layout, "swap") ? "swap-" + suffix : "";
        auto upper = suffix.substr(0, 4);
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        inputs.esp_label = by_role(plan.layout, "ESP") ? "BOOT-" + upper : "";
        inputs.repositories = repos;
        inputs.dom0_mem_mib = o.dom0_mem_mib;
        const auto boot = configure_root(a, plan, o, work->root(), work->path() / "esp", inputs, progress);
        progress.step(62, "configure", "hostname, network, timezone, keymap, NTP, root password, "
                                          "xensource-inventory, " + boot.path + " written");
        run_stage_scripts(a, af::ScriptStage::filesystem_populated, {work->root().string()}, work->path(), progress);

        check_disks(plan, probe);
        const auto& disk = probe.disk(plan.primary)->path;
        const auto sector = probe.disk(plan.primary)->sector_size;
        progress.step(64, "partition", "Preparing target disk... " + plan.primary + ": " +
                                              std::to_string(plan.layout.partitions.size()) + " partitions, " +
                                              plan.layout.table);
        result.disks_touched = true;
        write_partition_table(disk, plan.layout, sector);
        for (const auto& g : plan.guest_disks) {
            const auto* d = probe.disk(g);
            wipe_signatures(d->path, d->size);
            progress.step(66, "wipe", g + ": old signatures cleared, whole disk for the local SR");
        }
        for (const auto& p : plan.layout.partitions) {
            if (p.role == "swap") {
                make_filesystem(disk, p, {"swap", inputs.swap_label, std::nullopt});
            } else if (p.role == "ESP") {
                make_filesystem(disk, p, {"vfat", inputs.esp_label, std::nullopt});
            } else {
                continue;
            }
            progress.step(68, "mkfs", p.role + " on partition " + std::to_string(p.number));
        }
        const auto* root_part = by_role(plan.layout, "root");
        const auto* logs_part = by_role(plan.layout, "logs");
        progress.step(70, "mkfs", "root (ext3, " + inputs.root_label + ") on partition " +
                                         std::to_string(root_part->number) + ", populated from the verified tree");
        if (logs_part == nullptr) {
            write_file(work->root(), {"var/log/xcp-installer.log", progress.log()});
        }
        make_filesystem(disk, *root_part, {"ext3", inputs.root_label, work->root()});
        check_filesystem(disk, *root_part);
        progress.step(90, "verify", "root filesystem checks clean (e2fsck -fn)");

        if (logs_part != nullptr) {
            progress.step(92, "logs", "install log to the logs partition (" + inputs.logs_label + ")");
            std::ofstream(work->logs() / "xcp-installer.log") << progress.log();
            make_filesystem(disk, *logs_part, {"ext3", inputs.logs_label, work->logs()});
        }
        // Everything is written and checked: only now is the disk bootable.
        if (boot.on_esp) {
            const auto* esp = by_role(plan.layout, "ESP");
            populate_vfat(disk, *esp, work->path() / "esp");
            progress.step(95, "bootloader", "grub2 (UEFI): the ESP (partition " + std::to_string(esp->number) +
                                                ") holds " + boot.path);
        } else {
            write_boot_loader(disk, plan, o, boot, *root_part, *work, progress);
        }
        run_stage_scripts(a, af::ScriptStage::installation_complete, {"0"}, work->path(), progress);
        result.ok = true;
        progress.report({100, "complete", "The installation completed successfully.", std::optional<bool>(true)});
    } catch (const std::exception& e) {
        // Failure, DiskError and SourceError all carry their sentence.
        result.failure = e.what();
        progress.note("INSTALL FAILED. " + result.failure +
                      (result.disks_touched ? "; the target was not made bootable"
                                            : "; nothing was written to the disks"));
        if (result.disks_touched && work) {
            keep_log_on_disk(plan, probe, *work, progress);
        }
        if (work) {
            run_stage_scripts(a, af::ScriptStage::installation_complete, {"1"}, work->path(), progress);
        }
        progress.report({100, "failed", result.failure, std::optional<bool>(false)});
    }
    return result;
}

}  // namespace xcp::installer
