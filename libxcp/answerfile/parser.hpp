#pragma once

#include "libxcp/answerfile/diagnostic.hpp"
#include "libxcp/answerfile/model.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::answerfile {

struct ParseOptions {
    bool strict = false;  // unknown or misplaced input is an error, not a warning
};

// Answerfiles are a few KiB; anything this large is a mistake or an attack.
inline constexpr std::size_t max_answerfile_bytes = 1024 * 1024;
// No element takes more than five; a few unknown ones are warned about.
inline constexpr std::size_t max_attributes_per_element = 16;

// A spelling of the 2009 dialect that the file used, for `convert`.
struct LegacyUse {
    Origin origin;
    std::string what;  // `gueststorage` is written `guest-storage` now
    bool meaning_changes = false;  // the modern installer would read it differently
};

struct ParseResult {
    std::optional<Answerfile> model;  // absent when the file is not an answerfile at all
    Diagnostics diagnostics;          // every problem: XML, values, and cross-element rules
    std::vector<LegacyUse> legacy;

    [[nodiscard]] bool valid() const { return model && !diagnostics.has_errors(); }
};

// Parses and validates: every problem in the file is reported in one run.
ParseResult parse(std::string_view xml, const ParseOptions& options = {});

}  // namespace xcp::answerfile
