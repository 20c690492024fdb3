// `xcp-pxe image build`: an install environment that carries xcp-installer,
// made from this machine's programs and a Debian kernel package. The host
// side (finding programs, reading the package, writing files) is here; what
// goes where is image_layout's.
#pragma once

#include "server/image/initramfs.hpp"
#include "server/image/kernel_package.hpp"

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace xcp::image {

struct ImageRequest {
    std::filesystem::path output;            // DIR: install.img, vmlinuz
    std::filesystem::path installer;         // xcp-installer
    std::filesystem::path kernel_package;    // a .deb or an unpacked one; empty: no kernel, no modules
    std::vector<std::string> extra_modules;  // --modules
    Compression compression = Compression::zstd;
    std::string search_path = "/usr/sbin:/usr/bin:/sbin:/bin";
    std::filesystem::path ld_so_conf = "/etc/ld.so.conf";
};

struct ImageSummary {
    std::filesystem::path image, kernel;  // kernel empty without a package
    std::string kernel_version;
    std::uintmax_t image_bytes = 0;
    std::size_t files = 0, libraries = 0, modules = 0;
    std::vector<std::string> builtin_modules, missing_modules;
};

// The programs the image carries besides xcp-installer and busybox: every
// one xcp-installer runs, with the Debian package that has it.
struct ImageProgram {
    const char* name;
    const char* package;
};
const std::vector<ImageProgram>& image_programs();

// Throws ImageError with one sentence. `log` gets a line per step.
ImageSummary build_image(const ImageRequest& request, std::ostream& log);

}  // namespace xcp::image
