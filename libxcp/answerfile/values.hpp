// Value checks specific to answerfiles. Each returns an empty string when the
// value is fine, else what is wrong in words an operator can act on.
#pragma once

#include "libxcp/answerfile/model.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace xcp::answerfile {

// yes/no/true/false in any case; anything else is not a boolean.
std::optional<bool> parse_bool(std::string_view text);

// sda, /dev/sda, nvme0n1, md127, cciss/c0d0, disk/by-id/scsi-..., disk/by-path/...
std::string check_disk_name(std::string_view text);
// Area/City (Europe/London, America/Argentina/Buenos_Aires), UTC, Etc/GMT+5.
std::string check_timezone(std::string_view text);
std::string check_keymap(std::string_view text);
std::string check_hostname(std::string_view text);
// The text of a <source>, <driver-source> or <script> of the given type.
std::string check_source_location(SourceType type, std::string_view text);
// A crypt(3) hash as written with type="hash".
std::string check_password_hash(std::string_view text);
// "/dev/sda" and "sda" name the same disk.
std::string canonical_disk(std::string_view text);

}  // namespace xcp::answerfile
