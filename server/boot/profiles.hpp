#pragma once

#include "server/boot/template.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace xcp::boot {

struct ProfileInfo {
    std::string name;  // file stem: default.xml is "default"
    std::filesystem::path file;
    std::string problem;  // empty when the template loads
};

// The answerfile profiles: every NAME.xml in one directory. Read at each use,
// so an operator's edit applies to the next host without a restart.
class Profiles {
public:
    explicit Profiles(std::filesystem::path dir) : dir_(std::move(dir)) {}

    [[nodiscard]] std::vector<ProfileInfo> list() const;
    // Throws TemplateError: unknown name (naming those there are), unreadable
    // file, bad template.
    [[nodiscard]] Template load(const std::string& name) const;
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

private:
    std::filesystem::path dir_;
};

}  // namespace xcp::boot
