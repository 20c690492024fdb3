// What the parser builds: legacy spellings mapped onto one model, defaults,
// the writer's round trip, and secrets kept out of every output.
#include "libxcp/answerfile/load.hpp"
#include "libxcp/answerfile/parser.hpp"
#include "libxcp/answerfile/summary.hpp"
#include "libxcp/answerfile/writer.hpp"
#include "tests/support/process.hpp"

#include <gtest/gtest.h>

#include <random>

namespace xcp::answerfile {
namespace {

Answerfile parse_valid(const std::string& xml)
{
    const auto r = parse(xml);
    std::string problems;
    for (const auto& d : r.diagnostics.all()) {
        problems += format(d, "t.xml") + "\n";
    }
    EXPECT_TRUE(r.valid()) << problems;
    return r.model.value_or(Answerfile{});
}

TEST(Model, TheSeedGuideExample)
{
    const auto a = parse_valid(R"(<?xml version="1.0"?>
  <installation>
    <primary-disk>sda</primary-disk>
    <guest-disk>sdb</guest-disk>
    <guest-disk>sdc</guest-disk>
    <keymap>us</keymap>
    <root-password>mypassword</root-password>
    <source type="url">http://pxehost.example.com</source>
    <post-install-script type="url">
      http://pxehost.example.com/myscripts/post-install-script
    </post-install-script>
    <admin-interface name="eth0" proto="dhcp" />
    <timezone>Europe/London</timezone>
  </installation>)");
    EXPECT_EQ(a.mode, Mode::fresh);
    ASSERT_TRUE(a.primary_disk);
    EXPECT_EQ(a.primary_disk->device, "sda");
    ASSERT_EQ(a.guest_disks.size(), 2U);
    EXPECT_EQ(a.guest_disks[1].value, "sdc");
    EXPECT_EQ(a.root_password->type, PasswordType::plaintext);
    EXPECT_EQ(a.root_password->value.reveal(), "mypassword");
    ASSERT_EQ(a.scripts.size(), 1U);
    EXPECT_EQ(a.scripts[0].stage, ScriptStage::filesystem_populated);
    EXPECT_EQ(a.scripts[0].source.location, "http://pxehost.example.com/myscripts/post-install-script");
    EXPECT_EQ(a.admin_interface->name, "eth0");
    EXPECT_EQ(a.timezone->value, "Europe/London");
}

TEST(Model, LegacyAliasesMapOntoTheModernModel)
{
    const auto legacy = parse(R"(<installation srtype="ext">
      <primary-disk gueststorage="no">sda</primary-disk>
      <root-password>pw</root-password>
      <source type="url">http://h/r</source>
      <install-failed-script type="url">http://h/fail</install-failed-script>
      <admin-interface name="eth0" proto="static"><ip>192.0.2.5</ip><subnet-mask>255.255.255.0</subnet-mask>
        <gateway>192.0.2.1</gateway></admin-interface>
      <nameserver>192.0.2.53</nameserver>
      <ntp-servers>192.0.2.123</ntp-servers>
      <timezone>Etc/UTC</timezone>
      <bootloader>extlinux</bootloader>
    </installation>)");
    const auto modern = parse(R"(<installation sr-type="ext">
      <primary-disk guest-storage="no">sda</primary-disk>
      <root-password>pw</root-password>
      <source type="url">http://h/r</source>
      <script stage="installation-complete" type="url">http://h/fail</script>
      <admin-interface name="eth0" proto="static"><ipaddr>192.0.2.5</ipaddr><subnet>255.255.255.0</subnet>
        <gateway>192.0.2.1</gateway></admin-interface>
      <name-server>192.0.2.53</name-server>
      <ntp-server>192.0.2.123</ntp-server>
      <timezone>Etc/UTC</timezone>
      <bootloader>extlinux</bootloader>
    </installation>)");
    ASSERT_TRUE(legacy.valid());
    ASSERT_TRUE(modern.valid());
    EXPECT_EQ(*legacy.model, *modern.model);
    EXPECT_FALSE(legacy.model->primary_disk->guest_storage);
    EXPECT_EQ(legacy.model->sr_type, SrType::ext);
    EXPECT_EQ(legacy.model->admin_interface->ipaddr, "192.0.2.5");
    EXPECT_EQ(effective_ntp_source(*legacy.model), NtpSource::manual);
    // srtype, gueststorage, install-failed-script, ip, subnet-mask, nameserver, ntp-servers, extlinux
    EXPECT_EQ(legacy.legacy.size(), 8U);
    const auto changes = std::count_if(legacy.legacy.begin(), legacy.legacy.end(),
                                       [](const LegacyUse& u) { return u.meaning_changes; });
    EXPECT_EQ(changes, 2);  // install-failed-script and extlinux
}

TEST(Model, NfsUrlIsAnNfsSource)
{
    const auto a = parse_valid(R"(<installation><primary-disk>sda</primary-disk><root-password>p</root-password>
      <source type="url">nfs://192.0.2.10/exports/xcp</source>
      <admin-interface name="eth0" proto="dhcp"/></installation>)");
    ASSERT_EQ(a.sources.size(), 1U);
    EXPECT_EQ(a.sources[0].type, SourceType::nfs);
    EXPECT_EQ(a.sources[0].location, "192.0.2.10:/exports/xcp");
}

TEST(Model, BooleansAcceptAnyCase)
{
    const auto a = parse_valid(R"(<installation><primary-disk guest-storage="NO" sr-at-end="False"
      preserve-first-partition="TRUE">sda</primary-disk><root-password>p</root-password>
      <source type="local"/><admin-interface name="eth0" proto="dhcp"/></installation>)");
    EXPECT_FALSE(a.primary_disk->guest_storage);
    EXPECT_FALSE(a.primary_disk->sr_at_end);
    EXPECT_EQ(a.primary_disk->preserve_first_partition, PreserveFirstPartition::yes);
}

TEST(Model, ModesAndTheirMeanings)
{
    const auto old_reinstall = parse_valid(R"(<installation mode="reinstall">
      <existing-installation>sda</existing-installation><source type="url">http://h/</source>
      <timezone>Europe/London</timezone></installation>)");
    EXPECT_EQ(old_reinstall.mode, Mode::reinstall);
    EXPECT_TRUE(old_reinstall.existing_installation);
    EXPECT_FALSE(old_reinstall.primary_disk);

    const auto modern_reinstall = parse_valid(R"(<installation mode="reinstall"><primary-disk>sda</primary-disk>
      <root-password>p</root-password><source type="url">http://h/</source>
      <admin-interface name="eth0" proto="dhcp"/></installation>)");
    EXPECT_EQ(modern_reinstall.mode, Mode::reinstall);
    EXPECT_TRUE(modern_reinstall.primary_disk);

    const auto upgrade_root = parse_valid(R"(<upgrade><existing-installation>sda</existing-installation>
      <source type="url">http://h/</source></upgrade>)");
    EXPECT_EQ(upgrade_root.mode, Mode::upgrade);

    const auto restore = parse_valid("<restore><backup-disk>/dev/sdb</backup-disk></restore>");
    EXPECT_EQ(restore.mode, Mode::restore);
    EXPECT_EQ(restore.backup_disk->value, "/dev/sdb");
}

TEST(Model, EffectiveNtpSource)
{
    Answerfile a;
    EXPECT_EQ(effective_ntp_source(a), NtpSource::default_);
    a.admin_interface = AdminInterface{};
    a.admin_interface->proto = Proto::dhcp;
    EXPECT_EQ(effective_ntp_source(a), NtpSource::dhcp);
    a.ntp.servers.push_back({"192.0.2.1", {}});
    EXPECT_EQ(effective_ntp_source(a), NtpSource::manual);
    a.ntp.source = NtpSource::none;
    EXPECT_EQ(effective_ntp_source(a), NtpSource::none);
}

// ---- Round trip -----------------------------------------------------------

TEST(RoundTrip, EveryExampleAnswerfile)
{
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(test::source_dir() / "answerfiles")) {
        if (entry.path().extension() != ".xml") {
            continue;
        }
        SCOPED_TRACE(entry.path().filename().string());
        const auto first = load_file(entry.path(), {.strict = true});
        for (const auto& d : first.diagnostics.all()) {
            ADD_FAILURE() << format(d, entry.path().string());
        }
        ASSERT_TRUE(first.valid());
        const auto written = write(*first.model);
        const auto second = parse(written, {.strict = true});
        ASSERT_TRUE(second.valid()) << written;
        EXPECT_EQ(*first.model, *second.model) << written;
        EXPECT_TRUE(second.legacy.empty() ||
                    std::all_of(second.legacy.begin(), second.legacy.end(),
                                [](const LegacyUse& u) { return u.meaning_changes; }))
            << "the writer must use modern spellings:\n"
            << written;
        ++checked;
    }
    EXPECT_GE(checked, 12);
}

// A random model the validator accepts, drawn from pools of valid values.
class ModelGenerator {
public:
    explicit ModelGenerator(unsigned seed) : rng_(seed) {}

