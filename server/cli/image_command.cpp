#include "server/cli/image_command.hpp"

#include "server/cli/exit_codes.hpp"
#include "server/image/image_build.hpp"

#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>

namespace xcp::cli {
namespace {

struct ImageArgs {
    std::string output, installer, kernel_package, compression = "zstd";
    std::vector<std::string> modules;
};

// xcp-installer beside this binary (a package: /usr/sbin; a build tree:
// ../installer-agent/), else on PATH.
std::string default_installer()
{
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
    for (const auto& candidate : {self / "xcp-installer", self.parent_path() / "installer-agent/xcp-installer",
                                  std::filesystem::path("/usr/sbin/xcp-installer")}) {
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate.string();
        }
    }
    return {};
}

int build(const ImageArgs& a)
{
    image::ImageRequest request;
    request.output = a.output;
    request.installer = a.installer.empty() ? default_installer() : a.installer;
    request.kernel_package = a.kernel_package;
    request.extra_modules = a.modules;
    request.compression = a.compression == "gzip" ? image::Compression::gzip : image::Compression::zstd;
    const auto started = std::chrono::steady_clock::now();
    try {
        const auto s = image::build_image(request, std::cerr);
        const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        std::printf("%s: %.1f MiB, %zu entries (%zu shared libraries, %zu kernel modules), built in %.1f s\n",
                    s.image.c_str(), static_cast<double>(s.image_bytes) / (1 << 20), s.files, s.libraries, s.modules,
                    seconds);
        if (!s.kernel.empty()) {
            std::printf("%s: Linux %s\n", s.kernel.c_str(), s.kernel_version.c_str());
        }
        if (!s.builtin_modules.empty()) {
            std::string names;
            for (const auto& m : s.builtin_modules) {
                names += (names.empty() ? "" : " ") + m;
            }
            std::printf("built into the kernel: %s\n", names.c_str());
        }
        if (!s.missing_modules.empty()) {
            std::string names;
            for (const auto& m : s.missing_modules) {
                names += (names.empty() ? "" : " ") + m;
            }
            std::printf("not in this kernel (left out): %s\n", names.c_str());
        }
        std::printf("make a release of it: xcp-pxe release add-agent --name NAME --image %s --kernel %s "
                    "[--xen XEN.GZ] --repository PATH\n",
                    s.image.c_str(), s.kernel.empty() ? "VMLINUZ" : s.kernel.c_str());
        return exit_ok;
    } catch (const image::ImageError& e) {
        std::cerr << "xcp-pxe: " << e.what() << '\n';
        return exit_invalid;
    } catch (const std::exception& e) {
        std::cerr << "xcp-pxe: image build: " << e.what() << '\n';
        return exit_failure;
    }
}

}  // namespace

void add_image_command(CLI::App& app, int& exit_code)
{
    auto* image = app.add_subcommand("image", "Build the install image that carries xcp-installer");
    image->require_subcommand(1);
    auto args = std::make_shared<ImageArgs>();
    auto* cmd = image->add_subcommand(
        "build", "Write DIR/install.img (an initramfs with xcp-installer, the tools it runs, their libraries and "
                 "the kernel's modules) and DIR/vmlinuz");
    cmd->add_option("--output", args->output, "The folder to write into")->required();
    cmd->add_option("--installer", args->installer,
                    "xcp-installer to carry (default: beside xcp-pxe, or /usr/sbin/xcp-installer)");
    cmd->add_option("--kernel-package", args->kernel_package,
                    "A Debian linux-image .deb (read, never installed) or the folder it was unpacked into");
    cmd->add_option("--modules", args->modules, "More kernel modules, with their dependencies (name,name,...)")
        ->delimiter(',');
    cmd->add_option("--compression", args->compression, "zstd or gzip")
        ->check(CLI::IsMember({"zstd", "gzip"}))
        ->capture_default_str();
    cmd->footer("The image's /init loads the modules, runs `xcp-installer --network on` (BOOTIF=, network_device=, "
                "network_config=, answerfile= from the kernel command line), then acts on atexit=: reboot, "
                "poweroff or shell; without it, a success reboots and a failure prints the installer's last lines "
                "and keeps a shell on the console.");
    cmd->callback([args, &exit_code] { exit_code = build(*args); });
}

}  // namespace xcp::cli
