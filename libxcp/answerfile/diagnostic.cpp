#include "libxcp/answerfile/diagnostic.hpp"

#include <algorithm>

namespace xcp::answerfile {

std::string format(const Diagnostic& d, std::string_view file)
{
    std::string out(file);
    if (d.line > 0) {
        out += ':' + std::to_string(d.line) + ':' + std::to_string(d.column);
    }
    out += ": ";
    if (!d.element.empty()) {
        out += d.element + ": ";
    }
    if (d.severity == Severity::warning) {
        out += "warning: ";
    } else if (d.severity == Severity::note) {
        out += "note: ";
    }
    out += d.message;
    return out;
}

void Diagnostics::error(const Origin& where, std::string message)
{
    items_.push_back({Severity::error, where.line, where.column, where.element, std::move(message)});
}

void Diagnostics::warning(const Origin& where, std::string message)
{
    items_.push_back({Severity::warning, where.line, where.column, where.element, std::move(message)});
}

void Diagnostics::lenient(const Origin& where, std::string message, bool strict)
{
    if (strict) {
        error(where, std::move(message));
    } else {
        warning(where, std::move(message));
    }
}

bool Diagnostics::has_errors() const
{
    return count(Severity::error) > 0;
}

std::size_t Diagnostics::count(Severity s) const
{
    return static_cast<std::size_t>(
        std::count_if(items_.begin(), items_.end(), [s](const Diagnostic& d) { return d.severity == s; }));
}

std::vector<Diagnostic> Diagnostics::sorted() const
{
    std::vector<Diagnostic> out = items_;
    std::stable_sort(out.begin(), out.end(), [](const Diagnostic& a, const Diagnostic& b) {
        if (a.severity != b.severity) {
            return a.severity < b.severity;
        }
        return std::pair(a.line, a.column) < std::pair(b.line, b.column);
    });
    return out;
}

}  // namespace xcp::answerfile
