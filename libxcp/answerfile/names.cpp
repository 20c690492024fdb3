#include "libxcp/answerfile/names.hpp"

#include <array>

namespace xcp::answerfile {
namespace {

constexpr std::array mode_rows{
    Spelling<Mode>{Mode::fresh, "fresh"},
    Spelling<Mode>{Mode::reinstall, "reinstall"},
    Spelling<Mode>{Mode::upgrade, "upgrade"},
    Spelling<Mode>{Mode::restore, "restore"},
};
constexpr std::array sr_type_rows{
    Spelling<SrType>{SrType::lvm, "lvm"},
    Spelling<SrType>{SrType::ext, "ext"},
};
constexpr std::array source_type_rows{
    Spelling<SourceType>{SourceType::url, "url"},
    Spelling<SourceType>{SourceType::nfs, "nfs"},
    Spelling<SourceType>{SourceType::local, "local"},
};
constexpr std::array preserve_rows{
    Spelling<PreserveFirstPartition>{PreserveFirstPartition::if_utility, "if-utility"},
    Spelling<PreserveFirstPartition>{PreserveFirstPartition::yes, "yes"},
    Spelling<PreserveFirstPartition>{PreserveFirstPartition::yes, "true"},
    Spelling<PreserveFirstPartition>{PreserveFirstPartition::no, "no"},
    Spelling<PreserveFirstPartition>{PreserveFirstPartition::no, "false"},
};
constexpr std::array password_type_rows{
    Spelling<PasswordType>{PasswordType::plaintext, "plaintext"},
    Spelling<PasswordType>{PasswordType::hash, "hash"},
};
constexpr std::array stage_rows{
    Spelling<ScriptStage>{ScriptStage::installation_start, "installation-start"},
    Spelling<ScriptStage>{ScriptStage::packages_installed, "packages-installed"},
    Spelling<ScriptStage>{ScriptStage::filesystem_populated, "filesystem-populated"},
    Spelling<ScriptStage>{ScriptStage::installation_complete, "installation-complete"},
};
constexpr std::array proto_rows{
    Spelling<Proto>{Proto::dhcp, "dhcp"},
    Spelling<Proto>{Proto::static_, "static"},
    Spelling<Proto>{Proto::none, "none"},
};
constexpr std::array protov6_rows{
    Spelling<ProtoV6>{ProtoV6::dhcp, "dhcp"},
    Spelling<ProtoV6>{ProtoV6::static_, "static"},
    Spelling<ProtoV6>{ProtoV6::autoconf, "autoconf"},
};
constexpr std::array ntp_rows{
    Spelling<NtpSource>{NtpSource::dhcp, "dhcp"},
    Spelling<NtpSource>{NtpSource::default_, "default"},
    Spelling<NtpSource>{NtpSource::manual, "manual"},
    Spelling<NtpSource>{NtpSource::none, "none"},
};
constexpr std::array bootloader_rows{
    Spelling<BootloaderKind>{BootloaderKind::unspecified, ""},
    Spelling<BootloaderKind>{BootloaderKind::grub2, "grub2"},
    Spelling<BootloaderKind>{BootloaderKind::extlinux, "extlinux"},
    Spelling<BootloaderKind>{BootloaderKind::grub, "grub"},
};
constexpr std::array location_rows{
    Spelling<BootloaderLocation>{BootloaderLocation::mbr, "mbr"},
    Spelling<BootloaderLocation>{BootloaderLocation::partition, "partition"},
};
constexpr std::array backend_rows{
    Spelling<NetworkBackend>{NetworkBackend::bridge, "bridge"},
    Spelling<NetworkBackend>{NetworkBackend::openvswitch, "openvswitch"},
    Spelling<NetworkBackend>{NetworkBackend::vswitch, "vswitch"},
};

}  // namespace

std::span<const Spelling<Mode>> spellings(Mode) { return mode_rows; }
std::span<const Spelling<SrType>> spellings(SrType) { return sr_type_rows; }
std::span<const Spelling<SourceType>> spellings(SourceType) { return source_type_rows; }
std::span<const Spelling<PreserveFirstPartition>> spellings(PreserveFirstPartition) { return preserve_rows; }
std::span<const Spelling<PasswordType>> spellings(PasswordType) { return password_type_rows; }
std::span<const Spelling<ScriptStage>> spellings(ScriptStage) { return stage_rows; }
std::span<const Spelling<Proto>> spellings(Proto) { return proto_rows; }
std::span<const Spelling<ProtoV6>> spellings(ProtoV6) { return protov6_rows; }
std::span<const Spelling<NtpSource>> spellings(NtpSource) { return ntp_rows; }
std::span<const Spelling<BootloaderKind>> spellings(BootloaderKind) { return bootloader_rows; }
std::span<const Spelling<BootloaderLocation>> spellings(BootloaderLocation) { return location_rows; }
std::span<const Spelling<NetworkBackend>> spellings(NetworkBackend) { return backend_rows; }

}  // namespace xcp::answerfile
