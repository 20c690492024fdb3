#include "libxcp/repository/manifest.hpp"

#include "libxcp/util/text.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>

namespace xcp::repository {
namespace {

// Manifests are small; a huge one is a mistake or an attack.
constexpr std::size_t max_manifest_bytes = 64 * 1024 * 1024;

ManifestError error(std::string_view file, int line, std::string message)
{
    return ManifestError{std::string(file), line, std::move(message)};
}

bool is_md5(std::string_view s)
{
    return s.size() == 32 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool to_u64(std::string_view s, std::uint64_t& out)
{
    const auto* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, out);
    return !s.empty() && ec == std::errc{} && ptr == end;
}

// Line of a pugixml node, from its byte offset.
int line_of(std::string_view text, std::ptrdiff_t offset)
{
    if (offset < 0 || static_cast<std::size_t>(offset) > text.size()) {
        return 0;
    }
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + offset, '\n'));
}

// The document, checked to have `root` as its root element.
std::variant<pugi::xml_document, ManifestError> load_xml(std::string_view text, std::string_view file, const char* root)
{
    if (text.size() > max_manifest_bytes) {
        return error(file, 0, "is larger than 64 MiB");
    }
    pugi::xml_document doc;
    // No DTD processing: entities are never expanded.
    const auto r = doc.load_buffer(text.data(), text.size(), pugi::parse_default & ~pugi::parse_doctype);
    if (!r) {
        return error(file, line_of(text, r.offset), std::string("not well-formed XML: ") + r.description());
    }
    if (!doc.child(root)) {
        return error(file, 1, std::string("the root element is not <") + root + ">");
    }
    return doc;
}

std::vector<std::string_view> words(std::string_view line)
{
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        const auto start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
            ++i;
        }
        if (i > start) {
            out.push_back(line.substr(start, i - start));
        }
    }
    return out;
}

std::variant<PackageType, std::string> package_type(std::string_view s)
{
    if (s == "tbz2") return PackageType::tbz2;
    if (s == "driver") return PackageType::driver;
    if (s == "firmware") return PackageType::firmware;
    if (s == "rpm") return PackageType::rpm;
    if (s == "driver-rpm") return PackageType::driver_rpm;
    return "unknown package type '" + std::string(s) + "' (tbz2, driver, firmware, rpm, driver-rpm)";
}

// Checks the fields every form shares; empty when good.
std::string check_package(const Package& p)
{
    if (!is_md5(p.md5)) {
        return "package " + p.label + ": md5 '" + p.md5 + "' is not 32 hex digits";
    }
    if (!safe_relative_path(p.file)) {
        return "package " + p.label + ": file '" + p.file + "' is not a path inside the repository";
    }
    return {};
}

