#include "server/cli/answerfile_command.hpp"

#include "libxcp/answerfile/load.hpp"
#include "libxcp/answerfile/summary.hpp"
#include "libxcp/answerfile/writer.hpp"
#include "server/cli/exit_codes.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace xcp::cli {
namespace {

namespace af = xcp::answerfile;

void print_diagnostics(const af::ParseResult& r, const std::string& file)
{
    for (const auto& d : r.diagnostics.sorted()) {
        std::cerr << af::format(d, file) << '\n';
    }
}

int validate(const std::vector<std::string>& files, bool strict, bool quiet)
{
    int invalid = 0;
    for (const auto& file : files) {
        const auto r = af::load_file(file, {.strict = strict});
        print_diagnostics(r, file);
        const auto errors = r.diagnostics.count(af::Severity::error);
        const auto warnings = r.diagnostics.count(af::Severity::warning);
        if (!r.valid()) {
            ++invalid;
        }
        if (!quiet) {
            std::cout << file << ": " << (r.valid() ? "valid" : "invalid") << " (" << errors << " error"
                      << (errors == 1 ? "" : "s") << ", " << warnings << " warning" << (warnings == 1 ? "" : "s")
                      << ")\n";
        }
    }
    return invalid == 0 ? exit_ok : exit_invalid;
}

int show(const std::string& file, bool json)
{
    const auto r = af::load_file(file);
    print_diagnostics(r, file);
    if (!r.valid()) {
        return exit_invalid;
    }
    if (json) {
        std::cout << af::to_json_text(*r.model) << '\n';
    } else {
        std::cout << af::to_text(*r.model);
    }
    return exit_ok;
}

int convert(const std::string& file)
{
    const auto r = af::load_file(file);
    print_diagnostics(r, file);
    if (!r.valid()) {
        return exit_invalid;
    }
    bool changed_meaning = false;
    for (const auto& use : r.legacy) {
        const af::Diagnostic d{use.meaning_changes ? af::Severity::warning : af::Severity::note, use.origin.line,
                               use.origin.column, use.origin.element,
                               (use.meaning_changes ? "the meaning does not carry over: " : "") + use.what};
        std::cerr << af::format(d, file) << '\n';
        changed_meaning = changed_meaning || use.meaning_changes;
    }
    std::cout << af::write(*r.model);
    return changed_meaning ? exit_meaning_changed : exit_ok;
}

}  // namespace

void add_answerfile_command(CLI::App& app, int& exit_code)
{
    auto* cmd = app.add_subcommand("answerfile", "Check, show and convert XCP answerfiles");
    cmd->require_subcommand(1);

    struct ValidateArgs {
        std::vector<std::string> files;
        bool strict = false;
        bool quiet = false;
    };
    auto validate_args = std::make_shared<ValidateArgs>();
    auto* v = cmd->add_subcommand(
        "validate", "Check answerfiles; every problem is reported as FILE:LINE:COL: <element>: message.\n"
                    "Exit 0 when every file is valid (warnings allowed), 1 when any is invalid, 2 on usage errors.");
    v->add_option("FILE", validate_args->files, "Answerfiles to check")->required()->check(CLI::ExistingFile);
    v->add_flag("--strict", validate_args->strict, "Unknown or misplaced elements and attributes are errors");
    v->add_flag("-q,--quiet", validate_args->quiet, "Print only the problems, not a line per file");
    v->callback([validate_args, &exit_code] {
        exit_code = validate(validate_args->files, validate_args->strict, validate_args->quiet);
    });

    struct ShowArgs {
        std::string file;
        bool json = false;
    };
    auto show_args = std::make_shared<ShowArgs>();
    auto* s = cmd->add_subcommand("show", "Print the normalized answerfile with defaults filled in (passwords "
                                          "hidden). Exit 1 when it is invalid.");
    s->add_option("FILE", show_args->file, "Answerfile")->required()->check(CLI::ExistingFile);
    s->add_flag("--json", show_args->json, "JSON, for machines");
    s->callback([show_args, &exit_code] { exit_code = show(show_args->file, show_args->json); });

    auto convert_file = std::make_shared<std::string>();
    auto* c = cmd->add_subcommand(
        "convert", "Rewrite an answerfile (2009 dialect included) in the modern dialect on standard output.\n"
                   "What changed is listed on standard error. Exit 0 when the meaning carried over, 3 when some of "
                   "it did not (each case is named), 1 when the file is invalid.");
    c->add_option("FILE", *convert_file, "Answerfile")->required()->check(CLI::ExistingFile);
    c->callback([convert_file, &exit_code] { exit_code = convert(*convert_file); });
}

}  // namespace xcp::cli
