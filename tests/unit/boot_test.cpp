// Answerfiles and boot configs from templates: pure functions of the host,
// the site and the template text.
#include "libxcp/answerfile/parser.hpp"
#include "server/boot/answerfile_render.hpp"
#include "server/boot/boot_config.hpp"
#include "server/boot/host_values.hpp"
#include "server/boot/profiles.hpp"
#include "server/inventory/host_state.hpp"
#include "server/inventory/host_vars.hpp"
#include "libxcp/util/text.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

namespace xcp::boot {
namespace {

namespace af = answerfile;

const std::string token = "0123456789abcdef0123456789abcdef";

Site site()
{
    Site s;
    s.server = "192.0.2.10";
    s.http_url = "http://192.0.2.10:8080";
    s.repository_url = s.http_url + "/repo/";
    return s;
}

inventory::Host host(inventory::NextMode mode = inventory::NextMode::install)
{
    inventory::Host h;
    h.mac = "52:54:00:12:34:56";
    return inventory::request_install(h, mode, token);
}

Template default_profile()
{
    return Profiles(test::source_dir() / "answerfiles/profiles").load("default");
}

af::Answerfile parse_valid(const std::string& xml)
{
    auto r = af::parse(xml);
    EXPECT_TRUE(r.valid()) << xml;
    return r.model.value_or(af::Answerfile{});
}

TEST(Template, UnknownPlaceholderIsAnErrorWithItsLine)
{
    try {
        Template t("p.xml", "<a>\n{{primary_disk}}</a>", Escaping::xml, profile_placeholders());
        FAIL() << "accepted a typo";
    } catch (const TemplateError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("p.xml:2"), std::string::npos) << what;
        EXPECT_NE(what.find("did you mean {{primary-disk}}"), std::string::npos) << what;
    }
    EXPECT_THROW(Template("p.xml", "{{#static}}", Escaping::xml, profile_placeholders()), TemplateError);
}

TEST(Template, XmlEscapingAndSections)
{
    Template t("t", "[{{v}}]{{#flag}}F{{/flag}}{{^e}}E{{/e}}{{#l}}<{{.}}>{{/l}}", Escaping::xml, {"v", "flag", "e", "l"});
    const auto out = t.render({{"v", std::string("a&<\"")}, {"flag", true}, {"e", std::string()},
                               {"l", std::vector<std::string>{"x", "y"}}});
    EXPECT_EQ(out, "[a&amp;&lt;&quot;]FE<x><y>");
    Template raw("t", "{{v}}", Escaping::words, {"v"});
    EXPECT_EQ(raw.render({{"v", std::string("a&b")}}), "a&b");
    EXPECT_THROW((void)raw.render({{"v", std::string()}}), TemplateError) << "an empty result is refused";
}

TEST(Template, BootConfigValuesThatWouldSplitALineAreRefused)
{
    Template t("pxelinux-install.cfg", "append {{v}} --- x\n", Escaping::words, {"v", "l"});
    for (const std::string& bad : std::vector<std::string>{"a b", "a\nlabel x", "a\tb", std::string("a\0b", 3), "a\x1b[2J", "a\rb", "a\x7f"}) {
        try {
            (void)t.render({{"v", bad}});
            ADD_FAILURE() << "rendered a value with a separator";
        } catch (const TemplateError& e) {
            EXPECT_NE(std::string(e.what()).find("{{v}}"), std::string::npos) << e.what();
        }
    }
    EXPECT_THROW((void)t.render({{"v", std::string("ok")}, {"l", std::vector<std::string>{"x", "y z"}}}), TemplateError);
}

TEST(AnswerfileRender, DefaultProfileWorksWithNoSettings)
{
    const auto r = render_answerfile(default_profile(), host(), site());
    const auto a = parse_valid(r.xml);
    EXPECT_EQ(a.mode, af::Mode::fresh);
    ASSERT_TRUE(a.primary_disk);
    EXPECT_EQ(a.primary_disk->device, "sda");
    ASSERT_EQ(a.sources.size(), 1U);
    EXPECT_EQ(a.sources[0].location, "http://192.0.2.10:8080/repo/");
    ASSERT_TRUE(a.admin_interface);
    EXPECT_EQ(a.admin_interface->proto, af::Proto::dhcp);
    EXPECT_EQ(a.hostname->value, "xcp-525400123456");
    ASSERT_EQ(a.scripts.size(), 1U);
    EXPECT_EQ(a.scripts[0].stage, af::ScriptStage::installation_complete);
    EXPECT_EQ(a.scripts[0].source.location, "http://192.0.2.10:8080/api/v1/report-script/" + token);
}

TEST(AnswerfileRender, HostSettingsFillTheProfile)
{
    auto h = host();
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"ip", "10.0.0.5"}, {"netmask", "255.255.255.0"}, {"gateway", "10.0.0.1"}, {"dns", "10.0.0.2,10.0.0.3"},
             {"primary-disk", "nvme0n1"}, {"guest-disks", "sdb,sdc"}, {"root-password", "s3cret"},
             {"timezone", "Europe/Paris"}, {"hostname", "h1"}, {"repository", "http://mirror/x?a=1&b=2"}}) {
        ASSERT_EQ(inventory::set_host_value(h, k, v), "") << k;
    }
    const auto r = render_answerfile(default_profile(), h, site());
    EXPECT_EQ(r.xml.find("s3cret"), std::string::npos);
    const auto a = parse_valid(r.xml);
    EXPECT_EQ(a.admin_interface->proto, af::Proto::static_);
    EXPECT_EQ(a.admin_interface->ipaddr, "10.0.0.5");
    ASSERT_EQ(a.name_servers.size(), 2U);
    EXPECT_EQ(a.primary_disk->device, "nvme0n1");
    ASSERT_EQ(a.guest_disks.size(), 2U);
    EXPECT_EQ(a.root_password->type, af::PasswordType::hash);
    EXPECT_EQ(a.sources[0].location, "http://mirror/x?a=1&b=2") << "escaped in XML, intact once parsed";
    EXPECT_EQ(a.timezone->value, "Europe/Paris");
}

