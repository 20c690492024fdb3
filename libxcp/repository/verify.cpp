#include "libxcp/repository/verify.hpp"

#include "libxcp/checksum/digest.hpp"
#include "libxcp/util/text.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <memory>

namespace xcp::repository {
namespace {

using checksum::Algorithm;
using checksum::Digest;

std::string join(const std::string& dir, const std::string& name)
{
    return dir.empty() ? name : dir + "/" + name;
}

// Hashes the package as it streams and, for an install, hands the same bytes
// to the unpacker: one read per package.
void check_package(Source& source, const std::string& path, Algorithm algorithm, PackageCheck& check,
                   PackageSink* sink)
{
    Digest digest(algorithm);
    try {
        source.stream(path, [&](std::span<const std::byte> chunk) {
            digest.update(chunk);
            check.actual_size += chunk.size();
            if (sink != nullptr) {
                sink->write(chunk);
            }
        });
    } catch (const SourceError& e) {
        check.problem = e.what();
        if (sink != nullptr) {
            sink->finish();
        }
        return;
    }
    check.actual = digest.hex();
    const auto unpacked = sink != nullptr ? sink->finish() : std::string();
    if (check.actual_size != check.expected_size) {
        check.problem = "size " + std::to_string(check.actual_size) + " bytes, the manifest says " +
                        std::to_string(check.expected_size);
    } else if (check.actual != check.expected) {
        check.problem = check.algorithm + " " + check.actual + ", the manifest says " + check.expected;
    } else if (!unpacked.empty()) {
        check.problem = "verified, but cannot be unpacked: " + unpacked;
    }
}

// Checks (and unpacks) each package; stops at the first bad one when asked.
void check_all(Source& source, RepositoryCheck& r, const std::vector<Package>& list, Algorithm algorithm,
               const VerifyOptions& o)
{
    for (const auto& p : list) {
        PackageCheck c{p.label, p.file, algorithm == Algorithm::md5 ? "md5" : "sha256",
                       algorithm == Algorithm::md5 ? p.md5 : p.sha256, {}, p.size, 0, {}};
        std::unique_ptr<PackageSink> sink;
        if (o.unpacker != nullptr) {
            try {
                sink = o.unpacker->open(r, p);
            } catch (const SourceError& e) {
                c.problem = e.what();
            }
        }
        if (c.problem.empty()) {
            check_package(source, c.file, algorithm, c, sink.get());
        }
        r.packages.push_back(c);
        if (o.progress) {
            o.progress(r, r.packages.back(), r.packages.size(), list.size());
        }
        if (!c.problem.empty() && o.stop_at_first_problem) {
            return;
        }
    }
}

bool all_verified(const RepositoryCheck& r)
{
    return r.problem.empty() &&
           std::all_of(r.packages.begin(), r.packages.end(), [](const auto& p) { return p.problem.empty(); });
}

RepositoryCheck check_legacy(Source& source, const std::string& dir, const std::string& repository_text,
                             const VerifyOptions& o)
{
    RepositoryCheck r;
    r.path = dir;
    r.format = "legacy";
    const auto repository_file = join(dir, "XS-REPOSITORY");
    const auto packages_file = join(dir, "XS-PACKAGES");
    auto info = parse_repository(repository_text, repository_file);
    if (auto* e = std::get_if<ManifestError>(&info)) {
        r.problem = e->text();
        return r;
    }
    const auto& repo = std::get<RepositoryInfo>(info);
    r.id = repo.id();
    r.version = repo.version;
    r.build = repo.build;
    const auto packages_text = source.read_small(packages_file);
    if (!packages_text) {
        r.problem = packages_file + " is missing";
        return r;
    }
    r.identity = checksum::hex_of(Algorithm::md5, repository_text + *packages_text);
    auto packages = parse_packages(*packages_text, packages_file);
    if (auto* e = std::get_if<ManifestError>(&packages)) {
        r.problem = e->text();
        return r;
    }
    auto list = std::get<std::vector<Package>>(packages);
    for (auto& p : list) {
        p.file = join(dir, p.file);
    }
    check_all(source, r, list, Algorithm::md5, o);
    if (o.unpacker != nullptr && all_verified(r)) {
        o.unpacker->repository_done(r, repository_text, *packages_text);
    }
    return r;
}

RepositoryCheck check_modern(Source& source, const std::string& treeinfo_text, const VerifyOptions& o)
{
    RepositoryCheck r;
    r.format = "modern";
    auto tree = parse_treeinfo(treeinfo_text, ".treeinfo");
    if (auto* e = std::get_if<ManifestError>(&tree)) {
        r.problem = e->text();
        return r;
    }
    const auto& t = std::get<TreeInfo>(tree);
    r.id = t.product_name.empty() ? t.platform_name : t.product_name;
    r.version = t.product_version.empty() ? t.platform_version : t.product_version;
    r.build = t.build;
    const auto repomd_text = source.read_small("repodata/repomd.xml");
    if (!repomd_text) {
        r.problem = "repodata/repomd.xml is missing";
        return r;
    }
    auto repomd = parse_repomd(*repomd_text, "repodata/repomd.xml");
    if (auto* e = std::get_if<ManifestError>(&repomd)) {
        r.problem = e->text();
        return r;
    }
    const auto& entries = std::get<std::vector<RepomdEntry>>(repomd);
    const auto primary = std::find_if(entries.begin(), entries.end(), [](const auto& e) { return e.type == "primary"; });
    if (primary == entries.end()) {
        r.problem = "repodata/repomd.xml names no primary package list";
        return r;
    }
    const auto compressed = source.read_small(primary->href);
    if (!compressed) {
        r.problem = primary->href + " is missing";
        return r;
    }
    if (primary->checksum_type == "sha256" && checksum::hex_of(Algorithm::sha256, *compressed) != primary->checksum) {
        r.problem = primary->href + ": sha256 differs from repomd.xml";
        return r;
    }
    std::variant<std::vector<RpmPackage>, ManifestError> packages;
    try {
        packages = parse_primary(decompress(*compressed, primary->href), primary->href);
    } catch (const SourceError& e) {
        r.problem = e.what();
        return r;
    }
    if (auto* e = std::get_if<ManifestError>(&packages)) {
        r.problem = e->text();
        return r;
    }
    std::vector<Package> list;
    for (const auto& p : std::get<std::vector<RpmPackage>>(packages)) {
        Package package;
        package.label = p.name;
        package.type = PackageType::rpm;
        package.size = p.size;
        package.sha256 = p.sha256;
        package.file = p.href;
        package.dest = "/";
        list.push_back(std::move(package));
    }
    check_all(source, r, list, Algorithm::sha256, o);
    if (o.unpacker != nullptr && all_verified(r)) {
        o.unpacker->repository_done(r, treeinfo_text, *repomd_text);
    }
    return r;
}

}  // namespace

bool VerifyReport::ok() const
{
    return !repositories.empty() && std::all_of(repositories.begin(), repositories.end(), all_verified);
}

std::optional<std::string> DirectorySource::read_small(const std::string& path)
{
    if (!safe_relative_path(path)) {
        throw SourceError(path + ": not a path inside the repository");
    }
    const auto file = root_ / path;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        return std::nullopt;
    }
    if (std::filesystem::file_size(file, ec) > 64U * 1024 * 1024) {
        throw SourceError(file.string() + ": larger than 64 MiB, not a manifest");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw SourceError(file.string() + ": cannot be read");
    }
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void DirectorySource::stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink)
{
    if (!safe_relative_path(path)) {
        throw SourceError(path + ": not a path inside the repository");
    }
    std::ifstream in(root_ / path, std::ios::binary);
    if (!in) {
        throw SourceError((root_ / path).string() + ": cannot be read");
    }
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        const auto n = static_cast<std::size_t>(in.gcount());
        if (n > 0) {
            sink(std::as_bytes(std::span(buffer.data(), n)));
        }
    }
    if (in.bad()) {
        throw SourceError((root_ / path).string() + ": read error");
    }
}

