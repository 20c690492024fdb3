#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace xcp::checksum {

enum class Algorithm { md5, sha256 };

// A running digest (OpenSSL EVP): feed bytes as they stream, read the hex at
// the end. MD5 is what legacy XS-PACKAGES manifests carry; SHA-256 the modern
// repodata.
class Digest {
public:
    explicit Digest(Algorithm algorithm);
    ~Digest();
    Digest(Digest&&) noexcept;
    Digest& operator=(Digest&&) noexcept;

    void update(std::span<const std::byte> bytes);
    void update(std::string_view text);
    // Lower-case hex; the digest cannot be fed after this.
    std::string hex();

private:
    struct Context;
    std::unique_ptr<Context> context_;
};

std::string hex_of(Algorithm algorithm, std::string_view bytes);
// Throws std::system_error naming the file when it cannot be read.
std::string hex_of_file(Algorithm algorithm, const std::filesystem::path& file);

}  // namespace xcp::checksum
