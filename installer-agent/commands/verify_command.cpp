#include "installer-agent/commands/verify_command.hpp"

#include "installer-agent/source/open.hpp"
#include "libxcp/repository/verify.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace xcp::installer {
namespace {

struct VerifyArgs {
    std::string source;
    bool json = false;
    bool quiet = false;
};

nlohmann::json to_json(const repository::VerifyReport& report)
{
    nlohmann::json out;
    out["ok"] = report.ok();
    out["repositories"] = nlohmann::json::array();
    for (const auto& r : report.repositories) {
        nlohmann::json j{{"path", r.path},     {"format", r.format},   {"id", r.id}, {"version", r.version},
                         {"build", r.build},   {"identity", r.identity}, {"problem", r.problem}};
        j["packages"] = nlohmann::json::array();
        for (const auto& p : r.packages) {
            j["packages"].push_back({{"name", p.name},
                                     {"file", p.file},
                                     {"algorithm", p.algorithm},
                                     {"expected", p.expected},
                                     {"actual", p.actual},
                                     {"size", p.actual_size},
                                     {"ok", p.problem.empty()},
                                     {"problem", p.problem}});
        }
        out["repositories"].push_back(j);
    }
    return out;
}

int run_verify(const VerifyArgs& args)
{
    const auto source = open_repository_or_say(args.source);
    if (!source) {
        return 4;
    }
    const auto progress = [&](const repository::RepositoryCheck& r, const repository::PackageCheck& p,
                              std::size_t done, std::size_t total) {
        if (args.quiet || args.json) {
            return;
        }
        std::cerr << "[" << done << "/" << total << "] " << (r.id.empty() ? "?" : r.id) << " " << p.name << ": "
                  << (p.problem.empty() ? "ok" : p.problem) << '\n';
    };
    repository::VerifyReport report;
    try {
        report = repository::verify(*source, progress);
    } catch (const repository::SourceError& e) {
        std::cerr << "xcp-installer: " << e.what() << '\n';
        return 4;
    }
    if (args.json) {
        std::cout << to_json(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        for (const auto& r : report.repositories) {
            if (!r.problem.empty()) {
                std::cout << (r.path.empty() ? "." : r.path) << ": " << r.problem << '\n';
                continue;
            }
            const auto bad = std::count_if(r.packages.begin(), r.packages.end(),
                                           [](const auto& p) { return !p.problem.empty(); });
            for (const auto& p : r.packages) {
                if (!p.problem.empty()) {
                    std::cout << r.id << ": package " << p.name << " (" << p.file << "): " << p.problem << '\n';
                }
            }
            std::cout << r.id << " " << r.version << (r.build.empty() ? "" : " build " + r.build) << " (" << r.format
                      << (r.identity.empty() ? "" : ", identity " + r.identity) << "): " << r.packages.size()
                      << " packages, " << (bad == 0 ? "all verified" : std::to_string(bad) + " bad") << '\n';
        }
    }
    return report.ok() ? 0 : 1;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code)
{
    auto args = std::make_shared<VerifyArgs>();
    auto* cmd = app.add_subcommand("verify", "Check an install repository without installing: every package's "
                                             "size and MD5 (legacy XS-PACKAGES) or SHA-256 (modern repodata)");
    cmd->add_option("source", args->source, repository_help)->required();
    cmd->add_flag("--json", args->json, "JSON report on stdout");
    cmd->add_flag("--quiet", args->quiet, "No progress lines");
    cmd->callback([args, &exit_code] { exit_code = run_verify(*args); });
}

}  // namespace xcp::installer
