#include "installer-agent/commands/backup_command.hpp"

#include "installer-agent/commands/plan_output.hpp"
#include "installer-agent/plan/plan.hpp"
#include "installer-agent/report/progress.hpp"
#include "installer-agent/run/executor.hpp"
#include "installer-agent/run/system_adapters.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

namespace xcp::installer {
namespace {

struct BackupArgs {
    std::string disk;
    std::string dev_dir = "/dev";
    std::string work_dir = "/tmp/xcp-installer";
    bool dry_run = false;
    bool json = false;
};

int run_backup(const BackupArgs& args)
{
    const auto probe = probe_disks(args.dev_dir, {args.disk}, std::filesystem::temp_directory_path());
    PlanOptions options;
    options.dev_dir = args.dev_dir;
    const auto planned = make_backup_plan(probe, args.disk, options);
    const auto* printed = print_planned(planned, args.json);
    if (printed == nullptr) {
        return 1;
    }
    const auto& plan = *printed;
    if (args.dry_run) {
        return 0;
    }
    Progress progress(std::cerr, "");
    SystemOptions system;
    system.work_dir = args.work_dir;
    SystemAdapters adapters(probe, system, progress);
    return execute(plan, adapters, progress).ok ? 0 : 1;
}

}  // namespace

void add_backup_command(CLI::App& app, int& exit_code)
{
    auto args = std::make_shared<BackupArgs>();
    auto* cmd = app.add_subcommand("backup", "Back up the installation on DISK onto its backup partition, verified "
                                             "file by file and marked, as an upgrade does first; nothing else is "
                                             "written");
    cmd->add_option("disk", args->disk, "The disk holding the installation (sda, nvme0n1, disk/by-id/...)")
        ->required();
    cmd->add_option("--dev-dir", args->dev_dir, "Where the disk name resolves (tests: a folder of image files)")
        ->capture_default_str();
    cmd->add_option("--work-dir", args->work_dir, "Where the root is copied out before it is written to the backup")
        ->capture_default_str();
    cmd->add_flag("--dry-run", args->dry_run, "Print the operations and exit; nothing is touched");
    cmd->add_flag("--json", args->json, "The plan as JSON");
    cmd->callback([args, &exit_code] { exit_code = run_backup(*args); });
}

}  // namespace xcp::installer