TEST(AnswerfileRender, EachModeGetsWhatItReads)
{
    auto re = parse_valid(render_answerfile(default_profile(), host(inventory::NextMode::reinstall), site()).xml);
    EXPECT_EQ(re.mode, af::Mode::reinstall);
    EXPECT_TRUE(re.primary_disk);

    // An upgrade names the disk the last install reported, never a guess.
    auto upgrading = host(inventory::NextMode::upgrade);
    try {
        (void)render_answerfile(default_profile(), upgrading, site());
        FAIL() << "an upgrade rendered without knowing its disk";
    } catch (const RenderError& e) {
        EXPECT_NE(std::string(e.what()).find("has no installed-disk"), std::string::npos) << e.what();
    }
    ASSERT_EQ(inventory::set_host_value(upgrading, "primary-disk", "sda"), "");
    ASSERT_EQ(inventory::set_host_value(upgrading, "installed-disk", "nvme0n1"), "");
    const auto up_r = render_answerfile(default_profile(), upgrading, site());
    auto up = parse_valid(up_r.xml);
    EXPECT_EQ(up.mode, af::Mode::upgrade);
    ASSERT_TRUE(up.existing_installation);
    EXPECT_EQ(up.existing_installation->value, "nvme0n1") << "not the profile's primary disk";
    EXPECT_FALSE(up.admin_interface) << "carried over from the existing installation";
    EXPECT_TRUE(up_r.warnings.empty());

    auto h = host(inventory::NextMode::restore);
    ASSERT_EQ(inventory::set_host_value(h, "backup-disk", "sdb"), "");
    auto rs = parse_valid(render_answerfile(default_profile(), h, site()).xml);
    EXPECT_EQ(rs.mode, af::Mode::restore);
    EXPECT_EQ(rs.backup_disk->value, "sdb");
    h.vars.erase("backup-disk");
    ASSERT_EQ(inventory::set_host_value(h, "installed-disk", "sdc"), "");
    EXPECT_EQ(parse_valid(render_answerfile(default_profile(), h, site()).xml).backup_disk->value, "sdc")
        << "the backup is on the installation's disk";
}

TEST(AnswerfileRender, AnInvalidResultIsRefusedWithItsReason)
{
    Template broken("broken.xml", "<installation><primary-disk>{{primary-disk}}</primary-disk></installation>",
                    Escaping::xml, profile_placeholders());
    try {
        (void)render_answerfile(broken, host(), site());
        FAIL() << "served an answerfile without a source";
    } catch (const RenderError& e) {
        EXPECT_NE(std::string(e.what()).find("broken.xml:1:1"), std::string::npos) << e.what();
    }
    auto h = host();
    h.token.reset();
    EXPECT_THROW((void)render_answerfile(default_profile(), h, site()), RenderError);
}

