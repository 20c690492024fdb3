// The install plan: a pure function of the answerfile and the probe, giving
// the ordered steps and their targets, or one sentence saying why nothing
// will be touched.
#pragma once

#include "installer-agent/plan/layout.hpp"
#include "installer-agent/probe/probe.hpp"
#include "libxcp/answerfile/model.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

namespace xcp::installer {

struct Step {
    std::string name;    // partition, mkfs, fetch, ...
    std::string target;  // the disk, partition or URL it acts on
    std::string detail;
};

struct Plan {
    std::string mode;
    std::string primary;
    LayoutEra era = LayoutEra::modern;
    std::string era_reason;  // "XS-PACKAGES found", "--layout", ...
    Layout layout;
    std::vector<std::string> guest_disks;
    std::vector<Step> steps;
};

struct Refusal {
    std::string sentence;
};

struct PlanOptions {
    LayoutEra era = LayoutEra::modern;
    std::string era_reason = "default";
    std::string dev_dir = "/dev";
};

std::variant<Plan, Refusal> make_plan(const answerfile::Answerfile& a, const Probe& probe, const PlanOptions& options);

std::string to_text(const Plan& plan);
nlohmann::json to_json(const Plan& plan);

// "46.0 GB": sizes in the sentences an operator reads.
std::string human_size(std::uint64_t bytes);

}  // namespace xcp::installer
