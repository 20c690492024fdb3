// Operator-editable text templates (answerfile profiles, boot configs), in
// mustache: {{name}} inserts a value, {{#name}}...{{/name}} repeats for a
// list, or shows for a true flag or a non-empty value; {{^name}}...{{/name}}
// shows when it is false or empty.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::boot {

class TemplateError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using TemplateValue = std::variant<std::string, std::vector<std::string>, bool>;
using TemplateValues = std::map<std::string, TemplateValue, std::less<>>;

enum class Escaping {
    xml,   // & < > " ' become entities: a value cannot inject an element
    // Boot configs: values go in as they are, and one holding whitespace or
    // a control character is refused (TemplateError), since pxelinux, grub and
    // iPXE split lines and arguments on them. Refused, not escaped: none of the
    // three has an escape that all of them honour.
    words,
};

class Template {
public:
    // Throws TemplateError naming `name` (a file) and the line of a syntax
    // error, or of a placeholder that is not among `known`.
    Template(std::string name, std::string text, Escaping escaping, const std::vector<std::string>& known);

    // Throws TemplateError when the result is empty.
    [[nodiscard]] std::string render(const TemplateValues& values) const;
    [[nodiscard]] const std::string& name() const { return name_; }

private:
    std::string name_;
    std::string text_;
    Escaping escaping_;
};

// Reads a template file; throws TemplateError naming it.
std::string read_template_file(const std::string& path);

}  // namespace xcp::boot
