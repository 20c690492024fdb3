#include "installer-agent/run/executor.hpp"

#include "installer-agent/journal/journal.hpp"

#include <algorithm>
#include <stdexcept>

namespace xcp::installer {
namespace {

struct Refused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The part of the plan an operation must not write, or nullptr.
const Target* kept_target(const Plan& plan, const Target& written)
{
    for (const auto& kept : plan.never_written) {
        if (overlaps(written, kept)) {
            return &kept;
        }
    }
    return nullptr;
}

std::string target_text(const Target& t)
{
    return t.partition == Target::whole_disk ? "disk " + t.disk
           : t.partition == Target::table_and_boot_sector
               ? "the partition table of " + t.disk
               : "partition " + std::to_string(t.partition) + " of " + t.disk;
}

}  // namespace

ExecutionResult execute(const Plan& plan, Adapters& adapters, Progress& progress, const BoundaryHook& at_boundary)
{
    ExecutionResult result;
    std::size_t index = 0;
    auto sequence = plan.journal_sequence;
    const auto journal = [&](std::size_t at, journal::State state) {
        if (!plan.journal_from || at < *plan.journal_from) {
            return;
        }
        journal::Record r;
        r.sequence = ++sequence;
        r.mode = plan.mode;
        r.disk = plan.primary;
        r.old_version = plan.old_version;
        r.new_version = plan.new_version;
        r.operations = plan.operations.size();
        if (plan.replacement) {
            r.rewrite_from = plan.replacement->from;
        }
        r.reached = at;
        r.step = at < plan.operations.size() ? std::string(step_name(plan.operations[at].operation)) : "end";
        r.state = state;
        adapters.record(static_cast<int>(r.sequence % 2), journal::encode(r));
    };
    const auto boundary = [&](std::size_t at) {
        if (at_boundary) {
            at_boundary(at);
        }
    };
    progress.set_disk(plan.primary);
    try {
        progress.step(0, "prepare", "Preparing for installation... (mode " + plan.mode + " onto " + plan.primary + ")");
        for (const auto& n : plan.notes) {
            progress.note("xcp-installer: " + n);
        }
        adapters.prepare();
        for (; index < plan.operations.size(); ++index) {
            const auto& planned = plan.operations[index];
            if (const auto target = disk_written(planned.operation)) {
                if (const auto* kept = kept_target(plan, *target)) {
                    throw Refused("refused operation " + std::to_string(index + 1) + " (" +
                                  describe(planned.operation) + "): it would write " + target_text(*target) +
                                  ", and mode " + plan.mode + " keeps " + target_text(*kept));
                }
                adapters.confirm_disk(target->disk);
                result.disks_touched = true;
            }
            boundary(index);
            journal(index, journal::State::started);
            const auto outcome = adapters.apply(planned.operation);
            journal(index, journal::State::done);
            progress.step(planned.percent, std::string(step_name(planned.operation)),
                          describe(planned.operation) + (outcome.empty() ? "" : ": " + outcome));
        }
        boundary(index);
        journal(index, journal::State::complete);
        result.ok = true;
    } catch (const std::exception& e) {
        result.failure = e.what();
        result.failed_at = index;
    }
    if (result.ok) {
        try {
            adapters.apply(plan.completion_scripts);
        } catch (const std::exception& e) {
            progress.note(std::string("xcp-installer: installation-complete scripts: ") + e.what());
        }
        progress.report({100, "complete", "The installation completed successfully.", std::optional<bool>(true)});
        return result;
    }
    std::string left = result.disks_touched ? "the target was not made bootable" : "nothing was written to the disks";
    if (plan.replacement && result.failed_at) {
        left = *result.failed_at < plan.replacement->from ? plan.replacement->before : plan.replacement->after;
    }
    progress.note("INSTALL FAILED. " + result.failure + "; " + left);
    try {
        journal(std::min(index, plan.operations.size()), journal::State::failed);
    } catch (const std::exception& e) {
        progress.note(std::string("xcp-installer: the failure could not be recorded in the journal: ") + e.what());
    }
    const bool journal_made = plan.journal_from && index >= *plan.journal_from;
    if (journal_made && plan.failure_log_added) {
        try {
            adapters.confirm_disk(plan.failure_log_added->disk);
            adapters.apply(*plan.failure_log_added);
            progress.note("xcp-installer: the install log is on the logs partition (" +
                          std::to_string(plan.failure_log_added->logs.number) + ", label " +
                          plan.failure_log_added->relabel + ")");
        } catch (const std::exception& e) {
            progress.note(std::string("xcp-installer: the install log could not be kept on disk: ") + e.what());
        }
    } else if (result.disks_touched && plan.failure_log &&
        kept_target(plan, disk_written(*plan.failure_log).value_or(Target{})) == nullptr) {
        try {
            adapters.confirm_disk(plan.failure_log->disk);
            adapters.apply(*plan.failure_log);
            progress.note("xcp-installer: the install log is on the logs partition (" +
                          std::to_string(plan.failure_log->partition.number) + ", label " + plan.failure_log->label +
                          ")");
        } catch (const std::exception& e) {
            progress.note(std::string("xcp-installer: the install log could not be kept on disk: ") + e.what());
        }
    }
    // The server keeps the log for the operator; a failure script may be the
    // server's report script, which ends the token's use.
    progress.send_log();
    try {
        adapters.apply(plan.failure_scripts);
    } catch (const std::exception& e) {
        progress.note(std::string("xcp-installer: installation-complete scripts: ") + e.what());
    }
    progress.report({100, "failed", result.failure, std::optional<bool>(false)});
    return result;
}

}  // namespace xcp::installer
