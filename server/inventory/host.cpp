#include "server/inventory/host.hpp"

#include <array>
#include <utility>

namespace xcp::inventory {
namespace {

constexpr std::array next_modes{std::pair{NextMode::none, "none"}, std::pair{NextMode::install, "install"},
                                 std::pair{NextMode::reinstall, "reinstall"}, std::pair{NextMode::upgrade, "upgrade"},
                                 std::pair{NextMode::restore, "restore"}};
constexpr std::array host_states{std::pair{HostState::new_, "new"}, std::pair{HostState::booting, "booting"},
                                 std::pair{HostState::installing, "installing"},
                                 std::pair{HostState::installed, "installed"}, std::pair{HostState::failed, "failed"}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<std::pair<Enum, const char*>, N>& table, Enum value)
{
    for (const auto& [v, name] : table) {
        if (v == value) {
            return name;
        }
    }
    return "?";
}

template <typename Enum, std::size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, const char*>, N>& table, std::string_view text)
{
    for (const auto& [v, name] : table) {
        if (text == name) {
            return v;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(NextMode mode) { return name_of(next_modes, mode); }
std::string_view to_string(HostState state) { return name_of(host_states, state); }
std::optional<NextMode> next_mode_from(std::string_view text) { return value_of(next_modes, text); }
std::optional<HostState> host_state_from(std::string_view text) { return value_of(host_states, text); }
std::string_view to_string(Final final) { return final == Final::success ? "success" : "failure"; }

}  // namespace xcp::inventory
