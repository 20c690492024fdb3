#include "tests/support/installer.hpp"

#include "libxcp/checksum/digest.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace xcp::test {

namespace fs = std::filesystem;

fs::path installer_binary()
{
    return xcp_pxe_binary().parent_path().parent_path() / "installer-agent/xcp-installer";
}

std::string sh(const std::string& command)
{
    const auto r = run(command, std::chrono::seconds(300));
    EXPECT_EQ(r.exit_code, 0) << command << ": " << r.output;
    return r.output;
}

std::string read_text(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

ImageState state_of(const fs::path& file)
{
    struct stat st {};
    ::stat(file.c_str(), &st);
    return {static_cast<std::uint64_t>(st.st_size), static_cast<std::uint64_t>(st.st_blocks),
            st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec};
}

std::string sparse_digest(const fs::path& file, std::uint64_t offset, std::uint64_t length)
{
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return "cannot open " + file.string();
    }
    // Holes and zeros read alike, and ext4 reports an unwritten extent as data
    // once it has been read: so every non-zero 4 KiB block is hashed with its
    // position, found through SEEK_DATA, and zero blocks are skipped.
    constexpr off_t block = 4096;
    checksum::Digest digest(checksum::Algorithm::sha256);
    const auto end = static_cast<off_t>(offset + length);
    auto at = static_cast<off_t>(offset);
    std::vector<char> buffer(1 << 20);
    const std::vector<char> zeros(block, '\0');
    for (int extents = 0; at < end && extents < 1000000; ++extents) {
        auto data = ::lseek(fd.get(), at, SEEK_DATA);
        if (data < 0 || data >= end) {
            break;
        }
        data -= (data - static_cast<off_t>(offset)) % block;
        auto hole = ::lseek(fd.get(), data, SEEK_HOLE);
        hole = std::min<off_t>(hole < 0 ? end : hole, end);
        for (auto p = std::max<off_t>(data, at); p < hole;) {
            const auto want = static_cast<std::size_t>(std::min<off_t>(hole - p, static_cast<off_t>(buffer.size())));
            const auto n = ::pread(fd.get(), buffer.data(), want, p);
            if (n <= 0) {
                return "cannot read " + file.string();
            }
            for (off_t i = 0; i < n; i += block) {
                const auto size = static_cast<std::size_t>(std::min<off_t>(block, n - i));
                if (std::memcmp(buffer.data() + i, zeros.data(), size) != 0) {
                    digest.update("@" + std::to_string(p + i) + ":");
                    digest.update(std::string_view(buffer.data() + i, size));
                }
            }
            p += n;
        }
        at = std::max(hole, at + 1);
    }
    return digest.hex();
}

namespace {

// The control domain's tree both formats pack.
void write_content(const fs::path& content, const std::string& xen, const std::string& motd, unsigned seed)
{
    fs::create_directories(content / "boot");
    fs::create_directories(content / "etc");
    fs::create_directories(content / "lib/modules" / test_kernel);
    fs::create_directories(content / "usr/bin");
    std::ofstream(content / "boot" / xen) << "xen";
    std::ofstream(content / ("boot/vmlinuz-" + test_kernel)) << "kernel";
    std::ofstream(content / ("boot/initrd-" + test_kernel + ".img")) << "initrd";
    std::ofstream(content / "etc/shadow") << "root:*:14000:0:99999:7:::\nbin:*:14000:0:99999:7:::\n";
    std::ofstream(content / "etc/passwd") << "root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\n";
    std::ofstream(content / "etc/group") << "root:x:0:\nbin:x:1:\n";
    std::ofstream(content / "etc/motd") << motd;
    write_random_file(content / "usr/bin/xapi", 5 << 20, seed);
    fs::create_symlink("xapi", content / "usr/bin/xapi-link");
}

std::string sha256_of(const fs::path& file)
{
    return sh("sha256sum " + quote(file.string())).substr(0, 64);
}

}  // namespace

