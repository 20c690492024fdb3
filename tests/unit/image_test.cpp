// The install image's pure parts: ELF dependencies, ld.so.conf, modules.dep
// and the choice of modules, and where host files go in the image.
#include "server/image/elf_dependencies.hpp"
#include "server/image/image_layout.hpp"
#include "server/image/kernel_modules.hpp"
#include "server/image/shared_libraries.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace xcp::image {
namespace {

// A small dynamic executable, built with -rpath '$ORIGIN/../lib' (the fuzz
// corpus's seed): reading the test binary itself takes seconds.
std::filesystem::path seed() { return test::source_dir() / "tests/fuzz/corpus/image_inputs_fuzz/elf"; }

std::string bytes_of(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TEST(ElfDependencies, ReadsTheInterpreterNeededLibrariesAndRunpath)
{
    const auto seeded = read_elf_dependencies(bytes_of(seed()));
    ASSERT_TRUE(std::holds_alternative<ElfDependencies>(seeded)) << std::get<std::string>(seeded);
    const auto& s = std::get<ElfDependencies>(seeded);
    EXPECT_TRUE(s.dynamic);
    EXPECT_EQ(s.interpreter, "/lib64/ld-linux-x86-64.so.2");
    EXPECT_EQ(s.needed, std::vector<std::string>{"libc.so.6"});
    EXPECT_EQ(s.runpath.size() + s.rpath.size(), 1U);
    EXPECT_EQ((s.runpath.empty() ? s.rpath : s.runpath).front(), "$ORIGIN/../lib");
}

TEST(ElfDependencies, BadBytesAreToldNotTrusted)
{
    EXPECT_EQ(std::get<std::string>(read_elf_dependencies("#!/bin/sh\n")), "not an ELF file");
    EXPECT_EQ(std::get<std::string>(read_elf_dependencies("")), "not an ELF file");
    auto elf = bytes_of(seed());
    // Cut inside the program headers: told, never read past the end.
    const auto cut = read_elf_dependencies(std::string_view(elf).substr(0, 80));
    ASSERT_TRUE(std::holds_alternative<std::string>(cut));
    EXPECT_NE(std::get<std::string>(cut).find("past the end"), std::string::npos) << std::get<std::string>(cut);
    elf[4] = 1;  // ELFCLASS32
    EXPECT_EQ(std::get<std::string>(read_elf_dependencies(elf)), "not a 64-bit little-endian ELF file");
}

TEST(LdSoConf, DirectoriesAndIncludesInOrder)
{
    const auto conf = parse_ld_so_conf("# comment\ninclude /etc/ld.so.conf.d/*.conf\n/usr/local/lib\n"
                                       "/opt/a:/opt/b, /opt/c=libc5\n\tinclude\tmore/*.conf  # trailing\nrelative/dir\n");
    EXPECT_EQ(conf.directories, (std::vector<std::string>{"/usr/local/lib", "/opt/a", "/opt/b", "/opt/c"}));
    EXPECT_EQ(conf.includes, (std::vector<std::string>{"/etc/ld.so.conf.d/*.conf", "more/*.conf"}));
}

TEST(LdSoConf, ThisSystemsDirectoriesFindItsLibraries)
{
    const auto dirs = loader_directories();
    const auto closure = shared_library_closure({seed()}, dirs);
    EXPECT_TRUE(closure.missing.empty()) << closure.missing.front();
    bool libc = false;
    for (const auto& f : closure.files) {
        libc = libc || f.filename() == "libc.so.6";
    }
    EXPECT_TRUE(libc);
    // Each file once.
    std::set<std::filesystem::path> unique(closure.files.begin(), closure.files.end());
    EXPECT_EQ(unique.size(), closure.files.size());
}

const char* modules_dep =
    "kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko\n"
    "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko\n"
    "kernel/net/core/failover.ko:\n"
    "kernel/fs/ext4/ext4.ko.zst: kernel/fs/jbd2/jbd2.ko kernel/fs/mbcache.ko kernel/lib/crc16.ko\n"
    "kernel/fs/jbd2/jbd2.ko:\n"
    "kernel/fs/mbcache.ko:\n"
    "kernel/lib/crc16.ko:\n"
    "kernel/drivers/scsi/mpt3sas/mpt3sas.ko: kernel/drivers/scsi/raid_class.ko\n"
    "kernel/drivers/scsi/raid_class.ko:\n";

TEST(KernelModules, DependenciesLoadFirstBuiltinAndMissingAreTold)
{
    const auto parsed = parse_modules_dep(modules_dep, "kernel/drivers/virtio/virtio_pci.ko\nkernel/fs/vfat.ko\n");
    ASSERT_TRUE(std::holds_alternative<ModuleIndex>(parsed));
    const auto& index = std::get<ModuleIndex>(parsed);
    const auto s = select_modules(index, {"virtio-net", "ext4", "virtio_pci", "nope", "ext4", "failover"});
    EXPECT_EQ(s.load_order,
              (std::vector<std::string>{"kernel/net/core/failover.ko", "kernel/drivers/net/net_failover.ko",
                                        "kernel/drivers/net/virtio_net.ko.xz", "kernel/fs/jbd2/jbd2.ko",
                                        "kernel/fs/mbcache.ko", "kernel/lib/crc16.ko", "kernel/fs/ext4/ext4.ko.zst"}));
    EXPECT_EQ(s.builtin, (std::vector<std::string>{"virtio_pci"}));
    EXPECT_EQ(s.missing, (std::vector<std::string>{"nope"}));
    EXPECT_EQ(module_name("kernel/drivers/net/e1000e/e1000e.ko.zst"), "e1000e");
    EXPECT_EQ(module_name("mlx5-core"), "mlx5_core");
}

TEST(KernelModules, ALineOfAnotherShapeIsNamed)
{
    for (const auto* bad : {"no colon here\n", ": kernel/a.ko\n", "kernel/a.ko: ../../etc/shadow\n", "/abs.ko:\n"}) {
        const auto r = parse_modules_dep(std::string("kernel/ok.ko:\n") + bad, "");
        ASSERT_TRUE(std::holds_alternative<std::string>(r)) << bad;
        EXPECT_TRUE(std::get<std::string>(r).starts_with("modules.dep line 2: ")) << std::get<std::string>(r);
    }
    // A cycle (depmod never writes one) ends, each module once.
    const auto cyclic = parse_modules_dep("kernel/a.ko: kernel/b.ko\nkernel/b.ko: kernel/a.ko\n", "");
    const auto s = select_modules(std::get<ModuleIndex>(cyclic), {"a"});
    EXPECT_EQ(s.load_order.size(), 2U);
}

TEST(KernelModules, TheDefaultSetCoversTheIssuesClasses)
{
    const auto& d = default_modules();
    for (const auto* m : {"virtio_net", "virtio_blk", "virtio_pci", "e1000", "e1000e", "igb", "ixgbe", "bnx2x", "ahci",
                          "sd_mod", "nvme", "ext4", "vfat"}) {
        EXPECT_NE(std::find(d.begin(), d.end(), m), d.end()) << m;
    }
}

TEST(ImageLayout, HostPathsGoIntoAUsrMergedTree)
{
    EXPECT_EQ(image_path("/lib/x86_64-linux-gnu/libc.so.6"), "usr/lib/x86_64-linux-gnu/libc.so.6");
    EXPECT_EQ(image_path("/lib64/ld-linux-x86-64.so.2"), "usr/lib64/ld-linux-x86-64.so.2");
    EXPECT_EQ(image_path("/bin/busybox"), "usr/bin/busybox");
    EXPECT_EQ(image_path("/sbin/mke2fs"), "usr/sbin/mke2fs");
    EXPECT_EQ(image_path("/usr/sbin/ip"), "usr/sbin/ip");
    EXPECT_EQ(image_path("/etc/mke2fs.conf"), "etc/mke2fs.conf");
    EXPECT_EQ(image_path("/library/x"), "library/x");
    EXPECT_EQ(image_link_target("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"),
              "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    EXPECT_EQ(image_link_target("mtools"), "mtools");
    EXPECT_EQ(module_image_path("6.1.0-27-amd64", "kernel/fs/ext4/ext4.ko.xz"),
              "usr/lib/modules/6.1.0-27-amd64/kernel/fs/ext4/ext4.ko");
    EXPECT_EQ(module_list("6.1", {"kernel/a.ko.zst", "kernel/b.ko"}),
              "/usr/lib/modules/6.1/kernel/a.ko\n/usr/lib/modules/6.1/kernel/b.ko\n");
    // The image's own modules.dep names the modules as stored, plain.
    EXPECT_EQ(image_modules_dep({"kernel/b.ko", "kernel/a.ko.zst"}, {{"kernel/a.ko.zst", {"kernel/b.ko"}}}),
              "kernel/b.ko:\nkernel/a.ko: kernel/b.ko\n");
}

TEST(ImageLayout, EveryParentComesBeforeItsChildrenEachPathOnce)
{
    using Kind = ImageEntry::Kind;
    auto tree = complete_tree({{Kind::file, "usr/lib/modules/6.1/kernel/a.ko", "/x", {}, 0644},
                               {Kind::text, "init", {}, "#!/bin/sh\n", 0755},
                               {Kind::directory, "usr", {}, {}, 0755},
                               {Kind::text, "init", {}, "second", 0755},
                               {Kind::symlink, "lib", {}, "usr/lib", 0777}});
    std::vector<std::string> paths;
    for (const auto& e : tree) {
        paths.push_back(e.path);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"usr", "usr/lib", "usr/lib/modules", "usr/lib/modules/6.1",
                                               "usr/lib/modules/6.1/kernel", "init", "lib",
                                               "usr/lib/modules/6.1/kernel/a.ko"}));
    EXPECT_EQ(tree[5].data, "#!/bin/sh\n");
    const auto base = complete_tree(base_entries("#!/bin/sh\n"));
    bool console = false;
    for (const auto& e : base) {
        console = console || (e.path == "dev/console" && e.kind == Kind::char_device && e.major == 5 && e.minor == 1);
    }
    EXPECT_TRUE(console);
}

}  // namespace
}  // namespace xcp::image
