#include "server/boot/template.hpp"

#include "libxcp/util/text.hpp"

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace xcp::boot {
namespace {

namespace mustache = kainjow::mustache;

std::size_t line_of(std::string_view text, std::size_t offset)
{
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// Mustache renders an unknown name as nothing; a typo in a profile
// (`{{primary_disk}}`) must be an error the operator sees at load time.
void check_placeholders(const std::string& name, std::string_view text, const std::vector<std::string>& known)
{
    std::vector<std::string_view> candidates(known.begin(), known.end());
    std::size_t pos = 0;
    while ((pos = text.find("{{", pos)) != std::string_view::npos) {
        const auto end = text.find("}}", pos + 2);
        if (end == std::string_view::npos) {
            return;  // the mustache parser reports the unclosed tag
        }
        auto tag = text.substr(pos + 2, end - pos - 2);
        if (!tag.empty() && tag.front() == '{') {
            tag.remove_prefix(1);
        }
        if (!tag.empty() && (tag.front() == '!' || tag.front() == '>' || tag.front() == '=')) {
            pos = end + 2;
            continue;
        }
        if (!tag.empty() && (tag.front() == '#' || tag.front() == '^' || tag.front() == '/' || tag.front() == '&')) {
            tag.remove_prefix(1);
        }
        const auto word = util::trim(tag);
        if (word != "." && std::find(known.begin(), known.end(), word) == known.end()) {
            const auto near = util::closest(word, candidates, 3);
            throw TemplateError(name + ":" + std::to_string(line_of(text, pos)) + ": unknown placeholder {{" +
                                std::string(word) + "}}" +
                                (near ? " (did you mean {{" + std::string(*near) + "}}?)" : ""));
        }
        pos = end + 2;
    }
}

bool splits(std::string_view value)
{
    return std::any_of(value.begin(), value.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u <= 0x20 || u == 0x7f;
    });
}

void check_words(const std::string& name, const TemplateValues& values)
{
    for (const auto& [key, value] : values) {
        const auto* text = std::get_if<std::string>(&value);
        const auto* list = std::get_if<std::vector<std::string>>(&value);
        const bool bad = (text != nullptr && splits(*text)) ||
                         (list != nullptr && std::any_of(list->begin(), list->end(), [](const auto& s) { return splits(s); }));
        if (bad) {
            throw TemplateError(name + ": the value of {{" + key +
                                "}} holds a space or a control character, which would change the config's lines or "
                                "arguments; refused");
        }
    }
}

mustache::data to_data(const TemplateValues& values)
{
    mustache::data out;
    for (const auto& [key, value] : values) {
        if (const auto* text = std::get_if<std::string>(&value)) {
            // Mustache takes any string, even "", as true in a section: an
            // empty value is false, so {{#ip}}...{{/ip}} means "ip is set".
            if (text->empty()) {
                out.set(key, mustache::data::type::bool_false);
            } else {
                out.set(key, *text);
            }
        } else if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
            mustache::data items{mustache::data::type::list};
            for (const auto& item : *list) {
                items << mustache::data(item);
            }
            out.set(key, items);
        } else {
            out.set(key, std::get<bool>(value) ? mustache::data::type::bool_true : mustache::data::type::bool_false);
        }
    }
    return out;
}

}  // namespace

Template::Template(std::string name, std::string text, Escaping escaping, const std::vector<std::string>& known)
    : name_(std::move(name)), text_(std::move(text)), escaping_(escaping)
{
    const mustache::mustache parsed(text_);
    if (!parsed.is_valid()) {
        throw TemplateError(name_ + ": " + parsed.error_message());
    }
    check_placeholders(name_, text_, known);
}

std::string Template::render(const TemplateValues& values) const
{
    mustache::mustache parsed(text_);
    if (escaping_ == Escaping::words) {
        check_words(name_, values);
        parsed.set_custom_escape([](const std::string& s) { return s; });
    }
    auto out = parsed.render(to_data(values));
    if (!parsed.error_message().empty()) {
        throw TemplateError(name_ + ": " + parsed.error_message());
    }
    if (util::trim(out).empty()) {
        throw TemplateError(name_ + ": renders to nothing");
    }
    return out;
}

std::string read_template_file(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw TemplateError(path + ": cannot be read");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace xcp::boot
