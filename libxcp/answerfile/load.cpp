#include "libxcp/answerfile/load.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace xcp::answerfile {

ParseResult load_file(const std::filesystem::path& path, const ParseOptions& options)
{
    ParseResult failed;
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec) {
        failed.diagnostics.error({}, "cannot read the file: " + ec.message());
        return failed;
    }
    if (!std::filesystem::is_regular_file(status)) {
        failed.diagnostics.error({}, "is not a regular file; expected an XML answerfile");
        return failed;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        failed.diagnostics.error({}, std::string("cannot open the file: ") + std::strerror(errno));
        return failed;
    }
    // One byte past the limit is enough to know the file is too large.
    std::string text(max_answerfile_bytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_answerfile_bytes) {
        const auto size = std::filesystem::file_size(path, ec);
        failed.diagnostics.error({}, "the file is " + (ec ? std::string("over 1 MiB") : std::to_string(size) + " bytes") +
                                         "; an answerfile larger than 1 MiB is refused");
        return failed;
    }
    return parse(text, options);
}

}  // namespace xcp::answerfile
