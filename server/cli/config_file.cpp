#include "server/cli/config_file.hpp"

#include "libxcp/util/text.hpp"

#include <toml++/toml.h>

#include <vector>

namespace xcp::cli {
namespace {

std::string where(const std::string& file, const toml::source_region& source)
{
    return file + ":" + std::to_string(source.begin.line);
}

}  // namespace

void apply_config_file(CLI::App& command, const std::string& file, bool only_known)
{
    toml::table table;
    try {
        table = toml::parse_file(file);
    } catch (const toml::parse_error& e) {
        throw CLI::ValidationError(file + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
    }
    std::vector<std::string> names;
    for (const auto* opt : command.get_options()) {
        if (!opt->get_lnames().empty()) {
            names.push_back(opt->get_lnames().front());
        }
    }
    for (const auto& [key, node] : table) {
        const std::string name(key.str());
        auto* opt = command.get_option_no_throw("--" + name);
        if (only_known && opt == nullptr) {
            continue;
        }
        if (opt == nullptr || name == "config" || name == "help") {
            std::vector<std::string_view> candidates(names.begin(), names.end());
            const auto near = util::closest(name, candidates, 3);
            throw CLI::ValidationError(where(file, node.source()) + ": unknown setting '" + name + "'" +
                                       (near ? " (did you mean '" + std::string(*near) + "'?)" : ""));
        }
        if (opt->count() > 0) {
            continue;  // given on the command line
        }
        std::string value;
        if (const auto* s = node.as_string()) {
            value = s->get();
        } else if (const auto* i = node.as_integer()) {
            value = std::to_string(i->get());
        } else if (const auto* b = node.as_boolean()) {
            value = b->get() ? "true" : "false";
        } else if (const auto* f = node.as_floating_point()) {
            value = std::to_string(f->get());
        } else {
            throw CLI::ValidationError(where(file, node.source()) + ": setting '" + name +
                                       "' must be a string, number or boolean");
        }
        try {
            opt->add_result(value);
            opt->run_callback();
        } catch (const CLI::Error& e) {
            throw CLI::ValidationError(where(file, node.source()) + ": " + name + ": " + e.what());
        }
    }
}

}  // namespace xcp::cli
