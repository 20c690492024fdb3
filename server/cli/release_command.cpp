#include "server/cli/release_command.hpp"

#include "server/cli/common_options.hpp"
#include "server/cli/config_file.hpp"
#include "server/cli/exit_codes.hpp"
#include "server/cli/import_progress.hpp"
#include "server/inventory/inventory.hpp"
#include "server/release/release_import.hpp"
#include "server/release/release_sync.hpp"
#include "libxcp/repository/http_source.hpp"

#include <nlohmann/json.hpp>

#include <iomanip>
#include <iostream>
#include <memory>

namespace xcp::cli {
namespace {

struct ReleaseArgs {
    std::string config;
    Paths paths;
    std::string tftp_root, http_root;
    release::LoaderSources loaders;
    std::string medium, name;
    std::string from;  // sync: the other server's HTTP URL
    std::string image, kernel, xen, repository;
    bool replace = false;
    bool json = false;
};

template <typename Body>
int guarded(Body&& body)
{
    try {
        return body();
    } catch (const release::ReleaseError& e) {
        std::cerr << "xcp-pxe: " << e.what() << '\n';
        return exit_invalid;
    } catch (const inventory::InventoryError& e) {
        std::cerr << "xcp-pxe: " << e.what() << '\n';
        return exit_failure;
    }
}

release::ReleaseRoots roots_of(const ReleaseArgs& a)
{
    if (a.tftp_root.empty() || a.http_root.empty()) {
        throw release::ReleaseError(std::string("releases need --tftp-root and --http-root (or tftp-root and http-root "
                                                "in --config): where the server serves boot files and repositories"));
    }
    return {a.paths.state_dir, a.tftp_root, a.http_root};
}

nlohmann::json release_json(const inventory::Release& r, bool with_checksums)
{
    nlohmann::json j{{"name", r.name},         {"kind", r.kind},   {"product", r.product},
                     {"version", r.version},   {"build", r.build}, {"era", r.era},
                     {"xen", r.xen},           {"xen-multiboot", inventory::multiboot_xen(r)},
                     {"kernel", r.kernel},     {"image", r.image},
                     {"efi", r.efi},           {"repository", r.repository}, {"identity", r.identity},
                     {"digest", r.digest},     {"imported", r.imported}};
    if (with_checksums) {
        j["checksums"] = r.checksums;
    }
    return j;
}

void print_result(const release::ImportResult& result, const release::ReleaseRoots& roots)
{
    const auto& r = result.release;
    if (result.unchanged) {
        std::cout << "release " << r.name << " is already there from this medium (" << r.imported
                  << "); nothing changed\n";
        return;
    }
    for (const auto& skipped : result.skipped) {
        std::cout << "left out (not a regular file): " << skipped << '\n';
    }
    std::string named;
    std::size_t modules = 0;
    for (const auto& loader : result.loaders) {
        if (loader.ends_with(".c32")) {
            ++modules;
        } else {
            named += (named.empty() ? "" : ", ") + loader;
        }
    }
    if (!result.loaders.empty()) {
        std::cout << "installed into the TFTP root: " << named
                  << (modules ? (named.empty() ? "" : " and ") + std::to_string(modules) + " syslinux .c32 modules" : "")
                  << '\n';
    }
    std::cout << "release " << r.name << ": " << (r.product.empty() ? "" : r.product + " ") << r.version
              << (r.build.empty() ? "" : " build " + r.build) << " (" << r.era << " repository, "
              << r.checksums.size() << " files hashed, every package verified)\n"
              << "  boot files  " << (roots.tftp_root / ("releases/" + r.name)).string() << "/\n"
              << "  repository  " << (roots.http_root / ("releases/" + r.name)).string() << "/ (served as /"
              << r.repository << ")\n"
              << "give a host this release: xcp-pxe host set MAC release=" << r.name << '\n';
}

int import_release(const ReleaseArgs& a)
{
    const auto roots = roots_of(a);
    inventory::Inventory inv(open_database(a.paths));
    const auto progress = make_import_progress(stderr);
    const auto result = release::import_medium({a.medium, a.name, a.replace}, roots, a.loaders, inv, *progress);
    print_result(result, roots);
    return exit_ok;
}

int add_agent(const ReleaseArgs& a)
{
    const auto roots = roots_of(a);
    inventory::Inventory inv(open_database(a.paths));
    const auto progress = make_import_progress(stderr);
    const auto result = release::add_agent_release({a.name, a.image, a.kernel, a.xen, a.repository, a.replace}, roots,
                                                   a.loaders, inv, *progress);
    print_result(result, roots);
    return exit_ok;
}

int sync_release(const ReleaseArgs& a)
{
    const auto roots = roots_of(a);
    inventory::Inventory inv(open_database(a.paths));
    const auto r = inv.find_release(a.name);
    if (!r) {
        std::cerr << "xcp-pxe: there is no release " << a.name
                  << " in the inventory (import it on one server first; see `xcp-pxe release list`)\n";
        return exit_invalid;
    }
    auto url = a.from;
    if (!url.ends_with('/')) {
        url += '/';
    }
    std::unique_ptr<repository::HttpSource> from;
    try {
        from = std::make_unique<repository::HttpSource>(url);
    } catch (const repository::SourceError& e) {
        std::cerr << "xcp-pxe: --from " << a.from << ": " << e.what() << '\n';
        return exit_invalid;
    }
    try {
        const auto result = release::sync_release(*r, roots, *from, [](const std::string& line) {
            std::cerr << "fetched " << line << '\n';
        });
        std::cout << "release " << r->name << ": " << result.files << " files (" << result.bytes
                  << " bytes) fetched from " << url << ", every SHA-256 as recorded; placed under "
                  << roots.tftp_dir(r->name).string() << "/ and " << roots.http_dir(r->name).string() << "/\n";
    } catch (const repository::SourceError& e) {
        std::cerr << "xcp-pxe: release " << a.name << " not synced from " << url << ": " << e.what()
                  << "; nothing was placed\n";
        return exit_failure;
    }
    return exit_ok;
}

int list_releases(const ReleaseArgs& a)
{
    inventory::Inventory inv(open_database(a.paths));
    const auto releases = inv.releases();
    if (a.json) {
        auto list = nlohmann::json::array();
        for (const auto& r : releases) {
            list.push_back(release_json(r, false));
        }
        std::cout << list.dump(2) << '\n';
        return exit_ok;
    }
    std::cout << std::left << std::setw(20) << "NAME" << "  " << std::setw(6) << "KIND" << "  " << std::setw(10)
              << "PRODUCT" << "  " << std::setw(10) << "VERSION" << "  " << std::setw(7) << "ERA" << "  IMPORTED\n";
    for (const auto& r : releases) {
        std::cout << std::setw(20) << r.name << "  " << std::setw(6) << r.kind << "  " << std::setw(10)
                  << (r.product.empty() ? "-" : r.product) << "  " << std::setw(10) << r.version << "  "
                  << std::setw(7) << r.era << "  " << r.imported << '\n';
    }
    return exit_ok;
}

int show_release(const ReleaseArgs& a)
{
    inventory::Inventory inv(open_database(a.paths));
    const auto r = inv.find_release(a.name);
    if (!r) {
        std::cerr << "xcp-pxe: there is no release " << a.name << " (see `xcp-pxe release list`)\n";
        return exit_invalid;
    }
    if (a.json) {
        std::cout << release_json(*r, true).dump(2) << '\n';
        return exit_ok;
    }
    const auto multiboot = inventory::multiboot_xen(*r);
    std::cout << "name:        " << r->name << "\nkind:        " << r->kind << "\nproduct:     "
              << (r->product.empty() ? "-" : r->product) << "\nversion:     " << r->version << "\nbuild:       "
              << (r->build.empty() ? "-" : r->build) << "\nera:         " << r->era << "\nxen:         "
              << (r->xen.empty() ? "- (a plain kernel)" : r->xen)
              << (multiboot != r->xen ? " (iPXE: " + multiboot + ")" : "")
              << "\nkernel:      " << r->kernel
              << "\nimage:       " << r->image << "\nuefi:        " << (r->efi ? "EFI/xenserver/" : "no")
              << "\nrepository:  /" << r->repository << "\nidentity:    " << r->identity << "\ndigest:      "
              << r->digest << "\nimported:    " << r->imported << "\nfiles:       " << r->checksums.size() << '\n';
    return exit_ok;
}

int remove_release(const ReleaseArgs& a)
{
    inventory::Inventory inv(open_database(a.paths));
    if (!inv.find_release(a.name)) {
        std::cerr << "xcp-pxe: there is no release " << a.name << '\n';
        return exit_invalid;
    }
    const auto roots = roots_of(a);
    // The record goes first (refused while a host uses it); files after, so
    // that no recorded release ever lacks its files.
    inv.remove_release(a.name);
    release::remove_release_files(roots, a.name);
    std::cout << "removed release " << a.name << '\n';
    return exit_ok;
}

void add_roots(CLI::App& cmd, ReleaseArgs& a)
{
    cmd.add_option("--config", a.config, "TOML file with serve's settings (tftp-root, http-root, state-dir are read)");
    add_state_option(cmd, a.paths);
    cmd.add_option("--tftp-root", a.tftp_root, "The TFTP root: boot files go to TFTP-ROOT/releases/NAME/");
    cmd.add_option("--http-root", a.http_root, "The HTTP root: the repository goes to HTTP-ROOT/releases/NAME/");
}

// list and show: they read the inventory only.
void add_inventory_options(CLI::App& cmd, ReleaseArgs& a)
{
    add_state_option(cmd, a.paths);
    cmd.add_option("--config", a.config, "TOML file with serve's settings (state-dir is read)");
    cmd.add_flag("--json", a.json, "JSON output");
}

void add_loader_options(CLI::App& cmd, ReleaseArgs& a)
{
    cmd.add_option("--pxelinux-dir", a.loaders.pxelinux_dir,
                   "Where syslinux's pxelinux.0 and lpxelinux.0 are (installed into an empty TFTP root)")
        ->capture_default_str();
    cmd.add_option("--syslinux-modules-dir", a.loaders.modules_dir,
                   "Where syslinux's BIOS .c32 modules are (the same build as pxelinux.0)")
        ->capture_default_str();
}

// Reads --config before the command runs, keys the command lacks passed over.
template <typename Run>
void on_run(CLI::App* cmd, const std::shared_ptr<ReleaseArgs>& args, int& exit_code, Run run)
{
    cmd->callback([cmd, args, &exit_code, run] {
        if (!args->config.empty()) {
            apply_config_file(*cmd, args->config, true);
        }
        exit_code = guarded([&] { return run(*args); });
    });
}

}  // namespace

void add_release_commands(CLI::App& app, int& exit_code)
{
    {
        auto args = std::make_shared<ReleaseArgs>();
        auto* cmd = app.add_subcommand(
            "import", "Import an XCP-ng / XenServer ISO or folder as a release: boot files, repository, checks");
        cmd->add_option("path", args->medium, "The ISO image (read as it is, never mounted) or a folder")->required();
        cmd->add_option("--name", args->name, "The release's name (hosts name it with release=NAME)")->required();
        cmd->add_flag("--replace", args->replace, "Replace a release of that name imported from another medium");
        add_roots(*cmd, *args);
        add_loader_options(*cmd, *args);
        cmd->footer("Boot files go to TFTP-ROOT/releases/NAME/{boot/xen.gz,boot/vmlinuz,install.img,EFI/xenserver/} "
                    "(and boot/xen, Xen decompressed for iPXE), "
                    "the medium's tree (its repository) to HTTP-ROOT/releases/NAME/. Every package is checked "
                    "against its manifest (MD5 or SHA-256) and the .treeinfo's sums before anything is placed.");
        on_run(cmd, args, exit_code, import_release);
    }
    auto* release = app.add_subcommand("release", "Manage releases: list, show, rm, add-agent, sync");
    release->require_subcommand(1);
    {
        auto args = std::make_shared<ReleaseArgs>();
        auto* cmd = release->add_subcommand("list", "List the releases");
        add_inventory_options(*cmd, *args);
        on_run(cmd, args, exit_code, list_releases);
    }
    {
        auto args = std::make_shared<ReleaseArgs>();
        auto* cmd = release->add_subcommand("show", "Show one release, with its checksums in --json");
        cmd->add_option("name", args->name, "The release")->required();
        add_inventory_options(*cmd, *args);
        on_run(cmd, args, exit_code, show_release);
    }
    {
        auto args = std::make_shared<ReleaseArgs>();
        auto* cmd = release->add_subcommand(
            "sync", "Fetch a release another server imported (the inventory they share records it) from that server");
        cmd->add_option("name", args->name, "The release")->required();
        cmd->add_option("--from", args->from, "The other xcp-pxe's HTTP address: http://HOST[:PORT]")->required();
        add_roots(*cmd, *args);
        cmd->footer("Its boot files come from http://HOST/boot/releases/NAME/ and its repository from "
                    "http://HOST/releases/NAME/, each checked against the SHA-256 the release records before both "
                    "folders take their place under this server's roots. Nothing is placed unless every file matched.");
        on_run(cmd, args, exit_code, sync_release);
    }
    {
        auto args = std::make_shared<ReleaseArgs>();
        auto* cmd = release->add_subcommand("rm", "Remove a release and its files (refused while a host is set to it)");
        cmd->add_option("name", args->name, "The release")->required();
        add_roots(*cmd, *args);
        on_run(cmd, args, exit_code, remove_release);
    }
    {
        auto args = std::make_shared<ReleaseArgs>();
        auto* cmd = release->add_subcommand(
            "add-agent", "Make a release that boots our install image (xcp-installer) instead of the vendor's");
        cmd->add_option("--name", args->name, "The release's name")->required();
        cmd->add_option("--image", args->image, "The install image (image build's install.img)")->required();
        cmd->add_option("--kernel", args->kernel, "The Linux kernel that boots it (dom0's under Xen)")->required();
        cmd->add_option("--xen", args->xen, "Xen (xen.gz); without it the image boots under the plain kernel");
        cmd->add_option("--repository", args->repository,
                        "The install repository: a folder or an ISO holding one (copied and served here), or an "
                        "http(s):// or ftp:// URL hosts install from (verified from here)")
            ->required();
        cmd->add_flag("--replace", args->replace, "Replace a release of that name made from other files");
        add_roots(*cmd, *args);
        add_loader_options(*cmd, *args);
        on_run(cmd, args, exit_code, add_agent);
    }
}

}  // namespace xcp::cli
