#include "server/image/image_build.hpp"

#include "server/image/file_bytes.hpp"
#include "server/image/image_layout.hpp"
#include "server/image/init_script.hpp"
#include "server/image/kernel_modules.hpp"
#include "server/image/shared_libraries.hpp"
#include "libxcp/util/text.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

namespace xcp::image {
namespace fs = std::filesystem;
namespace {

using Kind = ImageEntry::Kind;


fs::path find_program(const std::string& name, const std::string& search_path)
{
    for (const auto dir : util::split(search_path, ':')) {
        const auto candidate = fs::path(std::string(dir)) / name;
        if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate)) {
            return candidate;
        }
    }
    return {};
}

// A host path into the image: each link of a chain as a link, the file it
// ends at as a file. Returns the file's host path.
fs::path add_host_path(const fs::path& host, unsigned mode, std::vector<ImageEntry>& entries)
{
    fs::path at = host;
    for (int hops = 0; hops < 16; ++hops) {
        std::error_code ec;
        if (!fs::is_symlink(at, ec)) {
            break;
        }
        const auto target = fs::read_symlink(at, ec).string();
        // A link whose directory is itself a link (/lib -> usr/lib) is
        // resolved from the directory's real place.
        const auto dir = fs::canonical(at.parent_path(), ec);
        entries.push_back({Kind::symlink, image_path(dir / at.filename()), {}, image_link_target(target), 0777});
        at = target.starts_with("/") ? fs::path(target) : dir / target;
    }
    std::error_code ec;
    const auto real = fs::canonical(at, ec);
    if (ec) {
        throw ImageError(host.string() + " cannot be resolved: " + ec.message());
    }
    entries.push_back({Kind::file, image_path(real), real, {}, mode});
    return real;
}

// `busybox --list-full`: the applets' paths ("usr/bin/awk"), each a link to
// busybox unless the image has a real program there.
std::vector<std::string> busybox_applets(const fs::path& busybox)
{
    const auto command = "'" + busybox.string() + "' --list-full";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) {
        throw ImageError("cannot run " + command);
    }
    std::vector<std::string> out;
    std::array<char, 512> line{};
    while (std::fgets(line.data(), line.size(), pipe.get()) != nullptr) {
        const auto text = util::trim(line.data());
        if (!text.empty()) {
            out.emplace_back(text);
        }
    }
    return out;
}

// The installer without its debug sections (a build's is mostly DWARF):
// objcopy when binutils is there, else the file as it is.
fs::path stripped_installer(const fs::path& installer, const fs::path& scratch, std::ostream& log)
{
    const auto out = scratch / "xcp-installer";
    std::vector<std::string> argv{"objcopy", "--strip-debug", installer.string(), out.string()};
    std::vector<char*> args;
    for (auto& a : argv) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    pid_t pid = 0;
    int status = 0;
    if (::posix_spawnp(&pid, "objcopy", nullptr, nullptr, args.data(), environ) == 0 && ::waitpid(pid, &status, 0) == pid &&
        WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return out;
    }
    log << "image: objcopy could not strip " << installer.string() << "; it goes in with its debug sections\n";
    return installer;
}

struct KernelPart {
    std::string version;
    fs::path vmlinuz;
    std::vector<ImageEntry> entries;
    std::string module_list;
    std::size_t modules = 0;
    std::vector<std::string> builtin, missing;
};

// modules.dep: the package's own, or what `depmod -n` computes from its
// modules (Debian's packages ship none: their postinst runs depmod). -n
// writes nothing into the tree; modules.dep comes first, up to the first
// comment line.
std::string modules_dep_of(const KernelTree& kernel, std::ostream& log)
{
    if (fs::exists(kernel.modules / "modules.dep")) {
        return file_bytes(kernel.modules / "modules.dep");
    }
    // ROOT/lib/modules/VERSION or ROOT/usr/lib/modules/VERSION
    auto root = kernel.modules.parent_path().parent_path().parent_path();
    if (root.filename() == "usr") {
        root = root.parent_path();
    }
    std::string command = "depmod -n -b '" + root.string() + "'";
    if (!kernel.system_map.empty()) {
        command += " -F '" + kernel.system_map.string() + "'";
    }
    command += " '" + kernel.version + "' 2>/dev/null";
    log << "image: the package has no modules.dep; depmod computes it\n";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    if (!pipe) {
        throw ImageError("cannot run depmod (Debian package kmod)");
    }
    std::string out;
    std::array<char, 4096> line{};
    bool done = false;
    while (std::fgets(line.data(), line.size(), pipe.get()) != nullptr) {
        done = done || line[0] == '#';
        if (!done) {
            out += line.data();
        }
    }
    const int status = ::pclose(pipe.release());
    if (status != 0 || out.empty()) {
        throw ImageError("depmod could not compute the dependencies of kernel " + kernel.version +
                         " (is Debian's kmod installed?)");
    }
    return out;
}

