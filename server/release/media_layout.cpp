#include "server/release/media_layout.hpp"

#include "libxcp/repository/manifest.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace xcp::release {
namespace {

// Where the legacy format's repositories sit on a medium (install.md: the
// source root, packages, packages.main, packages.linux, packages.site).
constexpr std::array<std::string_view, 5> legacy_dirs{"", "packages", "packages.main", "packages.linux", "packages.site"};

std::string join(std::string_view dir, std::string_view file)
{
    return dir.empty() ? std::string(file) : std::string(dir) + "/" + std::string(file);
}

}  // namespace

std::string_view to_string(Era era) { return era == Era::legacy ? "legacy" : "modern"; }

std::string medium_path(std::string_view path)
{
    while (path.starts_with("./") || path.starts_with("/")) {
        path.remove_prefix(path.front() == '/' ? 1 : 2);
    }
    while (path.ends_with("/")) {
        path.remove_suffix(1);
    }
    if (path.empty() || path == "." || !repository::safe_relative_path(path)) {
        return {};
    }
    return std::string(path);
}

namespace {

using FileSet = std::set<std::string, std::less<>>;

FileSet file_set(const std::vector<std::string>& listed)
{
    FileSet files;
    for (const auto& f : listed) {
        if (auto p = medium_path(f); !p.empty()) {
            files.insert(std::move(p));
        }
    }
    return files;
}

// The repositories, or what is missing for one.
std::variant<RepositoryLayout, std::string> repositories_in(const FileSet& files)
{
    RepositoryLayout layout;
    if (files.contains(".treeinfo") && files.contains("repodata/repomd.xml")) {
        layout.era = Era::modern;
        layout.repositories.emplace_back();
        return layout;
    }
    layout.era = Era::legacy;
    for (const auto dir : legacy_dirs) {
        if (files.contains(join(dir, "XS-REPOSITORY")) && files.contains(join(dir, "XS-PACKAGES"))) {
            layout.repositories.emplace_back(dir);
        }
    }
    if (!layout.repositories.empty()) {
        return layout;
    }
    if (files.contains(".treeinfo")) {
        return std::string("repodata/repomd.xml (it has a .treeinfo)");
    }
    if (files.contains("repodata/repomd.xml")) {
        return std::string(".treeinfo (it has repodata/)");
    }
    return std::string("repository (.treeinfo with repodata/, or XS-REPOSITORY with XS-PACKAGES at the top or under "
                       "packages.main, packages.linux)");
}

std::string none_of(std::string_view start, const std::vector<std::string>& missing)
{
    std::string text(start);
    for (std::size_t i = 0; i < missing.size(); ++i) {
        text += (i == 0 ? "" : i + 1 == missing.size() ? " and no " : ", no ") + missing[i];
    }
    return text;
}

}  // namespace

std::variant<RepositoryLayout, std::string> recognise_repository(const std::vector<std::string>& listed)
{
    auto found = repositories_in(file_set(listed));
    if (const auto* missing = std::get_if<std::string>(&found)) {
        return none_of("not an install repository: it has no ", {*missing});
    }
    return found;
}

std::variant<MediaLayout, std::string> recognise_media(const std::vector<std::string>& listed)
{
    const auto files = file_set(listed);
    MediaLayout layout;
    std::vector<std::string> missing;
    for (const auto* need : {&layout.xen, &layout.kernel, &layout.image}) {
        if (!files.contains(*need)) {
            missing.push_back(*need);
        }
    }
    const auto repositories = repositories_in(files);
    if (const auto* none = std::get_if<std::string>(&repositories)) {
        missing.push_back(*none);
    }
    if (!missing.empty()) {
        return none_of("not an XCP-ng / XenServer install medium: it has no ", missing);
    }
    layout.era = std::get<RepositoryLayout>(repositories).era;
    layout.repositories = std::get<RepositoryLayout>(repositories).repositories;
    const auto efi_begin = files.lower_bound("EFI/xenserver/");
    for (auto it = efi_begin; it != files.end() && it->starts_with("EFI/xenserver/"); ++it) {
        layout.efi_files.push_back(*it);
    }
    return layout;
}

}  // namespace xcp::release
