// What arrives on the HTTP port from anyone: Beast's parser with the
// server's limits, then the product's routing (tokens, reports, agent events,
// admin API, files, ranges) against a real inventory in a temporary
// directory.
#include "server/boot/boot_config.hpp"
#include "server/boot/profiles.hpp"
#include "server/files/confined_root.hpp"
#include "server/inventory/inventory.hpp"
#include "server/service/host_admin.hpp"
#include "server/http/request_reader.hpp"
#include "server/service/provisioning_service.hpp"

#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace {


// One world per fuzzing process: building it per input would measure SQLite.
struct World {
    std::filesystem::path dir;
    std::unique_ptr<xcp::inventory::Inventory> inventory;
    std::unique_ptr<xcp::boot::Profiles> profiles;
    std::unique_ptr<xcp::boot::BootTemplates> templates;
    std::unique_ptr<xcp::files::ConfinedRoot> http_root, tftp_root;
    std::unique_ptr<xcp::service::ProvisioningService> service;
    std::unique_ptr<xcp::service::BootEventRecorder> recorder;
    std::string token;

    World()
    {
        spdlog::set_level(spdlog::level::off);
        std::string pattern = (std::filesystem::temp_directory_path() / "xcp-fuzz-XXXXXX").string();
        dir = ::mkdtemp(pattern.data());
        std::filesystem::create_directories(dir / "http/repo");
        std::filesystem::create_directories(dir / "tftp/xcp-ng");
        std::ofstream(dir / "http/repo/file") << "0123456789";
        inventory = std::make_unique<xcp::inventory::Inventory>(dir / "state");
        profiles = std::make_unique<xcp::boot::Profiles>(XCP_SOURCE_DIR "/answerfiles/profiles");
        templates = std::make_unique<xcp::boot::BootTemplates>(XCP_SOURCE_DIR "/pxe-templates");
        http_root = std::make_unique<xcp::files::ConfinedRoot>(dir / "http", "HTTP root");
        tftp_root = std::make_unique<xcp::files::ConfinedRoot>(dir / "tftp", "TFTP root");
        xcp::service::ServiceSettings s;
        s.site.server = "192.0.2.10";
        s.site.http_url = "http://192.0.2.10";
        s.site.repository_url = "http://192.0.2.10/repo/";
        s.api_token = "fuzz-admin-token";
        service = std::make_unique<xcp::service::ProvisioningService>(s, *inventory, *profiles, *templates, *http_root,
                                                                      *tftp_root);
        recorder = std::make_unique<xcp::service::BootEventRecorder>(*inventory);
        service->record_boots(recorder.get());
        auto host = xcp::service::new_host("52:54:00:12:34:56", "default", {}, *profiles);
        token = *host.token;
        inventory->add(host);
    }
};

// One request through the product: the log never shows a token where a route
// takes one, and only repo/file (10 bytes) can be sent.
void serve_one(World& world, const xcp::http::Request& request)
{
    // Where a route takes a token, the log never shows it. (A client may put
    // a token it knows anywhere else in a path; that is no leak of ours.)
    const std::string_view target(request.target().data(), request.target().size());
    const auto logged = world.service->loggable_target(target);
    for (const auto* route : {"/answerfile/", "/api/v1/report/", "/api/v1/report-script/", "/api/v1/hosts/"}) {
        if (target.starts_with(std::string(route) + world.token) && logged.find(world.token) != std::string::npos) {
            std::abort();
        }
    }
    const xcp::http::Client client{boost::asio::ip::make_address("192.0.2.50"), 1};
    auto reply = world.service->handle(request, client);
    if (reply.file && reply.file->offset + reply.file->length > 10) {
        std::abort();
    }
    // What the server then records of it (boot fetches become events).
    world.service->served({client, request.method(), std::string(target), reply.status,
                           reply.file ? reply.file->length : reply.body.size(), 1.0, true});
    world.recorder->flush();
}

}  // namespace

// The bytes go through the server's own reader (the one its sessions use,
// with its limits), in pieces as a socket would deliver them: the first byte
// picks the piece size. Pipelined requests are each served.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static World world;
    if (size == 0) {
        return 0;
    }
    const std::size_t piece = 1 + data[0] % 97;
    ++data;
    --size;
    // The limits the server's sessions get: the service's per-route body limits.
    xcp::http::RequestLimits limits;
    limits.body_limit = [](const xcp::http::Request& header) { return world.service->body_limit(header); };
    limits.largest_body_bytes = world.service->largest_body_limit();
    xcp::http::RequestReader reader(limits);
    std::size_t at = 0;
    for (int requests = 0; requests < 16;) {
        auto outcome = reader.parse();
        if (auto* request = std::get_if<xcp::http::Request>(&outcome)) {
            serve_one(world, *request);
            reader.reset();
            ++requests;
            continue;
        }
        if (std::holds_alternative<xcp::http::RequestReader::Refused>(outcome) || at == size) {
            return 0;
        }
        auto space = reader.prepare();
        const auto n = std::min({piece, size - at, space.size()});
        std::memcpy(space.data(), data + at, n);
        reader.commit(n);
        at += n;
    }
    return 0;
}
