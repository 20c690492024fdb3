#pragma once

#include "libxcp/util/unique_fd.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace xcp::files {

// Why a name under the root was not served; `missing` is the only case a
// client may be told apart from "refused".
struct OpenRefused {
    bool missing = false;
    std::string reason;  // for the log
};

struct OpenedFile {
    UniqueFd fd;
    struct stat st {};
};

// A directory whose regular files are served and nothing else: a normalized
// relative path is opened with the kernel refusing to resolve outside the root
// (openat2 RESOLVE_BENEATH; symlinks inside the root are followed, symlinks
// leading out are not), and the opened file is checked with fstat, so there is
// no window between check and open. Shared by TFTP and HTTP.
class ConfinedRoot {
public:
    // Throws std::system_error naming the root when it cannot be opened.
    ConfinedRoot(const std::filesystem::path& root, std::string_view what);

    // `path` comes from normalize_path().
    [[nodiscard]] std::variant<OpenedFile, OpenRefused> open(const std::string& path) const;
    [[nodiscard]] const std::filesystem::path& path() const { return root_; }

private:
    UniqueFd open_beneath(const std::string& path, int& error) const;

    std::filesystem::path root_;
    UniqueFd root_fd_;
    bool running_as_root_;
};

}  // namespace xcp::files
