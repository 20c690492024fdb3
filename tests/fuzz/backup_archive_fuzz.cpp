// What a fresh install unpacks when the server sends it a backup to restore:
// any bytes, unpacked into one scratch folder, and nothing written outside
// it (a file named "escaped" beside it would be).
#include "installer-agent/upgrade/backup_archive.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    namespace fs = std::filesystem;
    static const fs::path base = fs::temp_directory_path() / ("backup-archive-fuzz-" + std::to_string(::getpid()));
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    try {
        (void)xcp::installer::unpack_backup_archive(bytes, base / "dest");
    } catch (const std::runtime_error&) {  // NOLINT(bugprone-empty-catch): refusing is the answer
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(base, ec)) {
        if (entry.path().filename() != "dest") {
            std::abort();  // written beside the folder, not in it
        }
    }
    return 0;
}
