// `host import FILE.csv`: a user's file, line by line.
#include "server/cli/csv.hpp"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    try {
        const auto fields = xcp::cli::split_csv_line(line);
        std::size_t total = 0;
        for (const auto& f : fields) {
            total += f.size();
        }
        if (fields.empty() || total > size) {
            std::abort();
        }
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
