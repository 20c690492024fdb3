#include "server/inventory/secrets.hpp"

#include "server/inventory/sqlite.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

namespace xcp::inventory {

std::string new_token()
{
    std::array<unsigned char, 16> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw InventoryError("cannot draw random bytes for a token");
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (const auto b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

std::string sha512_crypt(const Secret& password)
{
    std::array<char, CRYPT_GENSALT_OUTPUT_SIZE> salt{};
    // Null random bytes: libxcrypt draws them from the kernel itself.
    if (crypt_gensalt_rn("$6$", 0, nullptr, 0, salt.data(), static_cast<int>(salt.size())) == nullptr) {
        throw InventoryError("cannot make a salt for the root password hash");
    }
    crypt_data data{};
    const char* hash = crypt_rn(password.reveal().c_str(), salt.data(), &data, sizeof data);
    if (hash == nullptr || hash[0] == '*') {
        throw InventoryError("cannot hash the root password");
    }
    std::string out(hash);
    OPENSSL_cleanse(&data, sizeof data);
    return out;
}

bool equal_secrets(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace xcp::inventory
