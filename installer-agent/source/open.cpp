#include "installer-agent/source/open.hpp"

#include "libxcp/repository/http_source.hpp"

#include <filesystem>
#include <fstream>

namespace xcp::installer {

std::unique_ptr<repository::Source> open_repository(const std::string& where)
{
    if (where.starts_with("http://") || where.starts_with("https://")) {
        return std::make_unique<repository::HttpSource>(where);
    }
    std::string path = where;
    if (path.starts_with("file://")) {
        path = path.substr(7);
    } else if (path.find("://") != std::string::npos) {
        throw repository::SourceError("'" + where + "': directories, file://, http:// and https:// sources can be "
                                      "read; ftp and nfs sources are not written yet");
    }
    if (!std::filesystem::is_directory(path)) {
        throw repository::SourceError("'" + where + "' is not a directory");
    }
    return std::make_unique<repository::DirectorySource>(path);
}

std::string fetch_text(const std::string& where)
{
    if (where.starts_with("http://") || where.starts_with("https://")) {
        const auto slash = where.rfind('/');
        repository::HttpSource source(where.substr(0, slash + 1));
        auto text = source.read_small(where.substr(slash + 1));
        if (!text) {
            throw repository::SourceError(where + ": 404 not found");
        }
        return *text;
    }
    if (where.find("://") != std::string::npos && !where.starts_with("file://")) {
        throw repository::SourceError("'" + where + "': http://, https:// and file:// can be fetched; ftp and nfs "
                                      "are not written yet");
    }
    const auto path = where.starts_with("file://") ? where.substr(7) : where;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw repository::SourceError(path + ": cannot be read");
    }
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace xcp::installer
