// Turning a medium (an ISO or a folder) or our own install image into a
// release the server PXE-boots: files copied out and hashed, the repository
// verified as an install would verify it, both folders renamed into place,
// the release recorded. Nothing half-done is left behind.
#pragma once

#include "server/inventory/inventory.hpp"
#include "server/release/release_store.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace xcp::release {

// What an import tells the operator as it goes.
class ImportProgress {
public:
    virtual ~ImportProgress() = default;
    virtual void phase(std::string_view text) = 0;
    virtual void copied(const std::string& file, std::uint64_t bytes, std::uint64_t total_bytes, std::size_t files,
                        std::size_t total_files) = 0;
    virtual void checked(const std::string& file, std::size_t done, std::size_t total) = 0;
};

// syslinux's files, installed into the TFTP root by the first import: one
// build (Debian's pxelinux and syslinux-common come from one source), as
// mboot.c32 requires.
struct LoaderSources {
    std::filesystem::path pxelinux_dir = "/usr/lib/PXELINUX";
    std::filesystem::path modules_dir = "/usr/lib/syslinux/modules/bios";
};

struct ImportResult {
    inventory::Release release;
    bool unchanged = false;              // the same medium was there already
    std::vector<std::string> loaders;    // files installed into the TFTP root
    std::vector<std::string> skipped;    // symlinks and devices on the medium
};

struct ImportRequest {
    std::filesystem::path medium;
    std::string name;
    bool replace = false;
};
// Throws ReleaseError (or InventoryError) with one sentence.
ImportResult import_medium(const ImportRequest& request, const ReleaseRoots& roots, const LoaderSources& loaders,
                           inventory::Inventory& inventory, ImportProgress& progress);

struct AgentRequest {
    std::string name;
    std::filesystem::path image, kernel, xen;  // xen empty: the image boots under a plain kernel
    std::string repository;  // a folder or an ISO holding a repository (copied), or an http(s):// or ftp:// URL
    bool replace = false;
};
ImportResult add_agent_release(const AgentRequest& request, const ReleaseRoots& roots, const LoaderSources& loaders,
                               inventory::Inventory& inventory, ImportProgress& progress);

}  // namespace xcp::release