TEST(BootConfig, PathsThatAreGenerated)
{
    struct Case {
        const char* path;
        bool generated;
        Loader loader;
        const char* mac;
    };
    const Case cases[] = {
        {"pxelinux.cfg/01-52-54-00-12-34-56", true, Loader::pxelinux, "52:54:00:12:34:56"},
        {"pxelinux.cfg/01-52-54-00-12-34-5", false, Loader::pxelinux, nullptr},
        {"pxelinux.cfg/C0A80001", false, Loader::pxelinux, nullptr},
        {"pxelinux.cfg/default", true, Loader::pxelinux, nullptr},
        {"EFI/xenserver/grub.cfg", true, Loader::grub, nullptr},
        {"EFI/xenserver/grub.cfg-01-52-54-00-12-34-56", true, Loader::grub, "52:54:00:12:34:56"},
        {"EFI/xenserver/grub.cfg-52:54:00:12:34:56", true, Loader::grub, "52:54:00:12:34:56"},
        {"grub.cfg-nonsense", false, Loader::grub, nullptr},
        {"pxelinux.0", false, Loader::pxelinux, nullptr},
        {"xcp-ng/xen.gz", false, Loader::pxelinux, nullptr},
    };
    for (const auto& c : cases) {
        const auto r = classify_tftp_path(c.path);
        ASSERT_EQ(r.has_value(), c.generated) << c.path;
        if (r) {
            EXPECT_EQ(r->loader, c.loader) << c.path;
            EXPECT_EQ(r->mac.value_or(""), c.mac ? c.mac : "") << c.path;
        }
    }
}

TEST(BootConfig, InstallUntilSuccessThenLocalBoot)
{
    const BootTemplates t(test::source_dir() / "pxe-templates");
    auto h = host();
    const auto install = t.host_config(Loader::pxelinux, h, site(), UnknownHosts::local);
    EXPECT_NE(install.find("kernel mboot.c32"), std::string::npos) << install;
    EXPECT_NE(install.find("answerfile=http://192.0.2.10:8080/answerfile/" + token), std::string::npos);
    EXPECT_NE(install.find("xcp-ng/xen.gz"), std::string::npos);
    EXPECT_NE(install.find(" --- xcp-ng/install.img"), std::string::npos);
    const auto grub = t.host_config(Loader::grub, h, site(), UnknownHosts::local);
    EXPECT_NE(grub.find("multiboot2 /xcp-ng/xen.gz"), std::string::npos) << grub;
    const auto ipxe = t.host_config(Loader::ipxe, h, site(), UnknownHosts::local);
    EXPECT_TRUE(ipxe.starts_with("#!ipxe")) << ipxe;
    EXPECT_NE(ipxe.find("http://192.0.2.10:8080/boot/xcp-ng/vmlinuz"), std::string::npos) << ipxe;

    h = inventory::apply_event(h, inventory::Event{0, {}, "agent", "", std::nullopt, "", inventory::Final::success});
    const auto local = t.host_config(Loader::pxelinux, h, site(), UnknownHosts::menu);
    EXPECT_NE(local.find("localboot 0"), std::string::npos) << local;
    EXPECT_EQ(local.find("answerfile="), std::string::npos);
    EXPECT_NE(t.host_config(Loader::grub, h, site(), UnknownHosts::local).find("exit"), std::string::npos);
    EXPECT_NE(t.host_config(Loader::ipxe, h, site(), UnknownHosts::local).find("exit"), std::string::npos);

    h.release = "8.3";
    h = inventory::request_install(h, inventory::NextMode::reinstall, token);
    EXPECT_NE(t.host_config(Loader::pxelinux, h, site(), UnknownHosts::local).find("releases/8.3/boot/xen.gz"),
              std::string::npos);
}

TEST(BootConfig, IpxeLoadsTheReleasesDecompressedXenAndTheOthersTheGzip)
{
    inventory::Release r;
    r.name = "8.3";
    r.xen = "releases/8.3/boot/xen.gz";
    r.kernel = "releases/8.3/boot/vmlinuz";
    r.image = "releases/8.3/install.img";
    auto h = host();
    h.release = "8.3";
    // Imported before the decompressed copy was made: the gzip for all.
    EXPECT_EQ(inventory::multiboot_xen(r), "releases/8.3/boot/xen.gz");
    r.checksums["tftp/boot/xen"] = std::string(64, 'a');
    EXPECT_EQ(inventory::multiboot_xen(r), "releases/8.3/boot/xen");
    const auto values = boot_values(h, site(), &r);
    EXPECT_EQ(values.at("xen-url"), TemplateValue(std::string("http://192.0.2.10:8080/boot/releases/8.3/boot/xen")));
    EXPECT_EQ(values.at("xen"), TemplateValue(std::string("releases/8.3/boot/xen.gz")));
    // A Xen that is not gzipped has no copy.
    r.xen = "releases/8.3/boot/xen";
    EXPECT_EQ(inventory::multiboot_xen(r), "releases/8.3/boot/xen");
    EXPECT_EQ(inventory::unpacked_xen_path("releases/8.3/boot/xen"), "");
}