KernelPart kernel_part(const ImageRequest& request, const fs::path& scratch, std::ostream& log)
{
    KernelPart part;
    if (request.kernel_package.empty()) {
        log << "image: no --kernel-package: the image holds no kernel modules (a kernel must have its drivers built in)\n";
        return part;
    }
    fs::path root = request.kernel_package;
    if (fs::is_regular_file(request.kernel_package)) {
        log << "image: reading " << request.kernel_package.string() << "\n";
        root = scratch;
        unpack_from_deb(request.kernel_package, scratch, [](const std::string& path) {
            return path.starts_with("boot/vmlinuz-") || path.starts_with("boot/System.map-") ||
                   path.starts_with("lib/modules/") || path.starts_with("usr/lib/modules/");
        });
    }
    const auto kernel = find_kernel(root);
    part.version = kernel.version;
    part.vmlinuz = kernel.vmlinuz;
    const auto builtin = kernel.modules / "modules.builtin";
    const auto index = parse_modules_dep(modules_dep_of(kernel, log), fs::exists(builtin) ? file_bytes(builtin) : "");
    if (const auto* why = std::get_if<std::string>(&index)) {
        throw ImageError(kernel.modules.string() + ": " + *why);
    }
    auto wanted = default_modules();
    wanted.insert(wanted.end(), request.extra_modules.begin(), request.extra_modules.end());
    const auto selection = select_modules(std::get<ModuleIndex>(index), wanted);
    part.builtin = selection.builtin;
    part.missing = selection.missing;
    for (const auto& name : request.extra_modules) {
        if (std::find(selection.missing.begin(), selection.missing.end(), module_name(name)) != selection.missing.end()) {
            throw ImageError("--modules " + name + ": kernel " + kernel.version + " has no such module");
        }
    }
    for (const auto& module : selection.load_order) {
        const auto host = kernel.modules / module;
        if (!fs::is_regular_file(host)) {
            throw ImageError("modules.dep names " + module + ", which is not in " + kernel.modules.string());
        }
        const bool compressed = !module.ends_with(".ko");
        part.entries.push_back(
            {Kind::file, module_image_path(kernel.version, module), host, {}, 0644, 0, 0, compressed});
    }
    part.modules = selection.load_order.size();
    part.module_list = module_list(kernel.version, selection.load_order);
    part.entries.push_back({Kind::text, "usr/lib/modules/" + kernel.version + "/modules.dep", {},
                            image_modules_dep(selection.load_order, std::get<ModuleIndex>(index).depends), 0644});
    return part;
}

}  // namespace

const std::vector<ImageProgram>& image_programs()
{
    static const std::vector<ImageProgram> programs{
        {"busybox", "busybox"},     {"mke2fs", "e2fsprogs"},   {"e2fsck", "e2fsprogs"}, {"debugfs", "e2fsprogs"},
        {"mkfs.fat", "dosfstools"}, {"mcopy", "mtools"},       {"extlinux", "extlinux"}, {"lbzip2", "lbzip2"},
        {"ip", "iproute2"},         {"mount", "mount"},        {"umount", "mount"},       {"grub-mkimage", "grub-common"},
    };
    return programs;
}

