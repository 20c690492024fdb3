// What the installer's integration tests share: the binary, shell steps
// that must succeed, image files' state and sparse-aware digests, and
// repositories built with tar, bzip2 and md5sum.
#pragma once

#include "tests/support/process.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace xcp::test {

std::filesystem::path installer_binary();

// Runs `command`; a non-zero exit fails the test (and says why).
std::string sh(const std::string& command);

std::string read_text(const std::filesystem::path& file);

// What an image file looked like: a refusal must leave it exactly so.
struct ImageState {
    std::uint64_t size = 0, blocks = 0;
    std::int64_t mtime_ns = 0;
    bool operator==(const ImageState&) const = default;
};
ImageState state_of(const std::filesystem::path& file);

// SHA-256 of the bytes of [offset, offset + length) of a sparse file: each
// non-zero 4 KiB block with its position, the blocks found with SEEK_DATA,
// so that unwritten gigabytes cost nothing. A changed byte changes it.
std::string sparse_digest(const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length);

inline const std::string test_kernel = "2.6.32.43-0.4.1.xs1.8.0.835.170778xen";

// A 2009 repository (XS-REPOSITORY, XS-PACKAGES with MD5) of a control
// domain: the kernel above, `xen` as boot/<xen>, etc/motd holding `motd`,
// a 5 MiB usr/bin/xapi from `seed`, a driver and a firmware file. The tree
// it packed is left in `content`.
// `extra`: files copied into the tree before it is packed (path in the
// tree, file), such as a real Xen and kernel for a disk that must boot.
void build_legacy_repository(const std::filesystem::path& repo, const std::filesystem::path& content,
                             const std::string& version, const std::string& xen, const std::string& motd,
                             unsigned seed,
                             const std::vector<std::pair<std::string, std::filesystem::path>>& extra = {});

// The same control domain as an XCP-ng 8 repository: one RPM built by
// rpmbuild, .treeinfo with `version`, repodata with SHA-256 sums.
void build_modern_repository(const std::filesystem::path& repo, const std::filesystem::path& content,
                             const std::string& version, const std::string& xen, const std::string& motd,
                             unsigned seed,
                             const std::vector<std::pair<std::string, std::filesystem::path>>& extra = {});

// `xcp-pxe image build` of this build's installer with a Debian kernel
// package, into `output` (install.img, vmlinuz).
CommandResult build_install_image(const std::filesystem::path& output, const std::filesystem::path& kernel_package);

// The XCP_INSTALLER_KILL_AT that stops a run right after the switch onto the
// backup (the operation after which the disk is "made bootable on its own"),
// read from `--dry-run --json` output; 0 when the plan has no such operation
// or cannot be read.
std::size_t kill_at_after_backup_switch(const std::string& dry_run_output);

// XS-PACKAGES again, after a test changed a package.
void write_legacy_packages(const std::filesystem::path& repo);

}  // namespace xcp::test