TEST(BootConfig, UnknownHostsGetTheConfiguredDefault)
{
    const BootTemplates t(test::source_dir() / "pxe-templates");
    const auto local = t.host_config(Loader::pxelinux, std::nullopt, site(), UnknownHosts::local);
    EXPECT_NE(local.find("localboot 0"), std::string::npos);
    EXPECT_EQ(local.find("mboot.c32"), std::string::npos);
    const auto menu = t.generic_config(Loader::pxelinux, site(), UnknownHosts::menu);
    EXPECT_NE(menu.find("default local"), std::string::npos);
    EXPECT_NE(menu.find("kernel mboot.c32"), std::string::npos);
    EXPECT_EQ(menu.find("answerfile="), std::string::npos) << "a manual install asks at the console";
    EXPECT_NE(t.generic_config(Loader::grub, site(), UnknownHosts::local).find("${net_default_mac}"),
              std::string::npos);
    EXPECT_NE(t.generic_config(Loader::ipxe, site(), UnknownHosts::local).find("http://192.0.2.10:8080/ipxe/"),
              std::string::npos);
}

TEST(BootConfig, AnOperatorsBrokenTemplateIsReportedByFile)
{
    test::TempDir dir;
    for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "pxe-templates")) {
        std::filesystem::copy_file(entry.path(), dir.path() / entry.path().filename());
    }
    std::ofstream(dir.path() / "grub-install.cfg") << "multiboot2 /{{xen_path}}\n";
    try {
        const BootTemplates t(dir.path());
        FAIL();
    } catch (const TemplateError& e) {
        EXPECT_NE(std::string(e.what()).find("grub-install.cfg:1: unknown placeholder {{xen_path}}"),
                  std::string::npos)
            << e.what();
    }
}


// The structure of a boot config: each line's first word and its number of
// words (comments: only that they are there). A value that added a line, a directive or a kernel argument would
// change it.
std::vector<std::pair<std::string, std::size_t>> structure(const std::string& config)
{
    std::vector<std::pair<std::string, std::size_t>> out;
    std::istringstream lines(config);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
        // A comment's words are free (an empty hostname leaves a gap in one);
        // a line it gained would still show.
        const bool comment = !w.empty() && w.front().starts_with('#');
        out.emplace_back(w.empty() ? std::string() : w.front(), comment ? 0 : w.size());
    }
    return out;
}

// Values a hostile or careless operator (CLI, API, CSV) might set: the
// separators and control characters of every boot-config syntax, mixed with
// ordinary characters.
std::string random_value(std::mt19937& rng)
{
    static const std::string pieces[] = {" ",  "\n", "\r", "\t", std::string(1, '\0'), "\x1b[2J", "\x7f", ";",
                                         "#",  "'",  "\"", "\\", "${x}",              "{{x}}",   "--- ", "a",
                                         "1",  ".",  "-",  "_",  "/",                 "release", "label x", "="};
    std::uniform_int_distribution<std::size_t> count(0, 6);
    std::uniform_int_distribution<std::size_t> pick(0, std::size(pieces) - 1);
    std::string out;
    for (auto n = count(rng); n > 0; --n) {
        out += pieces[pick(rng)];
    }
    return out;
}

TEST(BootConfig, NoSettingValueChangesAConfigsStructure)
{
    const BootTemplates templates(test::source_dir() / "pxe-templates");
    std::mt19937 rng(20261201);  // fixed: a failure replays
    const auto baseline = [&](Loader loader, const inventory::Host& h) {
        return structure(templates.host_config(loader, h, site(), UnknownHosts::local));
    };
    std::size_t accepted = 0;
    std::size_t refused_at_render = 0;
    for (int round = 0; round < 300; ++round) {
        for (const auto& setting : inventory::host_settings()) {
            for (const auto mode : {inventory::NextMode::install, inventory::NextMode::none}) {
                auto h = host(mode);
                if (mode == inventory::NextMode::none) {
                    h.token.reset();
                }
                const auto expected_pxe = baseline(Loader::pxelinux, h);
                const auto expected_grub = baseline(Loader::grub, h);
                const auto expected_ipxe = baseline(Loader::ipxe, h);
                const auto value = random_value(rng);
                if (!inventory::set_host_value(h, setting.key, value).empty()) {
                    continue;  // refused when set: it never reaches a config
                }
                ++accepted;
                for (const auto& [loader, expected] : {std::pair{Loader::pxelinux, expected_pxe},
                                                       std::pair{Loader::grub, expected_grub},
                                                       std::pair{Loader::ipxe, expected_ipxe}}) {
                    std::string config;
                    try {
                        config = templates.host_config(loader, h, site(), UnknownHosts::local);
                    } catch (const TemplateError&) {
                        ++refused_at_render;  // refused, not rendered: also fine
                        continue;
                    }
                    ASSERT_EQ(structure(config), expected)
                        << setting.key << "=" << util::printable(value) << " changed:\n"
                        << config;
                }
            }
        }
    }
    EXPECT_GT(accepted, 100U) << "the generator should also make values that are accepted";
}

}  // namespace
}  // namespace xcp::boot
