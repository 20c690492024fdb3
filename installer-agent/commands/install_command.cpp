#include "installer-agent/commands/install_command.hpp"

#include "installer-agent/environment/kernel_cmdline.hpp"
#include "installer-agent/configure/control_domain.hpp"
#include "installer-agent/disk/filesystems.hpp"
#include "installer-agent/commands/plan_output.hpp"
#include "installer-agent/journal/journal.hpp"
#include "installer-agent/plan/plan.hpp"
#include "installer-agent/plan/plan_parts.hpp"
#include "installer-agent/report/progress.hpp"
#include "installer-agent/run/executor.hpp"
#include "installer-agent/run/system_adapters.hpp"
#include "installer-agent/upgrade/backup_archive.hpp"
#include "installer-agent/upgrade/existing_installation.hpp"
#include "libxcp/checksum/digest.hpp"
#include "installer-agent/source/open.hpp"
#include "installer-agent/system/command.hpp"
#include "libxcp/answerfile/diagnostic.hpp"
#include "libxcp/answerfile/parser.hpp"
#include "libxcp/repository/http_source.hpp"
#include "libxcp/repository/manifest.hpp"
#include "libxcp/util/text.hpp"

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace xcp::installer {
namespace {

namespace af = answerfile;
namespace fs = std::filesystem;

std::string read_cmdline(const std::string& file)
{
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    return line;
}

// Brings up the NIC(s) the command line names so that the answerfile and
// the repository can be fetched: the first NIC configured is enough.
bool bring_up_network(const KernelCommandLine& k, std::ostream& log)
{
    const auto chosen = choose_nics(k, list_nics("/sys/class/net"));
    if (const auto* problem = std::get_if<std::string>(&chosen)) {
        log << "xcp-installer: " << *problem << '\n';
        return false;
    }
    for (const auto& nic : std::get<std::vector<std::string>>(chosen)) {
        const auto commands = network_commands(nic, k.network_config);
        if (const auto* problem = std::get_if<std::string>(&commands)) {
            log << "xcp-installer: " << *problem << '\n';
            return false;
        }
        bool ok = true;
        for (const auto& argv : std::get<std::vector<std::vector<std::string>>>(commands)) {
            const auto r = run_command(argv);
            if (!r.ok()) {
                log << "xcp-installer: " << nic << ": " << r.failure(argv.front()) << '\n';
                ok = false;
                break;
            }
        }
        if (ok) {
            log << "xcp-installer: network up on " << nic << " ("
                << (k.network_config.empty() ? "dhcp" : k.network_config) << ")\n";
            return true;
        }
    }
    return false;
}

// atexit= acts only in the install environment (the command line is the
// running kernel's), never when a test hands in a file.
void at_exit(const KernelCommandLine& k, bool install_environment, std::ostream& log)
{
    if (k.atexit.empty() || k.atexit == "shell") {
        return;
    }
    if (k.atexit != "reboot" && k.atexit != "poweroff") {
        log << "xcp-installer: atexit=" << k.atexit << " is not reboot, poweroff or shell; ignored\n";
        return;
    }
    if (!install_environment) {
        log << "xcp-installer: atexit=" << k.atexit
            << " is honoured only in the install environment (answerfile= from /proc/cmdline); not done\n";
        return;
    }
    log << "xcp-installer: atexit=" << k.atexit << '\n';
    const auto r = run_command({k.atexit});
    if (!r.ok()) {
        log << "xcp-installer: " << r.failure(k.atexit) << '\n';
    }
}

struct RepositoryFacts {
    LayoutEra era = LayoutEra::modern;
    std::string reason;
    std::string version;  // "" when it could not be read
};

// The layout follows the release: a legacy repository (XS-PACKAGES) means the
// 2009 layout, a .treeinfo one the XCP-ng 8 layout. The version is read too,
// so that an upgrade can refuse a downgrade before touching anything.
RepositoryFacts read_repository(const af::Answerfile& a, const std::string& option, bool need_version)
{
    RepositoryFacts facts;
    if (option == "legacy") {
        facts = {LayoutEra::legacy, "--layout legacy", ""};
    } else if (option == "modern") {
        facts = {LayoutEra::modern, "--layout modern", ""};
    }
    const bool forced = !facts.reason.empty();
    if (forced && !need_version) {
        return facts;
    }
    const auto assumed = [&](const std::string& why) {
        if (!forced) {
            facts = {LayoutEra::modern, "assumed: " + why, ""};
        }
        return facts;
    };
    if (a.sources.empty() || a.sources.front().type != af::SourceType::url) {
        return assumed("the source is not a URL");
    }
    const auto& url = a.sources.front().location;
    if (!url.starts_with("http://") && !url.starts_with("https://") && !url.starts_with("ftp://") &&
        !url.starts_with("file://")) {
        return assumed(url + " is not checked before installing");
    }
    try {
        const auto source = open_repository(url);
        if (const auto text = source->read_small(".treeinfo")) {
            if (!forced) {
                facts = {LayoutEra::modern, ".treeinfo in the source", ""};
            }
            const auto parsed = repository::parse_treeinfo(*text, ".treeinfo");
            if (const auto* info = std::get_if<repository::TreeInfo>(&parsed)) {
                facts.version = info->product_version;
            }
            return facts;
        }
        for (const auto* dir : {"", "packages/", "packages.main/"}) {
            const auto file = std::string(dir) + "XS-REPOSITORY";
            if (const auto text = source->read_small(file)) {
                if (!forced) {
                    facts = {LayoutEra::legacy, "XS-REPOSITORY in the source", ""};
                }
                const auto parsed = repository::parse_repository(*text, file);
                if (const auto* info = std::get_if<repository::RepositoryInfo>(&parsed)) {
                    facts.version = info->version;
                }
                return facts;
            }
        }
        return assumed("no repository found at " + url);
    } catch (const repository::SourceError& e) {
        return assumed(e.what());
    }
}

// Whether the server holds a backup for this install to bring back (`xcp-pxe
// host restore MAC --from-server`): asked before planning, so that
// --dry-run shows it. Any answer but "none" or the archive stops here.
std::variant<std::optional<PlanOptions::RestoreFromServer>, std::string> restore_asked(const std::string& url,
                                                                                        const fs::path& dir)
{
    if (url.empty()) {
        return std::optional<PlanOptions::RestoreFromServer>();
    }
    const auto got = get_from_server(url, std::chrono::seconds(120));
    if (got.status == 404) {
        return std::optional<PlanOptions::RestoreFromServer>();
    }
    if (!got.problem.empty()) {
        return "cannot ask the server whether a backup is to be restored (" + got.problem + ")";
    }
    const auto sha256 = checksum::hex_of(checksum::Algorithm::sha256, got.body);
    if (got.sha256 != sha256) {
        return "the backup the server sent to be restored has SHA-256 " + sha256 + ", not the " +
               util::printable(got.sha256, 64) + " the server sent with it";
    }
    PlanOptions::RestoreFromServer r;
    r.id = got.backup_id.empty() ? "with SHA-256 " + sha256 : util::printable(got.backup_id, 40);
    r.dir = dir.string();
    try {
        unpack_backup_archive(got.body, dir);
    } catch (const std::exception& e) {
        return e.what();
    }
    std::ifstream in(dir / "etc/xensource-inventory");
    r.inventory = parse_inventory(std::string(std::istreambuf_iterator<char>(in), {}));
    return r;
}

// Fault injection for the tests that prove the journal: with
// XCP_INSTALLER_KILL_AT=N the installer kills itself with SIGKILL just
// before operation N (1-based; one past the last: before the journal says
// complete), as a power cut would stop it.
BoundaryHook kill_at_boundary()
{
    const char* value = std::getenv("XCP_INSTALLER_KILL_AT");
    if (value == nullptr || *value == '\0') {
        return {};
    }
    const auto at = std::strtoull(value, nullptr, 10);
    return [at](std::size_t index) {
        if (index + 1 == at) {
            std::cerr << "xcp-installer: XCP_INSTALLER_KILL_AT=" << at << ": killed before operation " << at << '\n';
            std::raise(SIGKILL);
        }
    };
}

}  // namespace

void add_install_options(CLI::App& app, InstallArgs& a)
{
    app.add_option("--answerfile", a.answerfile,
                   "Answerfile: FILE, file:///path or http://... (default: answerfile= on the kernel command line)");
    app.add_option("--cmdline", a.cmdline, "Kernel command line to read answerfile= from")->capture_default_str();
    app.add_option("--dev-dir", a.dev_dir, "Where the answerfile's disk names resolve (tests: a folder of image files)")
        ->capture_default_str();
    app.add_option("--layout", a.layout, "auto (by the repository's format), legacy (2009) or modern (XCP-ng 8)")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "legacy", "modern"}));
    app.add_flag("--dry-run", a.dry_run, "Print the plan and exit; nothing is touched");
    app.add_flag("--json", a.json, "The plan as JSON");
    app.add_option("--work-dir", a.work_dir, "Where the new root is staged before it is written to disk")
        ->capture_default_str();
    app.add_flag("--keep-work-dir", a.keep_work_dir, "Keep the staging tree afterwards (debugging)");
    app.add_option("--boot-code-dir", a.boot_code_dir, "Where syslinux's mbr.bin and gptmbr.bin are")
        ->capture_default_str();
    app.add_option("--syslinux-modules-dir", a.syslinux_modules_dir,
                   "Where syslinux's BIOS modules are (mboot.c32, for extlinux, when the packages lack it)")
        ->capture_default_str();
    app.add_option("--grub-modules-dir", a.grub_modules_dir,
                   "Where GRUB's i386-pc modules and boot.img are (BIOS with GRUB: grub-mkimage makes the core "
                   "images from them)")
        ->capture_default_str();
    app.add_option("--local-source", a.local_source, "The directory <source type=\"local\"> means");
    app.add_option("--bzip2", a.bzip2, "bzip2 decoder: auto (lbzip2 on every core when on PATH) or builtin")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "builtin"}));
    app.add_option("--boot-mode", a.boot_mode, "auto (UEFI when /sys/firmware/efi exists), bios or uefi")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "bios", "uefi"}));
    app.add_option("--network", a.network,
                   "auto: in the install environment, bring up the NIC that network_device=, BOOTIF= or "
                   "network_config= name before fetching an answerfile from the network; on: the same, whatever "
                   "the command line came from; off: leave the network alone")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "on", "off"}));
    app.add_flag("--ignore-journal", a.ignore_journal,
                 "Plan as if the disk held no install journal (when its journal cannot be read)");
    app.add_option("--events-url", a.events_url,
                   "Where progress events go: auto (the xcp-pxe server the answerfile came from), none, or a URL")
        ->capture_default_str();
}

