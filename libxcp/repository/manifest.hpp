// Install repository manifests: the legacy XS-REPOSITORY / XS-PACKAGES pair
// (MD5 per package) and the modern .treeinfo + repodata (SHA-256 per
// package). Parsers only: pure functions of the text. See
// shared/reference/install.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::repository {

// Where a manifest is wrong, as `FILE:LINE: message`.
struct ManifestError {
    std::string file;
    int line = 0;
    std::string message;
    [[nodiscard]] std::string text() const;
};

struct Requirement {
    std::string originator, name, test, version, build;
};

struct RepositoryInfo {
    std::string originator, name, product, version, build, description;
    std::vector<Requirement> requirements;
    [[nodiscard]] std::string id() const { return originator + ":" + name; }
};

enum class PackageType { tbz2, driver, firmware, rpm, driver_rpm };
std::string_view to_string(PackageType type);

struct Package {
    std::string label;
    PackageType type = PackageType::tbz2;
    std::uint64_t size = 0;
    std::string md5;   // lower-case hex
    std::string sha256;  // modern repositories
    std::string file;  // relative to the repository, checked: no "..", not absolute
    std::string dest;  // tbz2: where in the new root; driver: module path
    bool required = true;
    std::string kernel, options;
    int line = 0;  // in XS-PACKAGES
};

// XML (`<repository originator= name= ...>`) or the four-line text form.
std::variant<RepositoryInfo, ManifestError> parse_repository(std::string_view text, std::string_view file);
// XML (`<packages><package ...>file</package>`) or one line per package.
std::variant<std::vector<Package>, ManifestError> parse_packages(std::string_view text, std::string_view file);

// .treeinfo, the modern repository's identity, and the sums its
// [checksums] section gives for files of the medium (`path = sha256:HEX`).
struct TreeInfoChecksum {
    std::string path, algorithm, hex;  // algorithm: sha256 or md5; hex lower-case
    int line = 0;
};
struct TreeInfo {
    std::string platform_name, platform_version, product_name, product_version, build;
    std::vector<TreeInfoChecksum> checksums;
};
std::variant<TreeInfo, ManifestError> parse_treeinfo(std::string_view text, std::string_view file);

// repodata/repomd.xml: where the package list (primary) is, and its sum.
struct RepomdEntry {
    std::string type, href, checksum_type, checksum;
};
std::variant<std::vector<RepomdEntry>, ManifestError> parse_repomd(std::string_view xml, std::string_view file);

// primary.xml (decompressed): each RPM with its SHA-256.
struct RpmPackage {
    std::string name, href, sha256;
    std::uint64_t size = 0;
};
std::variant<std::vector<RpmPackage>, ManifestError> parse_primary(std::string_view xml, std::string_view file);

// A path from a manifest is only ever read below the repository.
bool safe_relative_path(std::string_view path);

}  // namespace xcp::repository