// libarchive may have no message for an error: never build a string from null.
static std::string archive_problem(archive* a)
{
    const char* message = archive_error_string(a);
    return message != nullptr ? message : "damaged or unsupported compressed data";
}

std::string decompress(std::string_view bytes, std::string_view name)
{
    const std::unique_ptr<archive, decltype(&archive_read_free)> a(archive_read_new(), &archive_read_free);
    archive_read_support_filter_all(a.get());
    archive_read_support_format_raw(a.get());
    if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
        throw SourceError(std::string(name) + ": " + archive_problem(a.get()));
    }
    archive_entry* entry = nullptr;
    if (archive_read_next_header(a.get(), &entry) != ARCHIVE_OK) {
        throw SourceError(std::string(name) + ": cannot be decompressed");
    }
    std::string out;
    std::array<char, 65536> buffer{};
    while (true) {
        const auto n = archive_read_data(a.get(), buffer.data(), buffer.size());
        if (n < 0) {
            throw SourceError(std::string(name) + ": " + archive_problem(a.get()));
        }
        if (n == 0) {
            return out;
        }
        out.append(buffer.data(), static_cast<std::size_t>(n));
        if (out.size() > 512U * 1024 * 1024) {
            throw SourceError(std::string(name) + ": decompresses to more than 512 MiB");
        }
    }
}

VerifyReport verify(Source& source, const VerifyOptions& options)
{
    VerifyReport report;
    if (const auto treeinfo = source.read_small(".treeinfo")) {
        report.repositories.push_back(check_modern(source, *treeinfo, options));
    }
    std::vector<std::string> dirs{"", "packages", "packages.main", "packages.linux", "packages.site"};
    if (const auto list = source.read_small("XS-REPOSITORY-LIST")) {
        for (const auto line : util::split(*list, '\n')) {
            const std::string dir(util::trim(line));
            if (!dir.empty() && safe_relative_path(dir) && std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) {
                dirs.push_back(dir);
            }
        }
    }
    for (const auto& dir : dirs) {
        if (options.stop_at_first_problem && !report.ok() && !report.repositories.empty()) {
            break;
        }
        if (const auto text = source.read_small(join(dir, "XS-REPOSITORY"))) {
            report.repositories.push_back(check_legacy(source, dir, *text, options));
        }
    }
    if (report.repositories.empty()) {
        RepositoryCheck none;
        none.problem = source.describe() + " holds no repository: no .treeinfo, and no XS-REPOSITORY in it or in "
                                           "packages, packages.main, packages.linux, packages.site";
        report.repositories.push_back(none);
    }
    return report;
}

}  // namespace xcp::repository