ImageSummary build_image(const ImageRequest& request, std::ostream& log)
{
    std::error_code ec;
    if (!fs::is_regular_file(request.installer) || ::access(request.installer.c_str(), X_OK) != 0) {
        throw ImageError("xcp-installer is not at " + request.installer.string() + " (give it with --installer)");
    }
    fs::create_directories(request.output, ec);
    if (!fs::is_directory(request.output)) {
        throw ImageError("cannot create the output folder " + request.output.string());
    }
    char scratch_template[] = "/tmp/xcp-image-XXXXXX";
    if (::mkdtemp(scratch_template) == nullptr) {
        throw ImageError("cannot create a scratch folder in /tmp");
    }
    const fs::path scratch = scratch_template;
    struct Cleanup {
        fs::path dir;
        ~Cleanup()
        {
            std::error_code e;
            fs::remove_all(dir, e);
        }
    } cleanup{scratch};
    std::vector<ImageEntry> entries = base_entries(init_script());
    std::vector<fs::path> programs;
    // The installer where /init runs it.
    const auto installer = stripped_installer(fs::canonical(request.installer), scratch, log);
    entries.push_back({Kind::file, "usr/sbin/xcp-installer", installer, {}, 0755});
    programs.push_back(installer);
    fs::path busybox;
    for (const auto& p : image_programs()) {
        const auto found = find_program(p.name, request.search_path);
        if (found.empty()) {
            throw ImageError(std::string("the image needs ") + p.name + " (Debian package " + p.package +
                             "), which is not in " + request.search_path);
        }
        const auto real = add_host_path(found, 0755, entries);
        programs.push_back(real);
        if (std::string_view(p.name) == "busybox") {
            busybox = real;
        }
    }
    // udhcpc is busybox's; Debian's script configures what it leased.
    for (const auto& [file, mode] : std::vector<std::pair<fs::path, unsigned>>{
             {"/etc/udhcpc/default.script", 0755},
             {"/usr/lib/syslinux/mbr/mbr.bin", 0644},
             {"/usr/lib/syslinux/mbr/gptmbr.bin", 0644},
             {"/usr/lib/syslinux/modules/bios/mboot.c32", 0644},
             {"/usr/lib/syslinux/modules/bios/libcom32.c32", 0644},
             {"/usr/lib/syslinux/modules/bios/ldlinux.c32", 0644},
             {"/etc/mke2fs.conf", 0644},
             {"/etc/ssl/certs/ca-certificates.crt", 0644}}) {
        if (fs::exists(file, ec)) {
            add_host_path(file, mode, entries);
        } else if (file.filename() != "ca-certificates.crt") {
            throw ImageError("the image needs " + file.string() + ", which is not on this machine");
        }
    }
    // GRUB's i386-pc modules and boot.img: the installer makes the core
    // images of a BIOS host's GRUB boot from them (grub-mkimage).
    const fs::path grub_modules = "/usr/lib/grub/i386-pc";
    if (!fs::is_regular_file(grub_modules / "boot.img", ec)) {
        throw ImageError("the image needs GRUB's i386-pc modules (Debian package grub-pc-bin), which are not in " +
                         grub_modules.string());
    }
    for (const auto& e : fs::directory_iterator(grub_modules, ec)) {
        if (e.is_regular_file(ec) && e.file_size(ec) > 0) {  // fdt.lst is empty on i386-pc
            add_host_path(e.path(), 0644, entries);
        }
    }
    // mtools converts file names through iconv: without glibc's gconv
    // module for its default codepage (850), mcopy cannot open the ESP
    // ("Error setting code page", found by the UEFI e2e test).
    const auto library_dirs = loader_directories(request.ld_so_conf);
    const auto gconv = std::find_if(library_dirs.begin(), library_dirs.end(), [&](const fs::path& d) {
        return fs::exists(d / "gconv/IBM850.so", ec) && fs::exists(d / "gconv/gconv-modules", ec);
    });
    if (gconv == library_dirs.end()) {
        throw ImageError("the image needs glibc's gconv/IBM850.so (Debian package libc6), for mtools; it is in none "
                         "of the library folders");
    }
    add_host_path(*gconv / "gconv/gconv-modules", 0644, entries);
    for (const auto& e : fs::directory_iterator(*gconv / "gconv/gconv-modules.d", ec)) {
        add_host_path(e.path(), 0644, entries);
    }
    programs.push_back(add_host_path(*gconv / "gconv/IBM850.so", 0644, entries));
    log << "image: finding the shared libraries of " << programs.size() << " programs\n";
    const auto closure = shared_library_closure(programs, library_dirs);
    if (!closure.missing.empty()) {
        throw ImageError(closure.missing.front());
    }
    std::size_t libraries = 0;
    for (const auto& file : closure.files) {
        if (std::find(programs.begin(), programs.end(), file) == programs.end()) {
            add_host_path(file, 0755, entries);
            ++libraries;
        }
    }
    std::set<std::string> taken;
    for (const auto& e : entries) {
        taken.insert(e.path);
    }
    for (const auto& applet : busybox_applets(busybox)) {
        const auto path = image_path("/" + applet);
        if (!taken.contains(path)) {
            entries.push_back({Kind::symlink, path, {}, "/" + image_path(busybox), 0777});
        }
    }
    const auto kernel_scratch = scratch / "kernel";
    fs::create_directories(kernel_scratch);
    auto kernel = kernel_part(request, kernel_scratch, log);
    entries.insert(entries.end(), kernel.entries.begin(), kernel.entries.end());
    entries.push_back({Kind::text, "etc/xcp-modules", {}, kernel.module_list, 0644});
    const auto tree = complete_tree(std::move(entries));

    ImageSummary summary;
    summary.image = request.output / "install.img";
    const auto temporary = request.output / ".install.img.new";
    log << "image: writing " << summary.image.string() << " (" << tree.size() << " entries, "
        << (request.compression == Compression::zstd ? "zstd" : "gzip") << ")\n";
    write_initramfs(temporary, tree, request.compression);
    fs::rename(temporary, summary.image, ec);
    if (ec) {
        throw ImageError("cannot rename " + temporary.string() + " to " + summary.image.string() + ": " + ec.message());
    }
    if (!kernel.vmlinuz.empty()) {
        summary.kernel = request.output / "vmlinuz";
        fs::copy_file(kernel.vmlinuz, summary.kernel, fs::copy_options::overwrite_existing, ec);
        if (ec) {
            throw ImageError("cannot copy the kernel to " + summary.kernel.string() + ": " + ec.message());
        }
    }
    summary.kernel_version = kernel.version;
    summary.image_bytes = fs::file_size(summary.image);
    summary.files = tree.size();
    summary.libraries = libraries;
    summary.modules = kernel.modules;
    summary.builtin_modules = kernel.builtin;
    summary.missing_modules = kernel.missing;
    return summary;
}

}  // namespace xcp::image
