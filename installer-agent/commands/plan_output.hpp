// What the install and backup commands print of a plan: the refusal on
// stderr, or the plan on stdout (text or JSON).
#pragma once

#include "installer-agent/plan/plan.hpp"

#include <variant>

namespace xcp::installer {

// The plan, printed; nullptr when it was a refusal (printed too).
const Plan* print_planned(const std::variant<Plan, Refusal>& planned, bool json);

}  // namespace xcp::installer
