#include "server/release/release_import.hpp"

#include "server/inventory/host_vars.hpp"
#include "server/release/media_layout.hpp"
#include "libxcp/checksum/digest.hpp"
#include "libxcp/repository/ftp_source.hpp"
#include "libxcp/repository/http_source.hpp"
#include "libxcp/repository/manifest.hpp"
#include "libxcp/repository/verify.hpp"

#include <unistd.h>

#include <fstream>

namespace xcp::release {
namespace fs = std::filesystem;
namespace {

std::string size_text(std::uint64_t bytes)
{
    char out[32];
    if (bytes >= (1ULL << 30)) {
        std::snprintf(out, sizeof out, "%.1f GiB", static_cast<double>(bytes) / (1ULL << 30));
    } else {
        std::snprintf(out, sizeof out, "%.1f MiB", static_cast<double>(bytes) / (1ULL << 20));
    }
    return out;
}

struct RepositoryFacts {
    std::string product, version, build, identity;
    Era era = Era::modern;
};

// The sum of a file of the source: from what was copied when it was
// (`sums`), else read again.
std::string sum_of(repository::Source& source, const std::map<std::string, std::string>& sums, const std::string& path,
                   const std::string& algorithm)
{
    if (algorithm == "sha256") {
        if (const auto it = sums.find(path); it != sums.end()) {
            return it->second;
        }
    }
    checksum::Digest digest(algorithm == "sha256" ? checksum::Algorithm::sha256 : checksum::Algorithm::md5);
    try {
        source.stream(path, [&](std::span<const std::byte> chunk) { digest.update(chunk); });
    } catch (const repository::SourceError&) {
        throw ReleaseError(".treeinfo names " + path + ", which is not in " + source.describe());
    }
    return digest.hex();
}

// The repository of `source` (the staged copy: what will be served; or a URL
// hosts will install from), checked package by package as an install checks
// it, and the .treeinfo's own sums. Throws ReleaseError naming the file and
// both sums.
RepositoryFacts verify_source(repository::Source& source, const std::map<std::string, std::string>& sums,
                              ImportProgress& progress)
{
    progress.phase("verifying the repository in " + source.describe());
    const auto report = repository::verify(
        source, [&](const repository::RepositoryCheck& r, const repository::PackageCheck& p, std::size_t done,
                    std::size_t total) {
            progress.checked((r.path.empty() ? "" : r.path + "/") + p.file, done, total);
        });
    for (const auto& r : report.repositories) {
        const auto where = r.path.empty() ? std::string() : r.path + "/";
        if (!r.problem.empty()) {
            throw ReleaseError("the repository " + (r.path.empty() ? std::string("at the top") : r.path) +
                               " is not valid: " + r.problem);
        }
        for (const auto& p : r.packages) {
            if (!p.problem.empty()) {
                throw ReleaseError(where + p.file + " does not match its manifest: " + p.problem);
            }
        }
    }
    if (report.repositories.empty()) {
        throw ReleaseError("no repository could be verified in " + source.describe());
    }
    RepositoryFacts facts;
    const auto& main = report.repositories.front();
    facts.version = main.version;
    facts.build = main.build;
    facts.identity = main.identity;
    facts.era = main.format == "modern" ? Era::modern : Era::legacy;
    if (facts.era == Era::modern) {
        const auto parsed = repository::parse_treeinfo(source.read_small(".treeinfo").value_or(""), ".treeinfo");
        if (const auto* e = std::get_if<repository::ManifestError>(&parsed)) {
            throw ReleaseError(e->text());
        }
        const auto& info = std::get<repository::TreeInfo>(parsed);
        facts.product = info.product_name.empty() ? info.platform_name : info.product_name;
        facts.version = info.product_version.empty() ? info.platform_version : info.product_version;
        facts.build = info.build;
        for (const auto& sum : info.checksums) {
            const auto actual = sum_of(source, sums, sum.path, sum.algorithm);
            if (actual != sum.hex) {
                throw ReleaseError(sum.path + " does not match .treeinfo: " + sum.algorithm + " " + actual +
                                   ", .treeinfo says " + sum.hex);
            }
        }
        if (facts.identity.empty()) {
            facts.identity = checksum::hex_of(checksum::Algorithm::sha256,
                                              source.read_small("repodata/repomd.xml").value_or(""));
        }
    } else {
        const auto file = (main.path.empty() ? "" : main.path + "/") + "XS-REPOSITORY";
        const auto info = repository::parse_repository(source.read_small(file).value_or(""), file);
        if (const auto* r = std::get_if<repository::RepositoryInfo>(&info)) {
            facts.product = r->product;
        }
    }
    return facts;
}

// What every release records of its repository.
inventory::Release release_record(const std::string& name, const char* kind, const RepositoryFacts& facts)
{
    inventory::Release r;
    r.name = name;
    r.kind = kind;
    r.product = facts.product;
    r.version = facts.version;
    r.build = facts.build;
    r.era = std::string(to_string(facts.era));
    r.identity = facts.identity;
    return r;
}

// Copies what the medium's list has into `into`, telling progress.
std::map<std::string, std::string> copy_out(Medium& medium, const std::vector<MediumFile>& files, const fs::path& into,
                                            ImportProgress& progress)
{
    std::uint64_t total = 0;
    for (const auto& f : files) {
        total += f.size;
    }
    progress.phase("copying " + std::to_string(files.size()) + " files (" + size_text(total) + ") from " +
                   medium.describe());
    std::size_t count = 0;
    return medium.extract(into, [&](const MediumFile& f, std::uint64_t bytes) {
        progress.copied(f.path, bytes, total, ++count, files.size());
    });
}

std::vector<std::string> paths_of(const std::vector<MediumFile>& files)
{
    std::vector<std::string> out;
    out.reserve(files.size());
    for (const auto& f : files) {
        out.push_back(f.path);
    }
    return out;
}

// syslinux into the TFTP root, the first time only; the vendor's grub for
// UEFI hosts when the root has none.
std::vector<std::string> install_loaders(const ReleaseRoots& roots, const LoaderSources& sources,
                                         const fs::path& release_tftp, const std::vector<std::string>& efi_files)
{
    std::vector<std::string> installed;
    std::error_code ec;
    const auto put = [&](const fs::path& from, const std::string& to) {
        const auto target = roots.tftp_root / to;
        // Two imports of different names may install at once: each its own
        // temporary name, and the rename makes the last one win whole.
        const auto temporary =
            target.parent_path() / ("." + target.filename().string() + ".new-" + std::to_string(::getpid()));
        fs::create_directories(target.parent_path(), ec);
        fs::remove(temporary, ec);
        try {
            copy_hashed(from, temporary);
        } catch (const ReleaseError&) {
            fs::remove(temporary, ec);
            throw;
        }
        fs::rename(temporary, target, ec);
        if (ec) {
            throw ReleaseError("cannot install " + target.string() + ": " + ec.message());
        }
        installed.push_back(to);
    };
    if (!fs::exists(roots.tftp_root / "pxelinux.0", ec)) {
        for (const auto* loader : {"pxelinux.0", "lpxelinux.0"}) {
            if (!fs::is_regular_file(sources.pxelinux_dir / loader, ec)) {
                throw ReleaseError("syslinux's " + std::string(loader) + " is not in " + sources.pxelinux_dir.string() +
                                   " (Debian's pxelinux package), and the TFTP root has no pxelinux.0");
            }
        }
        if (!fs::is_regular_file(sources.modules_dir / "mboot.c32", ec)) {
            throw ReleaseError("syslinux's mboot.c32 is not in " + sources.modules_dir.string() +
                               " (Debian's syslinux-common package)");
        }
        put(sources.pxelinux_dir / "pxelinux.0", "pxelinux.0");
        put(sources.pxelinux_dir / "lpxelinux.0", "lpxelinux.0");
        for (const auto& entry : fs::directory_iterator(sources.modules_dir, ec)) {
            if (entry.path().extension() == ".c32" && entry.is_regular_file(ec)) {
                put(entry.path(), entry.path().filename().string());
            }
        }
    }
    for (const auto& file : efi_files) {
        if (fs::path(file).filename() == "grubx64.efi" && !fs::exists(roots.tftp_root / file, ec)) {
            put(release_tftp / file, file);
        }
    }
    return installed;
}

void check_name(const std::string& name)
{
    if (const auto problem = inventory::name_problem("release", name); !problem.empty()) {
        throw ReleaseError(problem);
    }
}

// The same content again changes nothing; other content needs --replace.
bool same_as_recorded(const std::optional<inventory::Release>& existing, const std::string& digest, bool replace,
                      const std::string& name)
{
    if (!existing) {
        return false;
    }
    if (existing->digest == digest) {
        return true;
    }
    if (!replace) {
        throw ReleaseError("release " + name + " is already there from another medium (" +
                           (existing->product.empty() ? std::string() : existing->product + " ") + existing->version +
                           (existing->build.empty() ? std::string() : " build " + existing->build) + ", " +
                           existing->imported + "); add --replace to replace it, or choose another name");
    }
    return false;
}

// A repository by URL, as the installer would read it.
std::unique_ptr<repository::Source> open_remote(const std::string& url)
{
    try {
        if (url.starts_with("http://") || url.starts_with("https://")) {
            return std::make_unique<repository::HttpSource>(url);
        }
        if (url.starts_with("ftp://")) {
            return std::make_unique<repository::FtpSource>(url);
        }
    } catch (const repository::SourceError& e) {
        throw ReleaseError(std::string("--repository ") + e.what());
    }
    throw ReleaseError("--repository " + url + ": an http://, https:// or ftp:// URL, a folder or an ISO");
}

std::vector<MediumFile> list_medium(Medium& medium, ImportProgress& progress)
{
    progress.phase("reading " + medium.describe());
    return medium.list();
}

// The layout found, or the sentence saying what the medium lacks.
template <typename Layout>
Layout recognised(const Medium& medium, std::variant<Layout, std::string> found)
{
    if (const auto* missing = std::get_if<std::string>(&found)) {
        throw ReleaseError(medium.describe() + " is " + *missing);
    }
    return std::get<Layout>(std::move(found));
}

bool is_gzip(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    char magic[2] = {};
    return in.read(magic, 2) && magic[0] == '\x1f' && magic[1] == '\x8b';
}

// Beside a gzipped Xen in the staged TFTP folder, its decompressed copy
// (inventory::multiboot_xen): what iPXE loads.
void add_unpacked_xen(const std::string& xen, const fs::path& staged_tftp, std::map<std::string, std::string>& checksums)
{
    const auto unpacked = inventory::unpacked_xen_path(xen);
    if (unpacked.empty() || checksums.contains("tftp/" + unpacked) || !is_gzip(staged_tftp / xen)) {
        return;
    }
    checksums["tftp/" + unpacked] = gunzip_hashed(staged_tftp / xen, staged_tftp / unpacked);
}

struct Staged {
    Staging& tftp;
    Staging& http;
};

// The same content again changes nothing (while its files are there);
// otherwise the loaders, then both folders into place, then the record.
void settle(ImportResult& result, bool replace, const ReleaseRoots& roots, const LoaderSources& loaders,
            const std::vector<std::string>& efi_files, Staged staged, inventory::Inventory& inventory,
            ImportProgress& progress)
{
    const auto& name = result.release.name;
    const auto existing = inventory.find_release(name);
    if (same_as_recorded(existing, result.release.digest, replace, name) &&
        fs::exists(roots.tftp_root / existing->image) && fs::exists(roots.http_dir(name))) {
        result.release = *existing;
        result.unchanged = true;
        return;
    }
    // Loaders first: a failure there leaves no release half made.
    result.loaders = install_loaders(roots, loaders, staged.tftp.path(), efi_files);
    progress.phase("placing the release");
    staged.tftp.place();
    staged.http.place();
    inventory.put_release(result.release);
    result.release = *inventory.find_release(name);
}

}  // namespace

ImportResult import_medium(const ImportRequest& request, const ReleaseRoots& roots, const LoaderSources& loaders,
                           inventory::Inventory& inventory, ImportProgress& progress)
{
    check_name(request.name);
    ReleaseLock lock(roots.state_dir, request.name);
    const auto medium = Medium::open(request.medium);
    const auto files = list_medium(*medium, progress);
    const auto layout = recognised<MediaLayout>(*medium, recognise_media(paths_of(files)));
    progress.phase(std::string("found a ") + std::string(to_string(layout.era)) + " install medium" +
                   (layout.efi_files.empty() ? "" : " with EFI/xenserver/"));

    ImportResult result;
    result.skipped = medium->skipped();
    Staging http(roots.http_dir(request.name));
    Staging tftp(roots.tftp_dir(request.name));
    const auto medium_sums = copy_out(*medium, files, http.path(), progress);
    repository::DirectorySource staged(http.path());
    const auto facts = verify_source(staged, medium_sums, progress);

    std::map<std::string, std::string> checksums;
    for (const auto& [path, sum] : medium_sums) {
        checksums["http/" + path] = sum;
    }
    std::vector<std::string> boot_files{layout.xen, layout.kernel, layout.image};
    boot_files.insert(boot_files.end(), layout.efi_files.begin(), layout.efi_files.end());
    for (const auto& file : boot_files) {
        const auto sum = copy_hashed(http.path() / file, tftp.path() / file);
        if (sum != medium_sums.at(file)) {
            throw ReleaseError("the copy of " + file + " in the TFTP root differs from the medium's: sha256 " + sum +
                               ", the medium's " + medium_sums.at(file));
        }
        checksums["tftp/" + file] = sum;
    }

    add_unpacked_xen(layout.xen, tftp.path(), checksums);

    auto& r = result.release;
    r = release_record(request.name, "media", facts);
    const auto base = "releases/" + request.name + "/";
    r.xen = base + layout.xen;
    r.kernel = base + layout.kernel;
    r.image = base + layout.image;
    r.efi = !layout.efi_files.empty();
    r.repository = base;
    r.digest = digest_of(medium_sums);
    r.checksums = std::move(checksums);

    settle(result, request.replace, roots, loaders, layout.efi_files, {tftp, http}, inventory, progress);
    return result;
}

ImportResult add_agent_release(const AgentRequest& request, const ReleaseRoots& roots, const LoaderSources& loaders,
                               inventory::Inventory& inventory, ImportProgress& progress)
{
    check_name(request.name);
    for (const auto* file : {&request.image, &request.kernel}) {
        if (!fs::is_regular_file(*file)) {
            throw ReleaseError(file->string() + " is not a file");
        }
    }
    if (!request.xen.empty() && !fs::is_regular_file(request.xen)) {
        throw ReleaseError(request.xen.string() + " is not a file");
    }
    ReleaseLock lock(roots.state_dir, request.name);
    ImportResult result;
    Staging http(roots.http_dir(request.name));
    Staging tftp(roots.tftp_dir(request.name));
    std::map<std::string, std::string> repository_sums;
    RepositoryFacts facts;
    const bool remote = request.repository.find("://") != std::string::npos;
    if (remote) {
        // Hosts install from the URL itself: it is verified from here, and
        // nothing of it is copied.
        const auto source = open_remote(request.repository);
        facts = verify_source(*source, {}, progress);
    } else {
        const auto medium = Medium::open(request.repository);
        const auto files = list_medium(*medium, progress);
        recognised<RepositoryLayout>(*medium, recognise_repository(paths_of(files)));
        result.skipped = medium->skipped();
        repository_sums = copy_out(*medium, files, http.path(), progress);
        repository::DirectorySource staged(http.path());
        facts = verify_source(staged, repository_sums, progress);
    }

    std::map<std::string, std::string> checksums;
    for (const auto& [path, sum] : repository_sums) {
        checksums["http/" + path] = sum;
    }
    auto& r = result.release;
    r = release_record(request.name, "agent", facts);
    const auto base = "releases/" + request.name + "/";
    const auto boot = [&](const fs::path& from, const std::string& to) {
        checksums["tftp/" + to] = copy_hashed(from, tftp.path() / to);
        return base + to;
    };
    progress.phase("copying the install image and the kernel");
    r.image = boot(request.image, "install.img");
    r.kernel = boot(request.kernel, "boot/vmlinuz");
    if (!request.xen.empty()) {
        if (is_gzip(request.xen)) {
            r.xen = boot(request.xen, "boot/xen.gz");
            add_unpacked_xen("boot/xen.gz", tftp.path(), checksums);
        } else {
            r.xen = boot(request.xen, "boot/xen");  // an ELF already: every loader takes it
        }
    }
    r.repository = remote ? request.repository : base;
    auto identified = checksums;
    if (remote) {
        identified["repository " + request.repository] = facts.identity;
    }
    r.digest = digest_of(identified);
    r.checksums = std::move(checksums);

    settle(result, request.replace, roots, loaders, {}, {tftp, http}, inventory, progress);
    return result;
}

}  // namespace xcp::release
