#pragma once

#include "libxcp/util/secret.hpp"

#include <string>

namespace xcp::inventory {

// 128 random bits as 32 hex digits, from OpenSSL's CSPRNG: a host's
// answerfile token.
std::string new_token();

// SHA-512 crypt ($6$, random salt) of a plain-text root password: the only
// form in which a password is stored or served.
std::string sha512_crypt(const Secret& password);

// Compares without leaking, through timing, how much of a secret matched.
bool equal_secrets(std::string_view a, std::string_view b);

}  // namespace xcp::inventory
