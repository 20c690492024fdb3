// What the fresh-install planner (plan.cpp) and the planner of the modes
// that keep an installation's data (plan_keeping.cpp) share. Pure.
#pragma once

#include "installer-agent/plan/plan.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xcp::installer::planning {

std::string mode_name(answerfile::Mode mode);

// A refusal when the disk is absent or holds the running system.
std::optional<Refusal> check_present(const Probe& probe, const std::string& name, const char* role,
                                     const PlanOptions& options);

// "QEMU HARDDISK, size 68.7 GB": how a CheckDisk names a disk.
std::string described(const DiskInfo& disk);

// The answerfile's scripts for `stage`, with their locations resolved.
op::RunScripts scripts_for(const answerfile::Answerfile& a, answerfile::ScriptStage stage,
                           std::vector<std::string> arguments, const PlanOptions& options);

// Driver sources verified first, then the main sources, then the drivers
// unpacked; progress shared out between `from` and `to`. A refusal when a
// local source has no --local-source.
std::variant<std::vector<op::FetchSource>, Refusal> fetches_for(const answerfile::Answerfile& a,
                                                                const PlanOptions& options, int from, int to);

// "a1b2c3" -> "A1B2": the ESP label's suffix.
std::string esp_suffix(const std::string& label_suffix);

// The journal recorded from the operation after the plan's CreateJournal,
// its records numbered after `sequence` (the last run's).
void place_journal(Plan& plan, std::uint64_t sequence);

// Upgrade, reinstall (with <existing-installation>) and restore.
std::variant<Plan, Refusal> plan_keeping(const answerfile::Answerfile& a, const Probe& probe,
                                         const PlanOptions& options, Plan plan);

}  // namespace xcp::installer::planning
