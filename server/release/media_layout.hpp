// What an install medium holds, recognised from its list of files alone (an
// ISO's directory records or a folder's tree): pure, so that a medium that is
// not one is told before anything is written. install.md: "A vendor ISO".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xcp::release {

enum class Era { legacy, modern };
std::string_view to_string(Era era);

struct MediaLayout {
    Era era = Era::modern;
    // Paths inside the medium ('/'-separated, no leading slash).
    std::string xen = "boot/xen.gz";
    std::string kernel = "boot/vmlinuz";
    std::string image = "install.img";
    std::vector<std::string> efi_files;     // under EFI/xenserver/, for UEFI hosts
    std::vector<std::string> repositories;  // "" (the medium's root), "packages.main", ...
};

// A repository alone (release add-agent): its era and folders, or why the
// files hold none.
struct RepositoryLayout {
    Era era = Era::modern;
    std::vector<std::string> repositories;
};
std::variant<RepositoryLayout, std::string> recognise_repository(const std::vector<std::string>& files);

// The medium's files, '/'-separated and relative ("./" and "/" in front are
// dropped). Directories need not be listed. Returns the layout, or one
// sentence saying what is missing for an install medium.
std::variant<MediaLayout, std::string> recognise_media(const std::vector<std::string>& files);

// "./boot/xen.gz", "/boot/xen.gz" -> "boot/xen.gz"; empty when the path
// leaves the medium ("..") or names nothing.
std::string medium_path(std::string_view path);

}  // namespace xcp::release
