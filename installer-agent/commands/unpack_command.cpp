#include "installer-agent/commands/unpack_command.hpp"

#include "installer-agent/source/open.hpp"
#include "installer-agent/unpack/root_unpacker.hpp"

#include <iostream>

namespace xcp::installer {
namespace {

struct UnpackArgs {
    std::string source;
    std::string into;
    bool quiet = false;
    std::string bzip2 = "auto";
};

int run_unpack(const UnpackArgs& args)
{
    const auto source = open_repository_or_say(args.source);
    if (!source) {
        return 4;
    }
    std::error_code ec;
    std::filesystem::create_directories(args.into, ec);
    if (ec) {
        std::cerr << "xcp-installer: cannot create " << args.into << ": " << ec.message() << '\n';
        return 4;
    }
    RootUnpacker unpacker(std::filesystem::absolute(args.into), bzip2_program(args.bzip2));
    repository::VerifyOptions options;
    options.unpacker = &unpacker;
    options.stop_at_first_problem = true;
    options.progress = [&](const repository::RepositoryCheck& r, const repository::PackageCheck& p, std::size_t done,
                           std::size_t total) {
        if (!args.quiet) {
            std::cerr << "[" << done << "/" << total << "] " << r.id << " " << p.name << ": "
                      << (p.problem.empty() ? p.algorithm + " verified, unpacked" : p.problem) << '\n';
        }
    };
    try {
        const auto report = repository::verify(*source, options);
        for (const auto& r : report.repositories) {
            if (!r.problem.empty()) {
                std::cerr << "xcp-installer: " << r.problem << '\n';
            }
        }
        return report.ok() ? 0 : 1;
    } catch (const repository::SourceError& e) {
        std::cerr << "xcp-installer: " << e.what() << '\n';
        return 1;
    }
}

}  // namespace

void add_unpack_command(CLI::App& app, int& exit_code)
{
    auto args = std::make_shared<UnpackArgs>();
    auto* cmd = app.add_subcommand("unpack", "Fetch, verify and unpack every package of a repository into a "
                                             "directory, as an install does before it writes any disk");
    cmd->add_option("source", args->source, repository_help)->required();
    cmd->add_option("dir", args->into, "Where the packages are unpacked (created if missing)")->required();
    cmd->add_flag("--quiet", args->quiet, "No progress lines");
    cmd->add_option("--bzip2", args->bzip2, "bzip2 decoder: auto (lbzip2 on every core when on PATH) or builtin")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "builtin"}));
    cmd->callback([args, &exit_code] { exit_code = run_unpack(*args); });
}

}  // namespace xcp::installer
