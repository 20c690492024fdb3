#include "server/inventory/secrets.hpp"

#include "server/inventory/sqlite.hpp"
#include "libxcp/checksum/password_hash.hpp"

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
    try {
        return checksum::sha512_crypt(password);
    } catch (const std::runtime_error& e) {
        throw InventoryError(e.what());
    }
}

bool equal_secrets(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace xcp::inventory
