// The answerfile's scripts, run as the reference runs them: fetched to a
// file, a shebang required, XS_STAGE in the environment, the stage's
// arguments; the exit code is logged, never fatal.
#pragma once

#include "installer-agent/report/progress.hpp"
#include "libxcp/answerfile/model.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace xcp::installer {

std::string_view stage_name(answerfile::ScriptStage stage);

// Returns how many scripts ran.
int run_stage_scripts(const answerfile::Answerfile& a, answerfile::ScriptStage stage,
                      const std::vector<std::string>& args, const std::filesystem::path& work_dir, Progress& progress);

}  // namespace xcp::installer
