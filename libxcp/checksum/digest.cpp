#include "libxcp/checksum/digest.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace xcp::checksum {

struct Digest::Context {
    struct Free {
        void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
    };
    std::unique_ptr<EVP_MD_CTX, Free> ctx{EVP_MD_CTX_new()};
};

Digest::Digest(Algorithm algorithm) : context_(std::make_unique<Context>())
{
    const EVP_MD* md = algorithm == Algorithm::md5 ? EVP_md5() : EVP_sha256();
    if (!context_->ctx || EVP_DigestInit_ex(context_->ctx.get(), md, nullptr) != 1) {
        throw std::runtime_error("OpenSSL could not start a digest");
    }
}

Digest::~Digest() = default;
Digest::Digest(Digest&&) noexcept = default;
Digest& Digest::operator=(Digest&&) noexcept = default;

void Digest::update(std::span<const std::byte> bytes)
{
    EVP_DigestUpdate(context_->ctx.get(), bytes.data(), bytes.size());
}

void Digest::update(std::string_view text)
{
    EVP_DigestUpdate(context_->ctx.get(), text.data(), text.size());
}

std::string Digest::hex()
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(context_->ctx.get(), out, &n);
    constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < n; ++i) {
        hex += digits[out[i] >> 4];
        hex += digits[out[i] & 0xF];
    }
    return hex;
}

std::string hex_of(Algorithm algorithm, std::string_view bytes)
{
    Digest d(algorithm);
    d.update(bytes);
    return d.hex();
}

std::string hex_of_file(Algorithm algorithm, const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::system_error(errno, std::generic_category(), "cannot read " + file.string());
    }
    Digest d(algorithm);
    std::vector<char> buffer(1 << 20);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        d.update(std::string_view(buffer.data(), static_cast<std::size_t>(in.gcount())));
    }
    return d.hex();
}

}  // namespace xcp::checksum
