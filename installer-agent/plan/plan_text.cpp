#include "installer-agent/plan/plan.hpp"

#include <cstdio>

namespace xcp::installer {

std::string to_text(const Plan& p)
{
    std::string out = "mode " + p.mode + " onto " + p.primary + ", " +
                      (p.era == LayoutEra::legacy ? "2009 layout" : "XCP-ng 8 layout") + " (" + p.era_reason + ")\n";
    out += "partitions (" + p.layout.table + "):\n";
    for (const auto& part : p.layout.partitions) {
        char line[160];
        std::snprintf(line, sizeof line, "  %-2d %-8s %10.1f GiB at %8.1f MiB %s\n", part.number,
                      std::string(to_string(part.role)).c_str(), static_cast<double>(part.size) / GiB,
                      static_cast<double>(part.start) / MiB, part.filesystem.c_str());
        out += line;
    }
    out += "boot: " + std::string(to_string(p.boot.loader)) + (p.boot.uefi ? " (UEFI)" : " (BIOS)") + "\n";
    out += "local SR: " + (p.local_sr.empty() ? std::string("none") : p.local_sr) + "\n";
    for (const auto& n : p.notes) {
        out += "note: " + n + "\n";
    }
    out += "operations:\n";
    int n = 0;
    for (const auto& o : p.operations) {
        out += "  " + std::to_string(++n) + ". " + std::string(step_name(o.operation)) + " " + describe(o.operation) +
               "\n";
    }
    if (!p.completion_scripts.scripts.empty()) {
        out += "then: " + describe(p.completion_scripts) + " (1 after a failure)\n";
    }
    if (p.journal_from) {
        out += "journal: each operation's start and end from operation " + std::to_string(*p.journal_from + 1) +
               " on\n";
    }
    if (p.failure_log) {
        out += "on a failure after partitioning: " + describe(*p.failure_log) + "\n";
    }
    if (p.failure_log_added) {
        out += "on a failure once the journal is there: " + describe(*p.failure_log_added) + ", relabelled " +
               p.failure_log_added->relabel + "\n";
    }
    if (p.replacement) {
        out += "on a failure before operation " + std::to_string(p.replacement->from + 1) + ": " +
               p.replacement->before + "\n";
        out += "on a failure from operation " + std::to_string(p.replacement->from + 1) + ": " +
               p.replacement->after + "\n";
    }
    for (const auto& kept : p.never_written) {
        out += "never written: " +
               (kept.partition == Target::whole_disk ? "disk " + kept.disk
                                                     : kept.disk + " partition " + std::to_string(kept.partition)) +
               "\n";
    }
    return out;
}

nlohmann::json to_json(const Plan& p)
{
    nlohmann::json j{{"mode", p.mode},
                     {"primary_disk", p.primary},
                     {"layout", p.era == LayoutEra::legacy ? "2009" : "xcp-ng-8"},
                     {"layout_reason", p.era_reason},
                     {"table", p.layout.table},
                     {"guest_disks", p.guest_disks},
                     {"boot_loader", to_string(p.boot.loader)},
                     {"uefi", p.boot.uefi},
                     {"local_sr", p.local_sr},
                     {"notes", p.notes}};
    j["partitions"] = nlohmann::json::array();
    for (const auto& part : p.layout.partitions) {
        j["partitions"].push_back({{"number", part.number}, {"role", to_string(part.role)}, {"start", part.start},
                                   {"size", part.size}, {"type", part.gpt_type}, {"filesystem", part.filesystem}});
    }
    j["never_written"] = nlohmann::json::array();
    for (const auto& kept : p.never_written) {
        j["never_written"].push_back(
            {{"disk", kept.disk},
             {"partition", kept.partition == Target::whole_disk ? nlohmann::json("all") : nlohmann::json(kept.partition)}});
    }
    if (p.replacement) {
        j["on_failure"] = {{"from_operation", p.replacement->from + 1},
                           {"before", p.replacement->before},
                           {"after", p.replacement->after}};
    }
    if (p.journal_from) {
        j["journal_from_operation"] = *p.journal_from + 1;
    }
    j["operations"] = nlohmann::json::array();
    for (const auto& o : p.operations) {
        nlohmann::json entry{{"step", step_name(o.operation)}, {"percent", o.percent},
                             {"operation", describe(o.operation)}};
        if (const auto disk = disk_written(o.operation)) {
            entry["writes"] = {{"disk", disk->disk},
                               {"partition", disk->partition == Target::whole_disk              ? nlohmann::json("all")
                                             : disk->partition == Target::table_and_boot_sector ? nlohmann::json("table")
                                                                                                : nlohmann::json(disk->partition)}};
        }
        j["operations"].push_back(entry);
    }
    return j;
}

}  // namespace xcp::installer
