// Carries out a plan: each operation, in the plan's order, handed to its
// adapter, with one progress event when it is done. Before any operation
// that writes a disk, the executor refuses it when it aims at something the
// plan keeps, then confirms the disk is still the one probed. It reads
// nothing but the plan.
#pragma once

#include "installer-agent/plan/plan.hpp"
#include "installer-agent/report/progress.hpp"
#include "installer-agent/run/adapters.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace xcp::installer {

struct ExecutionResult {
    bool ok = false;
    std::string failure;  // one sentence
    bool disks_touched = false;
    std::optional<std::size_t> failed_at;  // the operation's index in the plan
};

// Called at each operation boundary, before operation `index` starts (and
// with the plan's size after the last): the fault-injection tests stop the
// installer there.
using BoundaryHook = std::function<void(std::size_t index)>;

// From the plan's journal_from on, each operation's start and end is
// recorded through the adapters before the next step, so that a run killed
// at any instant leaves a journal that says where.
ExecutionResult execute(const Plan& plan, Adapters& adapters, Progress& progress, const BoundaryHook& at_boundary = {});

}  // namespace xcp::installer