int run_install(const InstallArgs& args)
{
    const auto cmdline = parse_kernel_cmdline(read_cmdline(args.cmdline));
    const bool install_environment = args.answerfile.empty() && args.cmdline == "/proc/cmdline";
    const auto where = args.answerfile.empty() ? cmdline.answerfile : args.answerfile;
    if (where.empty()) {
        std::cerr << "xcp-installer: no answerfile: give --answerfile, or answerfile=URL on the kernel command line ("
                  << args.cmdline << ")\n";
        return 2;
    }
    const bool remote = !where.starts_with("file://") && !where.starts_with("/");
    if (!args.dry_run && (args.network == "on" || (args.network == "auto" && install_environment && remote))) {
        bring_up_network(cmdline, std::cerr);
    }
    std::string text;
    try {
        text = fetch_text(where);
    } catch (const repository::SourceError& e) {
        std::cerr << "xcp-installer: " << e.what() << '\n';
        return 4;
    }
    const auto parsed = af::parse(text);
    for (const auto& d : parsed.diagnostics.sorted()) {
        std::cerr << af::format(d, where) << '\n';
    }
    if (!parsed.valid()) {
        std::cerr << "xcp-installer: the answerfile is not valid; nothing was touched\n";
        return 1;
    }
    const auto& a = *parsed.model;
    std::vector<std::string> names;
    if (a.primary_disk) {
        names.push_back(a.primary_disk->device);
    }
    for (const auto& g : a.guest_disks) {
        names.push_back(g.value);
    }
    for (const auto* t : {&a.existing_installation, &a.backup_disk}) {
        if (*t) {
            names.push_back((*t)->value);
        }
    }
    // A restore without <backup-disk> looks for backups on every disk.
    if (a.mode == af::Mode::restore && !a.backup_disk) {
        names = list_disks(args.dev_dir);
    }
    auto probe = probe_disks(args.dev_dir, names, fs::temp_directory_path());
    if (args.boot_mode != "auto") {
        probe.uefi = args.boot_mode == "uefi";
    }
    // The version is read only where it decides something: replacing an
    // installation that is there (no downgrade).
    const auto* existing = a.existing_installation ? probe.disk(a.existing_installation->value) : nullptr;
    const bool keeps = a.mode == af::Mode::upgrade || a.mode == af::Mode::reinstall;
    const auto repository =
        read_repository(a, args.layout, keeps && existing != nullptr && existing->installation_root() != nullptr);
    PlanOptions options;
    options.era = repository.era;
    options.era_reason = repository.reason;
    options.new_version = repository.version;
    options.dev_dir = args.dev_dir;
    options.identities = {new_uuid(), new_uuid(), random_label_suffix(6)};
    options.local_source = args.local_source;
    options.syslinux_modules_dir = args.syslinux_modules_dir;
    options.grub_modules_dir = args.grub_modules_dir;
    // Known before planning, so that --dry-run shows the upload too.
    std::string events;
    if (args.events_url == "auto") {
        events = events_url_for(where).value_or("");
    } else if (args.events_url != "none") {
        events = args.events_url;
    }
    options.backup_url = sibling_url(events, "backups");
    const bool fresh = a.mode == af::Mode::fresh || (a.mode == af::Mode::reinstall && !a.existing_installation);
    if (fresh && !events.empty()) {
        auto restore = restore_asked(sibling_url(events, "restore"), fs::path(args.work_dir) / "restore");
        if (const auto* problem = std::get_if<std::string>(&restore)) {
            std::cerr << "xcp-installer: " << *problem << "; nothing was touched\n";
            return 1;
        }
        options.restore = std::get<std::optional<PlanOptions::RestoreFromServer>>(std::move(restore));
    }
    // What the last run left on the disk this one is about, by its journal.
    const bool keeping_mode = a.mode == af::Mode::upgrade || a.mode == af::Mode::restore ||
                              (a.mode == af::Mode::reinstall && a.existing_installation);
    const auto* target = a.primary_disk && !keeping_mode ? probe.disk(a.primary_disk->device)
                         : a.mode == af::Mode::restore && a.backup_disk ? probe.disk(a.backup_disk->value)
                                                                        : existing;
    for (const auto& d : probe.disks) {
        if (const auto r = journal::newest(d.journal_slots())) {
            options.journal_sequence = std::max(options.journal_sequence, r->sequence);
        }
    }
    if (target != nullptr && journal::unreadable(target->journal_slots())) {
        if (!args.ignore_journal) {
            std::cerr << "xcp-installer: the journal on " << target->name
                      << " cannot be read (its slots hold no whole record), so what the last run left there is not "
                         "known: see it with `xcp-installer status`, or give --ignore-journal to plan as if there "
                         "were none; nothing was touched\n";
            return 1;
        }
        std::cerr << "xcp-installer: the journal on " << target->name
                  << " cannot be read; planned as if there were none (--ignore-journal)\n";
    } else if (target != nullptr && args.ignore_journal) {
        std::cerr << "xcp-installer: the journal on " << target->name << " is not read (--ignore-journal)\n";
    } else if (target != nullptr) {
        const auto next = journal::next_run(journal::newest(target->journal_slots()), planning::mode_name(a.mode), keeping_mode);
        if (next.kind == journal::NextRun::Kind::refuse) {
            std::cerr << "xcp-installer: the journal on " << target->name << " says " << next.sentence
                      << "; nothing was touched\n";
            return 1;
        }
        if (!next.sentence.empty()) {
            std::cerr << "xcp-installer: the journal on " << target->name << " says " << next.sentence << '\n';
        }
        options.replace_unfinished = next.kind == journal::NextRun::Kind::redo;
        options.resume_from_backup = next.kind == journal::NextRun::Kind::resume;
    }
    const auto planned = make_plan(a, probe, options);
    const auto* printed = print_planned(planned, args.json);
    if (printed == nullptr) {
        return 1;
    }
    const auto& plan = *printed;
    if (args.dry_run) {
        return 0;
    }
    Progress progress(std::cerr, events);
    SystemOptions system;
    system.work_dir = args.work_dir;
    system.boot_code_dir = args.boot_code_dir;
    system.keep_work_dir = args.keep_work_dir;
    system.bzip2_program = bzip2_program(args.bzip2);
    SystemAdapters adapters(probe, system, progress);
    const auto result = execute(plan, adapters, progress, kill_at_boundary());
    at_exit(cmdline, install_environment, std::cerr);
    return result.ok ? 0 : 1;
}

}  // namespace xcp::installer
