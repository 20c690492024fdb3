// Unpacks verified packages into the staging tree of the new root: tbz2
// archives at their destination, RPM payloads at "/", firmware into
// lib/firmware, driver modules at their path; records each installed
// repository under etc/xensource/installed-repos/<id>/ as the reference does.
#pragma once

#include "libxcp/repository/verify.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace xcp::installer {

struct InstalledRepository {
    std::string id, version, build, format;
};

class RootUnpacker final : public repository::Unpacker {
public:
    // `bzip2_program`: see ArchiveSink; "" for libarchive's own decoder.
    RootUnpacker(std::filesystem::path root, std::string bzip2_program)
        : root_(std::move(root)), bzip2_program_(std::move(bzip2_program))
    {
    }

    std::unique_ptr<repository::PackageSink> open(const repository::RepositoryCheck& repository,
                                                  const repository::Package& package) override;
    void repository_done(const repository::RepositoryCheck& repository, const std::string& repository_text,
                         const std::string& packages_text) override;

    [[nodiscard]] const std::vector<InstalledRepository>& installed() const { return installed_; }

private:
    std::filesystem::path root_;
    std::string bzip2_program_;
    std::vector<InstalledRepository> installed_;
};

// The kernel version a driver's ${KERNEL_VERSION} means: the one directory
// under lib/modules of the new root. Throws SourceError when there is not
// exactly one.
std::string kernel_version(const std::filesystem::path& root);

}  // namespace xcp::installer