std::variant<std::vector<Package>, ManifestError> packages_from_xml(std::string_view text, std::string_view file)
{
    auto loaded = load_xml(text, file, "packages");
    if (auto* e = std::get_if<ManifestError>(&loaded)) {
        return *e;
    }
    const auto root = std::get<pugi::xml_document>(loaded).child("packages");
    std::vector<Package> out;
    for (const auto node : root.children("package")) {
        Package p;
        p.line = line_of(text, node.offset_debug());
        p.label = node.attribute("label").value();
        const auto type = package_type(node.attribute("type").value());
        if (const auto* why = std::get_if<std::string>(&type)) {
            return error(file, p.line, *why);
        }
        p.type = std::get<PackageType>(type);
        if (!to_u64(node.attribute("size").value(), p.size)) {
            return error(file, p.line, "package " + p.label + ": size '" + node.attribute("size").value() +
                                           "' is not a number");
        }
        p.md5 = lower(node.attribute("md5").value());
        p.file = std::string(util::trim(node.child_value()));
        p.dest = node.attribute("root").value();
        p.kernel = node.attribute("kernel").value();
        p.options = node.attribute("options").value();
        if (p.label.empty()) {
            return error(file, p.line, "a <package> has no label");
        }
        if (auto why = check_package(p); !why.empty()) {
            return error(file, p.line, why);
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::variant<std::vector<Package>, ManifestError> packages_from_text(std::string_view text, std::string_view file)
{
    std::vector<Package> out;
    int number = 0;
    for (const auto raw : util::split(text, '\n')) {
        ++number;
        const auto line = util::trim(raw);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const auto w = words(line);
        if (w.size() < 5) {
            return error(file, number, "expected `name size md5 type ...`, found " + std::to_string(w.size()) + " fields");
        }
        Package p;
        p.line = number;
        p.label = std::string(w[0]);
        if (!to_u64(w[1], p.size)) {
            return error(file, number, "package " + p.label + ": size '" + std::string(w[1]) + "' is not a number");
        }
        p.md5 = lower(w[2]);
        const auto type = package_type(w[3]);
        if (const auto* why = std::get_if<std::string>(&type)) {
            return error(file, number, *why);
        }
        p.type = std::get<PackageType>(type);
        switch (p.type) {
        case PackageType::tbz2:
            if (w.size() < 7 || (w[4] != "required" && w[4] != "optional")) {
                return error(file, number, "tbz2 package " + p.label + ": expected `required|optional src dest`");
            }
            p.required = w[4] == "required";
            p.file = std::string(w[5]);
            p.dest = std::string(w[6]);
            break;
        case PackageType::driver:
        case PackageType::driver_rpm:
            if (w.size() < 6) {
                return error(file, number, "driver package " + p.label + ": expected `src dest`");
            }
            p.file = std::string(w[4]);
            p.dest = std::string(w[5]);
            break;
        case PackageType::firmware:
        case PackageType::rpm:
            p.file = std::string(w[4]);
            break;
        }
        if (auto why = check_package(p); !why.empty()) {
            return error(file, number, why);
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

std::string ManifestError::text() const
{
    return file + ":" + std::to_string(line) + ": " + message;
}

std::string_view to_string(PackageType type)
{
    switch (type) {
    case PackageType::tbz2: return "tbz2";
    case PackageType::driver: return "driver";
    case PackageType::firmware: return "firmware";
    case PackageType::rpm: return "rpm";
    case PackageType::driver_rpm: return "driver-rpm";
    }
    return "?";
}

bool safe_relative_path(std::string_view path)
{
    if (path.empty() || path.front() == '/' || path.find('\\') != std::string_view::npos ||
        path.find('\0') != std::string_view::npos) {
        return false;
    }
    const auto parts = util::split(path, '/');
    return std::none_of(parts.begin(), parts.end(), [](std::string_view s) { return s == ".."; });
}

std::variant<RepositoryInfo, ManifestError> parse_repository(std::string_view text, std::string_view file)
{
    const auto start = util::trim(text);
    if (start.starts_with("<")) {
        auto loaded = load_xml(text, file, "repository");
        if (auto* e = std::get_if<ManifestError>(&loaded)) {
            return *e;
        }
        const auto root = std::get<pugi::xml_document>(loaded).child("repository");
        RepositoryInfo r;
        r.originator = root.attribute("originator").value();
        r.name = root.attribute("name").value();
        r.product = root.attribute("product").value();
        r.version = root.attribute("version").value();
        r.build = root.attribute("build").value();
        r.description = util::trim(root.child_value("description"));
        for (const auto req : root.children("requires")) {
            r.requirements.push_back({req.attribute("originator").value(), req.attribute("name").value(),
                                      req.attribute("test").value(), req.attribute("version").value(),
                                      req.attribute("build").value()});
        }
        if (r.originator.empty() || r.name.empty()) {
            return error(file, line_of(text, root.offset_debug()), "<repository> needs originator and name");
        }
        return r;
    }
    // Text form: id, name, product, version.
    std::vector<std::string> lines;
    for (const auto l : util::split(text, '\n')) {
        if (!util::trim(l).empty()) {
            lines.emplace_back(util::trim(l));
        }
    }
    if (lines.size() < 4) {
        return error(file, static_cast<int>(lines.size()), "the text form has four lines: id, name, product, version");
    }
    RepositoryInfo r;
    const auto colon = lines[0].find(':');
    r.originator = colon == std::string::npos ? "xs" : lines[0].substr(0, colon);
    r.name = colon == std::string::npos ? lines[0] : lines[0].substr(colon + 1);
    r.description = lines[1];
    r.product = lines[2];
    r.version = lines[3];
    return r;
}

std::variant<std::vector<Package>, ManifestError> parse_packages(std::string_view text, std::string_view file)
{
    if (text.size() > max_manifest_bytes) {
        return error(file, 0, "is larger than 64 MiB");
    }
    return util::trim(text).starts_with("<") ? packages_from_xml(text, file) : packages_from_text(text, file);
}

std::variant<TreeInfo, ManifestError> parse_treeinfo(std::string_view text, std::string_view file)
{
    TreeInfo t;
    std::string section;
    int number = 0;
    for (const auto raw : util::split(text, '\n')) {
        ++number;
        const auto line = util::trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') {
            continue;
        }
        if (line.front() == '[') {
            if (line.back() != ']') {
                return error(file, number, "a section header must end with ]");
            }
            section = std::string(line.substr(1, line.size() - 2));
            continue;
        }
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            return error(file, number, "expected `key = value`");
        }
        const auto key = util::trim(line.substr(0, eq));
        const std::string value(util::trim(line.substr(eq + 1)));
        if (section == "system-v1") {
            if (key == "platform_name") t.platform_name = value;
            if (key == "platform_version") t.platform_version = value;
            if (key == "product_name") t.product_name = value;
            if (key == "product_version") t.product_version = value;
        } else if (section == "build" && key == "number") {
            t.build = value;
        } else if (section == "checksums") {
            const auto colon = value.find(':');
            TreeInfoChecksum sum{std::string(key), lower(value.substr(0, colon == std::string::npos ? 0 : colon)),
                                 lower(value.substr(colon == std::string::npos ? 0 : colon + 1)), number};
            const std::size_t hex_size = sum.algorithm == "sha256" ? 64 : sum.algorithm == "md5" ? 32 : 0;
            if (hex_size == 0 || sum.hex.size() != hex_size ||
                sum.hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
                return error(file, number, "checksum of " + sum.path + " is not sha256:HEX or md5:HEX");
            }
            if (!safe_relative_path(sum.path)) {
                return error(file, number, "checksum for '" + sum.path + "': not a path inside the medium");
            }
            t.checksums.push_back(std::move(sum));
        }
    }
    if (t.product_version.empty() && t.platform_version.empty()) {
        return error(file, 1, "has no [system-v1] product_version or platform_version: not an XCP-ng .treeinfo");
    }
    return t;
}

std::variant<std::vector<RepomdEntry>, ManifestError> parse_repomd(std::string_view xml, std::string_view file)
{
    auto loaded = load_xml(xml, file, "repomd");
    if (auto* e = std::get_if<ManifestError>(&loaded)) {
        return *e;
    }
    const auto root = std::get<pugi::xml_document>(loaded).child("repomd");
    std::vector<RepomdEntry> out;
    for (const auto data : root.children("data")) {
        RepomdEntry e;
        e.type = data.attribute("type").value();
        e.href = data.child("location").attribute("href").value();
        e.checksum_type = data.child("checksum").attribute("type").value();
        e.checksum = lower(util::trim(data.child_value("checksum")));
        if (!safe_relative_path(e.href)) {
            return error(file, line_of(xml, data.offset_debug()), "data " + e.type + ": location '" + e.href +
                                                                      "' is not a path inside the repository");
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::variant<std::vector<RpmPackage>, ManifestError> parse_primary(std::string_view xml, std::string_view file)
{
    auto loaded = load_xml(xml, file, "metadata");
    if (auto* e = std::get_if<ManifestError>(&loaded)) {
        return *e;
    }
    const auto root = std::get<pugi::xml_document>(loaded).child("metadata");
    std::vector<RpmPackage> out;
    for (const auto pkg : root.children("package")) {
        RpmPackage p;
        const int line = line_of(xml, pkg.offset_debug());
        p.name = util::trim(pkg.child_value("name"));
        p.href = pkg.child("location").attribute("href").value();
        const auto checksum = pkg.child("checksum");
        if (std::string_view(checksum.attribute("type").value()) != "sha256") {
            return error(file, line, "package " + p.name + ": checksum type '" + checksum.attribute("type").value() +
                                         "' is not sha256");
        }
        p.sha256 = lower(util::trim(checksum.child_value()));
        if (p.sha256.size() != 64 || p.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
            return error(file, line, "package " + p.name + ": sha256 is not 64 hex digits");
        }
        if (!to_u64(pkg.child("size").attribute("package").value(), p.size)) {
            return error(file, line, "package " + p.name + ": <size package=> is not a number");
        }
        if (!safe_relative_path(p.href)) {
            return error(file, line, "package " + p.name + ": location '" + p.href + "' is not a path inside the repository");
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace xcp::repository
