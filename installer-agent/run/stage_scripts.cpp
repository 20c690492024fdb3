#include "installer-agent/run/stage_scripts.hpp"

#include "installer-agent/source/open.hpp"
#include "installer-agent/system/command.hpp"

#include <fstream>

namespace xcp::installer {

namespace af = answerfile;

std::string_view stage_name(af::ScriptStage stage)
{
    switch (stage) {
    case af::ScriptStage::installation_start: return "installation-start";
    case af::ScriptStage::packages_installed: return "packages-installed";
    case af::ScriptStage::filesystem_populated: return "filesystem-populated";
    case af::ScriptStage::installation_complete: return "installation-complete";
    }
    return "?";
}

int run_stage_scripts(const af::Answerfile& a, af::ScriptStage stage, const std::vector<std::string>& args,
                      const std::filesystem::path& work_dir, Progress& progress)
{
    int ran = 0;
    int n = 0;
    for (const auto& s : a.scripts) {
        ++n;
        if (s.stage != stage) {
            continue;
        }
        const auto where = s.source.location;
        const auto what = std::string(stage_name(stage)) + " script " + where;
        std::string text;
        try {
            text = fetch_text(s.source.type == af::SourceType::nfs && !where.starts_with("nfs://") ? "nfs://" + where
                                                                                                  : where);
        } catch (const repository::SourceError& e) {
            progress.note("xcp-installer: " + what + " cannot be fetched: " + e.what() + "; skipped");
            continue;
        }
        if (!text.starts_with("#!")) {
            progress.note("xcp-installer: " + what + " does not start with #! (a shebang is required); skipped");
            continue;
        }
        const auto file = work_dir / ("script-" + std::to_string(n));
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
