#include "installer-agent/commands/plan_output.hpp"

#include <iostream>

namespace xcp::installer {

const Plan* print_planned(const std::variant<Plan, Refusal>& planned, bool json)
{
    if (const auto* refusal = std::get_if<Refusal>(&planned)) {
        std::cerr << "xcp-installer: " << refusal->sentence << '\n';
        return nullptr;
    }
    const auto& plan = std::get<Plan>(planned);
    if (json) {
        std::cout << to_json(plan).dump(2) << '\n';
    } else {
        std::cout << to_text(plan);
    }
    return &plan;
}

}  // namespace xcp::installer