    Answerfile next()
    {
        Answerfile a;
        const int kind = pick(0, 4);
        if (kind == 4) {
            a.mode = Mode::restore;
            if (coin()) {
                a.backup_disk = Text{pick_of(disks_), {}};
            }
            return a;
        }
        a.mode = kind == 3 ? Mode::upgrade : (kind == 2 ? Mode::reinstall : Mode::fresh);
        if (coin()) a.sr_type = coin() ? SrType::lvm : SrType::ext;
        if (coin()) a.gpgcheck = coin();
        if (coin()) a.repo_gpgcheck = coin();
        const bool over_existing = a.mode == Mode::upgrade || (a.mode == Mode::reinstall && coin());
        std::vector<std::string> free_disks = disks_;
        std::shuffle(free_disks.begin(), free_disks.end(), rng_);
        if (over_existing) {
            a.existing_installation = Text{free_disks.back(), {}};
            if (a.mode == Mode::reinstall) {
                a.timezone = Text{"Europe/London", {}};  // the 2009 dialect requires it
            }
        } else {
            PrimaryDisk p;
            p.device = free_disks.back();
            free_disks.pop_back();
            p.guest_storage = coin();
            p.sr_at_end = coin();
            p.preserve_first_partition = static_cast<PreserveFirstPartition>(pick(0, 2));
            a.primary_disk = p;
            for (int i = pick(0, 3); i > 0; --i) {
                a.guest_disks.push_back({free_disks.back(), {}});
                free_disks.pop_back();
            }
        }
        a.sources.push_back(random_source());
        for (int i = pick(0, 2); i > 0; --i) {
            a.driver_sources.push_back(random_source());
        }
        for (int i = pick(0, 3); i > 0; --i) {
            a.scripts.push_back({static_cast<ScriptStage>(pick(0, 3)), random_source(false)});
        }
        if (a.mode == Mode::upgrade) {
            return a;
        }
        if (coin()) a.keymap = Text{pick_of({"us", "de", "fr_CH", "uk"}), {}};
        if (coin()) {
            RootPassword pw;
            pw.type = coin() ? PasswordType::hash : PasswordType::plaintext;
            pw.value = Secret(pw.type == PasswordType::hash ? "$6$abc$def" + std::to_string(pick(0, 999))
                                                             : "pass word " + std::to_string(pick(0, 999)));
            a.root_password = pw;
        }
        AdminInterface ai;
        if (coin()) ai.name = pick_of({"eth0", "eth1", "enp1s0"});
        else ai.hwaddr = "52:54:00:00:00:" + std::to_string(10 + pick(0, 89));
        ai.proto = coin() ? Proto::dhcp : Proto::static_;
        if (ai.proto == Proto::static_) {
            ai.ipaddr = "192.0.2." + std::to_string(pick(2, 250));
            ai.subnet = pick_of({"255.255.255.0", "255.255.0.0", "255.255.255.252"});
            ai.gateway = "192.0.2.1";
        }
        if (coin()) ai.vlan = pick(1, 4094);
        if (coin()) {
            ai.protov6 = static_cast<ProtoV6>(pick(0, 2));
            if (ai.protov6 == ProtoV6::static_) {
                ai.ipv6 = "2001:db8::" + std::to_string(pick(2, 999)) + "/64";
                ai.gatewayv6 = "2001:db8::1";
            }
        }
        a.admin_interface = ai;
        for (int i = pick(0, 2); i > 0; --i) {
            a.name_servers.push_back({"192.0.2." + std::to_string(50 + i), {}});
        }
        if (coin()) a.hostname = Text{"host" + std::to_string(pick(0, 99)) + ".example.com", {}};
        if (coin() && !a.timezone) a.timezone = Text{pick_of({"Europe/London", "Etc/UTC", "America/Argentina/Cordoba"}), {}};
        const int ntp = pick(0, 4);
        if (ntp == 1) {
            a.ntp.source = NtpSource::manual;
        }
        if (ntp >= 1 && ntp <= 2) {
            a.ntp.servers.push_back({"ntp" + std::to_string(pick(0, 9)) + ".example.com", {}});
        } else if (ntp == 3) {
            a.ntp.source = ai.proto == Proto::dhcp ? NtpSource::dhcp : NtpSource::none;
        }
        if (coin()) {
            Bootloader b;
            b.kind = coin() ? BootloaderKind::grub2 : BootloaderKind::unspecified;
            b.location = coin() ? BootloaderLocation::mbr : BootloaderLocation::partition;
            if (coin()) b.write_boot_entry = coin();
            a.bootloader = b;
        }
        if (coin()) a.network_backend = static_cast<NetworkBackend>(pick(0, 2));
        if (coin()) a.services.push_back({"sshd", coin(), {}});
        if (coin()) a.services.push_back({"snmpd", coin(), {}});
        if (coin()) a.ui_confirmation_prompt = Text{"yes", {}};
        return a;
    }

private:
    Source random_source(bool allow_local = true)
    {
        const int t = pick(allow_local ? 0 : 1, 2);
        if (t == 0) return {SourceType::local, "", {}};
        if (t == 1) return {SourceType::nfs, "192.0.2.10:/exports/r" + std::to_string(pick(0, 99)), {}};
        return {SourceType::url,
                pick_of({"http://192.0.2.10/r", "https://u:p@mirror.example.com:8443/x/y", "ftp://f.example.com/p",
                         "file:///mnt/repo"}) +
                    std::to_string(pick(0, 99)),
                {}};
    }
    int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool coin() { return pick(0, 1) == 1; }
    std::string pick_of(const std::vector<std::string>& v) { return v[static_cast<std::size_t>(pick(0, static_cast<int>(v.size()) - 1))]; }

