// Checks a whole install repository without installing: every package read
// once and hashed as it streams (MD5 for the legacy format, SHA-256 for the
// modern one), sizes compared, the repository identity computed.
#pragma once

#include "libxcp/repository/manifest.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace xcp::repository {

class SourceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Where a repository is read from: a directory today; HTTP, FTP and NFS
// sources implement the same two calls.
class Source {
public:
    virtual ~Source() = default;
    // A manifest; nullopt when the file is not there. Throws SourceError.
    virtual std::optional<std::string> read_small(const std::string& path) = 0;
    // Streams a package to `sink` in chunks. Throws SourceError.
    virtual void stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink) = 0;
    [[nodiscard]] virtual std::string describe() const = 0;
};

class DirectorySource final : public Source {
public:
    explicit DirectorySource(std::filesystem::path root) : root_(std::move(root)) {}
    std::optional<std::string> read_small(const std::string& path) override;
    void stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink) override;
    [[nodiscard]] std::string describe() const override { return root_.string(); }

private:
    std::filesystem::path root_;
};

struct PackageCheck {
    std::string name, file;
    std::string algorithm;  // md5 or sha256
    std::string expected, actual;
    std::uint64_t expected_size = 0, actual_size = 0;
    std::string problem;  // empty: verified
};

struct RepositoryCheck {
    std::string path;  // below the source: "", "packages.main", ...
    std::string format;  // legacy or modern
    std::string id;      // xs:main; modern: product_name product_version
    std::string version, build;
    std::string identity;  // legacy: md5 of XS-REPOSITORY + XS-PACKAGES
    std::vector<PackageCheck> packages;
    std::string problem;  // a manifest that could not be read or parsed
};

struct VerifyReport {
    std::vector<RepositoryCheck> repositories;
    [[nodiscard]] bool ok() const;
};

// Called after each package, for progress lines.
using Progress = std::function<void(const RepositoryCheck&, const PackageCheck&, std::size_t done, std::size_t total)>;

// Where an install sends a package's bytes as they are hashed, so that each
// package is read once.
class PackageSink {
public:
    virtual ~PackageSink() = default;
    virtual void write(std::span<const std::byte> chunk) = 0;
    // All bytes given; returns what went wrong unpacking them, or "".
    virtual std::string finish() = 0;
};

class Unpacker {
public:
    virtual ~Unpacker() = default;
    // A sink for one package (modern repositories: type rpm), or null to
    // only verify it. Throws SourceError when it cannot be installed at all.
    virtual std::unique_ptr<PackageSink> open(const RepositoryCheck& repository, const Package& package) = 0;
    // Every package of the repository verified and unpacked.
    virtual void repository_done(const RepositoryCheck& repository, const std::string& repository_text,
                                 const std::string& packages_text) = 0;
};

struct VerifyOptions {
    Progress progress;
    Unpacker* unpacker = nullptr;
    bool stop_at_first_problem = false;  // an install stops; verify reports all
};

// Finds the repositories under the source (the root, packages,
// packages.main, packages.linux, packages.site, XS-REPOSITORY-LIST; or a
// .treeinfo) and checks each. Nothing found is a report with one problem.
VerifyReport verify(Source& source, const VerifyOptions& options);
inline VerifyReport verify(Source& source, const Progress& progress = {})
{
    return verify(source, VerifyOptions{progress, nullptr, false});
}

// Decompresses a gzip, xz, bzip2 or zstd blob (repodata); plain text passes.
std::string decompress(std::string_view bytes, std::string_view name);

}  // namespace xcp::repository
