#pragma once

namespace xcp::cli {

// Exit codes of every xcp-pxe command (a contract for scripts).
inline constexpr int exit_ok = 0;
inline constexpr int exit_invalid = 1;          // the input was read and found wrong
inline constexpr int exit_usage = 2;            // the command line was wrong
inline constexpr int exit_meaning_changed = 3;  // convert: done, but some meaning did not carry over
inline constexpr int exit_failure = 4;          // the command could not do its work (I/O, bind, ...)

}  // namespace xcp::cli
