// The answerfile's scripts, run as the reference runs them: fetched to a
// file, a shebang required, XS_STAGE in the environment, the stage's
// arguments; the exit code is logged, never fatal.
#pragma once

#include "installer-agent/plan/operations.hpp"
#include "installer-agent/report/progress.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace xcp::installer {

// `arguments` as they are passed ("{root}" already replaced). Returns how
// many scripts ran.
int run_stage_scripts(const op::RunScripts& run, const std::vector<std::string>& arguments,
                      const std::filesystem::path& work_dir, Progress& progress);

}  // namespace xcp::installer