void build_modern_repository(const fs::path& repo, const fs::path& content, const std::string& version,
                             const std::string& xen, const std::string& motd, unsigned seed,
                             const std::vector<std::pair<std::string, fs::path>>& extra)
{
    write_content(content, xen, motd, seed);
    for (const auto& [in_tree, file] : extra) {
        fs::create_directories((content / in_tree).parent_path());
        fs::copy_file(file, content / in_tree, fs::copy_options::overwrite_existing);
    }
    const auto build = repo.parent_path() / (repo.filename().string() + "-rpmbuild");
    fs::create_directories(build);
    std::ofstream(build / "dom0.spec")
        << "Name: dom0\nVersion: " << version << "\nRelease: 1\nSummary: test control domain\nLicense: GPL\n"
        << "BuildArch: noarch\n%define _binary_payload w9.gzdio\n%define __os_install_post %{nil}\n"
        << "%define _build_id_links none\n%description\ntest\n%install\ncp -a %{content}/. %{buildroot}/\n"
        << "%files\n/boot\n/etc\n/lib\n/usr\n";
    sh("rpmbuild -bb --quiet --define " + quote("_topdir " + (build / "top").string()) + " --define " +
       quote("content " + content.string()) + " --define " + quote("_rpmdir " + (build / "out").string()) + " " +
       quote((build / "dom0.spec").string()));
    fs::create_directories(repo / "Packages");
    fs::create_directories(repo / "repodata");
    const auto rpm = repo / "Packages" / ("dom0-" + version + "-1.noarch.rpm");
    fs::copy_file(build / "out/noarch" / rpm.filename(), rpm);
    std::ofstream(repo / ".treeinfo") << "[system-v1]\nplatform_name = XCP\nplatform_version = 3.4.0\n"
                                         "product_name = XCP-ng\nproduct_version = "
                                      << version << "\n[build]\nnumber = 58\n";
    std::ofstream(repo / "repodata/primary.xml")
        << "<metadata packages=\"1\"><package type=\"rpm\"><name>dom0</name><checksum type=\"sha256\" "
           "pkgid=\"YES\">"
        << sha256_of(rpm) << "</checksum><size package=\"" << fs::file_size(rpm)
        << "\"/><location href=\"Packages/" << rpm.filename().string() << "\"/></package></metadata>\n";
    sh("gzip -n " + quote((repo / "repodata/primary.xml").string()));
    std::ofstream(repo / "repodata/repomd.xml")
        << "<repomd><data type=\"primary\"><checksum type=\"sha256\">" << sha256_of(repo / "repodata/primary.xml.gz")
        << "</checksum><location href=\"repodata/primary.xml.gz\"/></data></repomd>\n";
}

void build_legacy_repository(const fs::path& repo, const fs::path& content, const std::string& version,
                             const std::string& xen, const std::string& motd, unsigned seed,
                             const std::vector<std::pair<std::string, fs::path>>& extra)
{
    write_content(content, xen, motd, seed);
    for (const auto& [in_tree, file] : extra) {
        fs::create_directories((content / in_tree).parent_path());
        fs::copy_file(file, content / in_tree, fs::copy_options::overwrite_existing);
    }
    fs::create_directories(repo);
    sh("tar -C " + quote(content.string()) + " -cjf " + quote((repo / "dom0fs.tar.bz2").string()) + " .");
    write_random_file(repo / "e1000.ko", 70000, 6);
    write_random_file(repo / "bnx2.fw", 3000, 7);
    std::ofstream(repo / "XS-REPOSITORY") << "<repository originator=\"xcp\" name=\"main\" product=\"XCP\" version=\""
                                          << version
                                          << "\" build=\"1234\"><description>XCP base</description></repository>\n";
    write_legacy_packages(repo);
}

CommandResult build_install_image(const fs::path& output, const fs::path& kernel_package)
{
    return run(quote(xcp_pxe_binary().string()) + " image build --output " + quote(output.string()) + " --installer " +
                   quote(installer_binary().string()) + " --kernel-package " + quote(kernel_package.string()),
               std::chrono::seconds(300));
}

void write_legacy_packages(const fs::path& repo)
{
    // XS-PACKAGES in its text form, sizes from stat and sums from md5sum.
    const auto d = quote(repo.string());
    sh("cd " + d + " && for f in dom0fs.tar.bz2 e1000.ko bnx2.fw; do set -- $(md5sum $f); "
       "echo \"$f $(stat -c %s $f) $1\"; done > sums");
    std::ifstream sums(repo / "sums");
    std::string name, size, md5;
    std::ofstream packages(repo / "XS-PACKAGES");
    while (sums >> name >> size >> md5) {
        if (name == "e1000.ko") {
            packages << "e1000 " << size << " " << md5 << " driver e1000.ko /lib/modules/${KERNEL_VERSION}/extra/e1000.ko\n";
        } else if (name == "bnx2.fw") {
            packages << "bnx2-firmware " << size << " " << md5 << " firmware bnx2.fw\n";
        } else {
            packages << "dom0fs " << size << " " << md5 << " tbz2 required dom0fs.tar.bz2 /\n";
        }
    }
}

std::size_t kill_at_after_backup_switch(const std::string& dry_run_output)
{
    const auto plan = nlohmann::json::parse(dry_run_output.substr(std::min(dry_run_output.find('{'), dry_run_output.size())),
                                            nullptr, false);
    if (!plan.is_object() || !plan.contains("operations") || !plan["operations"].is_array()) {
        return 0;
    }
    std::size_t after_switch = 0;
    for (std::size_t i = 0; i < plan["operations"].size(); ++i) {
        if (plan["operations"][i].dump().find("made bootable on its own") != std::string::npos) {
            after_switch = i + 2;  // XCP_INSTALLER_KILL_AT counts from 1 and stops before that operation
        }
    }
    return after_switch;
}

}  // namespace xcp::test
