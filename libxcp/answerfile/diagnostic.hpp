#pragma once

#include "libxcp/answerfile/origin.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace xcp::answerfile {

enum class Severity { error, warning, note };

// One problem found in an answerfile, with the element it is about.
struct Diagnostic {
    Severity severity = Severity::error;
    int line = 0;
    int column = 0;
    std::string element;  // `<admin-interface proto="static">`
    std::string message;  // what is wrong and what is expected
};

// `FILE:LINE:COL: <element attr="value">: message`; warnings say so after the
// element, so every line keeps the same prefix.
std::string format(const Diagnostic& d, std::string_view file);

class Diagnostics {
public:
    void error(const Origin& where, std::string message);
    void warning(const Origin& where, std::string message);
    // A warning that --strict turns into an error (unknown or misplaced input).
    void lenient(const Origin& where, std::string message, bool strict);

    [[nodiscard]] const std::vector<Diagnostic>& all() const { return items_; }
    [[nodiscard]] bool has_errors() const;
    [[nodiscard]] std::size_t count(Severity s) const;
    // Errors first, then warnings, each in file order.
    [[nodiscard]] std::vector<Diagnostic> sorted() const;

private:
    std::vector<Diagnostic> items_;
};

}  // namespace xcp::answerfile
