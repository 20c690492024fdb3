#include "installer-agent/run/stage_scripts.hpp"

#include "installer-agent/source/open.hpp"
#include "installer-agent/system/command.hpp"

#include <fstream>

namespace xcp::installer {

int run_stage_scripts(const op::RunScripts& run, const std::vector<std::string>& args,
                      const std::filesystem::path& work_dir, Progress& progress)
{
    int ran = 0;
    const auto stage = run.stage;
    for (const auto& s : run.scripts) {
        const auto& where = s.location;
        const auto what = std::string(stage_name(stage)) + " script " + where;
        std::string text;
        try {
            text = fetch_text(where);
        } catch (const repository::SourceError& e) {
            progress.note("xcp-installer: " + what + " cannot be fetched: " + e.what() + "; skipped");
            continue;
        }
        if (!text.starts_with("#!")) {
            progress.note("xcp-installer: " + what + " does not start with #! (a shebang is required); skipped");
            continue;
        }
        const auto file = work_dir / ("script-" + std::to_string(s.number));
        {
            std::ofstream out(file, std::ios::binary | std::ios::trunc);
            out << text;
        }
        std::error_code ec;  // never throws: scripts run after the disk is made bootable too
        std::filesystem::permissions(file, std::filesystem::perms::owner_all, ec);
        std::vector<std::string> argv{file.string()};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = run_command(argv, {"XS_STAGE=" + std::string(stage_name(stage))});
        ++ran;
        progress.note("xcp-installer: " + what + (r.ok() ? " exited 0" : ": " + r.failure("it")));
    }
    return ran;
}

}  // namespace xcp::installer
