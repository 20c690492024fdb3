// Answerfile XML from a user's file or an HTTP server: parse, validate, and
// for what parses, write it back and parse that again.
#include "libxcp/answerfile/parser.hpp"
#include "libxcp/answerfile/summary.hpp"
#include "libxcp/answerfile/writer.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace xcp::answerfile;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    for (const bool strict : {false, true}) {
        const auto result = parse(text, {.strict = strict});
        for (const auto& d : result.diagnostics.all()) {
            (void)format(d, "fuzz.xml");
        }
        if (result.model) {
            (void)to_json_text(*result.model);
            (void)to_text(*result.model);
        }
        if (result.valid()) {
            const auto again = parse(write(*result.model));
            // The writer's output of a valid model is valid and means the same.
            if (!again.valid() || !(*again.model == *result.model)) {
                std::abort();
            }
        }
    }
    return 0;
}
