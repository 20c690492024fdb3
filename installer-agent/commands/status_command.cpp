#include "installer-agent/commands/status_command.hpp"

#include "installer-agent/journal/journal.hpp"
#include "installer-agent/probe/probe.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <memory>

namespace xcp::installer {
namespace {

struct StatusArgs {
    std::vector<std::string> disks;
    std::string dev_dir = "/dev";
    bool json = false;
};

// What a run of the same mode would do next.
std::string next_text(const journal::Record& r)
{
    const auto next = journal::next_run(r, r.mode, r.rewrite_from.has_value());
    switch (next.kind) {
    case journal::NextRun::Kind::plan:
        return r.state == journal::State::complete ? "nothing is pending: a next run plans as it is asked"
                                                   : "the " + r.mode + " is planned again from the start: " +
                                                         next.sentence.substr(next.sentence.find(": ") + 2);
    case journal::NextRun::Kind::redo:
        return "the fresh install is done again from the start (the answerfile's mode fresh may replace it)";
    case journal::NextRun::Kind::resume:
        return "a run of the same " + r.mode + " goes on from the verified backup of the old root";
    case journal::NextRun::Kind::refuse:
        return "refused: " + next.sentence;
    }
    return {};
}

int run_status(const StatusArgs& args)
{
    const auto names = args.disks.empty() ? list_disks(args.dev_dir) : args.disks;
    const auto probe = probe_disks(args.dev_dir, names, std::filesystem::temp_directory_path());
    auto out = nlohmann::json::array();
    for (const auto& d : probe.disks) {
        if (!d.present) {
            std::cerr << "xcp-installer: disk " << d.name << " not found under " << args.dev_dir << '\n';
            continue;
        }
        const auto r = journal::newest(d.journal_slots());
        const bool unreadable = journal::unreadable(d.journal_slots());
        if (!args.json) {
            if (!r) {
                std::cout << d.name
                          << (unreadable ? ": the journal cannot be read (its slots hold no whole record); an install "
                                           "onto it is refused without --ignore-journal\n"
                                         : ": no journal\n");
                continue;
            }
            std::cout << d.name << ": " << journal::describe(*r) << '\n'
                      << "  mode: " << r->mode << '\n'
                      << "  operation reached: " << (r->state == journal::State::complete ? r->operations : r->reached + 1)
                      << " of " << r->operations << " (" << r->step << "), " << journal::to_string(r->state) << '\n'
                      << "  old version: " << (r->old_version.empty() ? "-" : r->old_version) << '\n'
                      << "  new version: " << (r->new_version.empty() ? "-" : r->new_version) << '\n'
                      << "  next run: " << next_text(*r) << '\n';
            continue;
        }
        nlohmann::json j{{"disk", d.name}, {"unreadable", unreadable}};
        if (r) {
            j["mode"] = r->mode;
            j["operation"] = r->state == journal::State::complete ? r->operations : r->reached + 1;
            j["operations"] = r->operations;
            j["step"] = r->step;
            j["state"] = journal::to_string(r->state);
            j["old_version"] = r->old_version;
            j["new_version"] = r->new_version;
            j["next_run"] = next_text(*r);
        }
        out.push_back(j);
    }
    if (args.json) {
        std::cout << out.dump(2) << '\n';
    }
    return 0;
}

}  // namespace

void add_status_command(CLI::App& app, int& exit_code)
{
    auto args = std::make_shared<StatusArgs>();
    auto* cmd = app.add_subcommand("status", "What the install journal on each disk says: mode, operation reached, "
                                             "old and new versions, and what the next run will do; nothing is "
                                             "written");
    cmd->add_option("disks", args->disks, "Disks to look at (default: every disk under --dev-dir)");
    cmd->add_option("--dev-dir", args->dev_dir, "Where disk names resolve (tests: a folder of image files)")
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "One JSON object per disk");
    cmd->callback([args, &exit_code] { exit_code = run_status(*args); });
}

}  // namespace xcp::installer