    std::mt19937 rng_;
    std::vector<std::string> disks_{"sda", "sdb", "sdc", "sdd", "nvme0n1", "disk/by-id/wwn-0x5000c500a1b2c3d4"};
};

TEST(RoundTrip, ManyGeneratedModels)
{
    ModelGenerator gen(20261121);
    for (int i = 0; i < 1000; ++i) {
        const auto model = gen.next();
        const auto xml = write(model);
        const auto back = parse(xml, {.strict = true});
        std::string problems;
        for (const auto& d : back.diagnostics.all()) {
            if (d.severity == Severity::error) problems += format(d, "generated.xml") + "\n";
        }
        ASSERT_TRUE(back.valid()) << "model " << i << ":\n" << xml << problems;
        ASSERT_EQ(*back.model, model) << "model " << i << ":\n" << xml;
    }
}

// ---- Secrets ---------------------------------------------------------------

TEST(Secrets, RootPasswordNeverInDiagnosticsOrShow)
{
    const std::string secret = "Sup3rS3cretPassw0rd";
    const std::vector<std::string> files{
        // invalid elsewhere, so the file yields many messages
        "<installation mode=\"x\"><root-password>" + secret + "</root-password><hostname>-</hostname></installation>",
        // the secret given as a hash
        "<installation><root-password type=\"hash\">" + secret + "</root-password></installation>",
        // in an unknown attribute of the password element
        "<installation><root-password type=\"bogus\">" + secret + "</root-password></installation>",
        // inside the element with children
        "<installation><root-password>" + secret + "<x/></root-password></installation>",
    };
    for (const auto& xml : files) {
        const auto r = parse(xml, {.strict = true});
        for (const auto& d : r.diagnostics.all()) {
            EXPECT_EQ(format(d, "f.xml").find(secret), std::string::npos) << format(d, "f.xml");
        }
        if (r.model) {
            EXPECT_EQ(to_json(*r.model).dump().find(secret), std::string::npos);
            EXPECT_EQ(to_text(*r.model).find(secret), std::string::npos);
        }
    }
}

TEST(Secrets, UrlPasswordsAreRedacted)
{
    const auto r = parse(R"(<installation><primary-disk>sda</primary-disk><root-password>p</root-password>
      <source type="url">http://user:UrlS3cret@host/repo</source>
      <source type="url">gopher://user:UrlS3cret@host/repo</source>
      <admin-interface name="eth0" proto="dhcp"/></installation>)");
    for (const auto& d : r.diagnostics.all()) {
        EXPECT_EQ(d.message.find("UrlS3cret"), std::string::npos) << d.message;
    }
    ASSERT_TRUE(r.model);
    const auto shown = to_json(*r.model).dump();
    EXPECT_EQ(shown.find("UrlS3cret"), std::string::npos) << shown;
    EXPECT_NE(shown.find("user:<hidden>@host"), std::string::npos) << shown;
}

TEST(Show, DefaultsFilledIn)
{
    const auto a = parse_valid(R"(<installation><primary-disk>sda</primary-disk><root-password>p</root-password>
      <source type="url">http://h/r</source><admin-interface name="eth0" proto="dhcp"/></installation>)");
    const auto j = to_json(a);
    EXPECT_EQ(j["keymap"], "us");
    EXPECT_EQ(j["hostname"], "localhost.localdomain");
    EXPECT_EQ(j["timezone"], "Etc/UTC");
    EXPECT_EQ(j["ntp"]["source"], "dhcp");
    EXPECT_EQ(j["primary-disk"]["guest-storage"], true);
    EXPECT_EQ(j["root-password"]["value"], "<hidden>");
}

}  // namespace
}  // namespace xcp::answerfile
