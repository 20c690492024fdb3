#include "installer-agent/disk/extlinux.hpp"

#include "installer-agent/system/command.hpp"

#include <unistd.h>

namespace xcp::installer {
namespace {

namespace fs = std::filesystem;

// Unmounts on every way out, so that a failed install leaves no mount behind.
class Mount {
public:
    Mount(const fs::path& disk, const PlannedPartition& p, fs::path at) : at_(std::move(at))
    {
        std::error_code ec;
        fs::create_directories(at_, ec);
        const auto r = run_command({"mount", "-t", p.filesystem.empty() ? "ext3" : p.filesystem, "-o",
                                    "loop,offset=" + std::to_string(p.start) + ",sizelimit=" + std::to_string(p.size),
                                    disk.string(), at_.string()});
        if (!r.ok()) {
            throw DiskError("cannot mount partition " + std::to_string(p.number) + " of " + disk.string() +
                            " to install extlinux: " + r.failure("mount"));
        }
    }
    Mount(const Mount&) = delete;
    Mount& operator=(const Mount&) = delete;
    ~Mount()
    {
        if (!unmounted_) {
            run_command({"umount", at_.string()});
        }
    }
    void unmount(const std::string& what)
    {
        unmounted_ = true;
        const auto r = run_command({"umount", at_.string()});
        if (!r.ok()) {
            throw DiskError("cannot unmount " + what + " after installing extlinux: " + r.failure("umount"));
        }
    }

private:
    fs::path at_;
    bool unmounted_ = false;
};

}  // namespace

std::vector<std::string> add_syslinux_modules(const fs::path& modules_dir, const fs::path& boot_dir)
{
    std::vector<std::string> missing;
    // mboot.c32 needs libcom32.c32 since syslinux 5.
    for (const std::string name : {"mboot.c32", "libcom32.c32"}) {
        if (fs::exists(boot_dir / name)) {
            continue;  // the packages' own
        }
        std::error_code ec;
        fs::copy_file(modules_dir / name, boot_dir / name, ec);
        if (ec) {
            missing.push_back(name);
        }
    }
    return missing;
}

std::string extlinux_unavailable()
{
    if (::geteuid() != 0) {
        return "mounting the root filesystem needs root";
    }
    if (find_on_path("extlinux").empty()) {
        return "extlinux is not on PATH";
    }
    return {};
}

void install_extlinux(const fs::path& disk, const PlannedPartition& partition, const fs::path& mount_point)
{
    install_extlinux_in(disk, partition, mount_point, "boot", {});
}

void install_extlinux_in(const fs::path& disk, const PlannedPartition& partition, const fs::path& mount_point,
                         const std::string& dir, const std::function<void(const fs::path&)>& prepare)
{
    const auto what = "partition " + std::to_string(partition.number) + " of " + disk.string();
    Mount mount(disk, partition, mount_point);
    if (prepare) {
        try {
            prepare(mount_point);
        } catch (const std::exception& e) {
            throw DiskError(what + ": " + e.what());
        }
    }
    // ldlinux.sys goes beside extlinux.conf; the partition's boot sector is
    // patched to load it.
    const auto r = run_command({"extlinux", "--install", (mount_point / dir).string()});
    if (!r.ok()) {
        throw DiskError("extlinux could not install itself on " + what + ": " + r.failure("extlinux"));
    }
    mount.unmount(what);
}

}  // namespace xcp::installer
