#include "libxcp/checksum/password_hash.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <array>

namespace xcp::checksum {

std::string sha512_crypt(const Secret& password)
{
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
    // Null random bytes: libxcrypt draws them from the kernel itself.
    if (crypt_gensalt_rn("$6$", 0, nullptr, 0, salt.data(), static_cast<int>(salt.size())) == nullptr) {
        throw std::runtime_error("cannot make a salt for the root password hash");
    }
    crypt_data data{};
    const char* hash = crypt_rn(password.reveal().c_str(), salt.data(), &data, sizeof data);
    if (hash == nullptr || hash[0] == '*') {
        throw std::runtime_error("cannot hash the root password");
    }
    std::string out(hash);
    OPENSSL_cleanse(&data, sizeof data);
    return out;
}

}  // namespace xcp::checksum
