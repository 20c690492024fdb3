// The spellings of every enumerated value, legacy ones included, in one table
// per enum: parsing and writing read the same rows.
#pragma once

#include "libxcp/answerfile/model.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace xcp::answerfile {

template <typename E>
struct Spelling {
    E value;
    std::string_view text;  // the first row for a value is the canonical one
};

std::span<const Spelling<Mode>> spellings(Mode);
std::span<const Spelling<SrType>> spellings(SrType);
std::span<const Spelling<SourceType>> spellings(SourceType);
std::span<const Spelling<PreserveFirstPartition>> spellings(PreserveFirstPartition);
std::span<const Spelling<PasswordType>> spellings(PasswordType);
std::span<const Spelling<ScriptStage>> spellings(ScriptStage);
std::span<const Spelling<Proto>> spellings(Proto);
std::span<const Spelling<ProtoV6>> spellings(ProtoV6);
std::span<const Spelling<NtpSource>> spellings(NtpSource);
std::span<const Spelling<BootloaderKind>> spellings(BootloaderKind);
std::span<const Spelling<BootloaderLocation>> spellings(BootloaderLocation);
std::span<const Spelling<NetworkBackend>> spellings(NetworkBackend);

template <typename E>
std::string_view to_string(E value)
{
    for (const auto& s : spellings(E{})) {
        if (s.value == value) {
            return s.text;
        }
    }
    return "?";
}

// Exact, case-sensitive, as the reference installer compares.
template <typename E>
std::optional<E> parse_enum(std::string_view text)
{
    for (const auto& s : spellings(E{})) {
        if (s.text == text) {
            return s.value;
        }
    }
    return std::nullopt;
}

// "a, b or c" for messages.
template <typename E>
std::string expected_values()
{
    std::string out;
    const auto rows = spellings(E{});
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i > 0) {
            out += (i + 1 == rows.size()) ? " or " : ", ";
        }
        out += rows[i].text.empty() ? std::string("\"\"") : std::string(rows[i].text);
    }
    return out;
}

}  // namespace xcp::answerfile
