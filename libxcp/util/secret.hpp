#pragma once

#include <string>
#include <string_view>

namespace xcp {

// A string that must never reach a log, a message or an output stream: it has
// no stream operator and no implicit conversion. Read it with reveal(), at the
// one place that needs the value (the writer, the hasher).
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string value) : value_(std::move(value)) {}

    [[nodiscard]] const std::string& reveal() const { return value_; }
    [[nodiscard]] bool empty() const { return value_.empty(); }
    [[nodiscard]] static std::string_view placeholder() { return "<hidden>"; }

    bool operator==(const Secret&) const = default;

private:
    std::string value_;
};

}  // namespace xcp
