#pragma once

#include "server/boot/template.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace xcp::boot {

struct ProfileInfo {
    std::string name;  // file stem: default.xml is "default"
    std::filesystem::path file;
    std::string problem;  // empty when the template loads
};

// The answerfile profiles: every NAME.xml in one directory. Checked at each
// use, so an operator's edit applies to the next host without a restart.
// Not thread-safe (the text cache): one per thread.
class Profiles {
public:
    explicit Profiles(std::filesystem::path dir) : dir_(std::move(dir)) {}

    [[nodiscard]] std::vector<ProfileInfo> list() const;
    // Throws TemplateError: unknown name (naming those there are), unreadable
    // file, bad template.
    [[nodiscard]] Template load(const std::string& name) const;
    // The profile's text, unparsed; same errors as load().
    [[nodiscard]] std::string text(const std::string& name) const;
    // A template from text read with text().
    [[nodiscard]] Template from_text(const std::string& name, std::string text) const;
    [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
    [[nodiscard]] std::filesystem::path file(const std::string& name) const { return dir_ / (name + ".xml"); }

private:
    // Texts by file, kept while the file's inode, size and mtime stay the
    // same: a stat instead of open, read and close per answerfile served.
    struct CachedText {
        ino_t inode = 0;
        off_t size = -1;
        timespec mtime{};
        std::string text;
    };
    std::filesystem::path dir_;
    mutable std::map<std::string, CachedText, std::less<>> texts_;
};

}  // namespace xcp::boot
