#include "installer-agent/source/open.hpp"

#include "installer-agent/source/nfs_mount.hpp"
#include "installer-agent/unpack/archive_sink.hpp"
#include "libxcp/repository/ftp_source.hpp"
#include "libxcp/repository/http_source.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace xcp::installer {
namespace {

bool remote(const std::string& where)
{
    return where.starts_with("http://") || where.starts_with("https://") || where.starts_with("ftp://") ||
           where.starts_with("nfs://");
}

}  // namespace

std::unique_ptr<repository::Source> open_repository(const std::string& where)
{
    if (where.starts_with("ftp://")) {
        return std::make_unique<repository::FtpSource>(where);
    }
    if (where.starts_with("nfs://")) {
        const auto spec = nfs_spec(where);
        if (spec.empty()) {
            throw repository::SourceError("'" + where + "' is not nfs://server:/path");
        }
        return open_nfs_repository(spec);
    }
    if (remote(where)) {
        return std::make_unique<repository::HttpSource>(where);
    }
    std::string path = where;
    if (path.starts_with("file://")) {
        path = path.substr(7);
    } else if (path.find("://") != std::string::npos) {
        throw repository::SourceError("'" + where + "': directories, file://, http://, https://, ftp:// and "
                                      "nfs:// sources can be read");
    }
    if (!std::filesystem::is_directory(path)) {
        throw repository::SourceError("'" + where + "' is not a directory");
    }
    return std::make_unique<repository::DirectorySource>(path);
}

std::unique_ptr<repository::Source> open_repository_or_say(const std::string& where)
{
    try {
        return open_repository(where);
    } catch (const repository::SourceError& e) {
        std::cerr << "xcp-installer: " << e.what() << '\n';
        return nullptr;
    }
}

std::string bzip2_program(const std::string& option)
{
    return option == "auto" ? parallel_bzip2() : std::string();
}

std::string fetch_text(const std::string& where)
{
    if (remote(where)) {
        const auto slash = where.rfind('/');
        const auto name = where.substr(slash + 1);
        auto text = open_repository(where.substr(0, slash + 1))->read_small(name);
        if (!text) {
            throw repository::SourceError(where + ": not found");
        }
        return *text;
    }
    if (where.find("://") != std::string::npos && !where.starts_with("file://")) {
        throw repository::SourceError("'" + where + "': http://, https://, ftp://, nfs:// and file:// can be "
                                      "fetched");
    }
    const auto path = where.starts_with("file://") ? where.substr(7) : where;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw repository::SourceError(path + ": cannot be read");
    }
    return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace xcp::installer
