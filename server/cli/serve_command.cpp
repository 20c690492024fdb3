#include "server/cli/serve_command.hpp"

#include "server/cli/exit_codes.hpp"
#include "server/cli/logging.hpp"
#include "server/tftp/root_resolver.hpp"
#include "server/tftp/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <memory>

namespace xcp::cli {
namespace {

namespace asio = boost::asio;

struct ServeArgs {
    std::string tftp_root;
    std::string listen = "127.0.0.1";
    std::uint16_t tftp_port = 69;
    std::uint16_t max_blksize = 1468;
    std::uint16_t max_windowsize = 64;
    std::size_t max_transfers = 1024;
    std::size_t max_per_client = 32;
    unsigned timeout_ms = 1000;
    unsigned max_client_timeout_s = 255;
    int retransmits = 6;
    std::size_t cache_mib = 1024;
    // Larger files are read block by block: reading one whole on its first
    // request happens in the I/O thread and would stall other transfers.
    std::size_t cache_file_mib = 64;
    std::string log_level = "info";
};

int serve(const ServeArgs& args)
{
    setup_logging(args.log_level);
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(args.listen, ec);
    if (ec) {
        spdlog::error("--listen {}: not an IP address", args.listen);
        return exit_usage;
    }
    asio::io_context io(1);
    tftp::FileCache cache(args.cache_mib << 20, args.cache_file_mib << 20);
    std::unique_ptr<files::ConfinedRoot> tftp_root;
    std::unique_ptr<tftp::RootResolver> root;
    try {
        tftp_root = std::make_unique<files::ConfinedRoot>(args.tftp_root, "TFTP root");
        root = std::make_unique<tftp::RootResolver>(*tftp_root, cache);
    } catch (const std::system_error& e) {
        spdlog::error("{}", e.what());
        return exit_failure;
    }

    tftp::ServerSettings settings;
    settings.listen = {address, args.tftp_port};
    settings.limits.max_blksize = args.max_blksize;
    settings.limits.max_windowsize = args.max_windowsize;
    settings.limits.max_timeout_s = static_cast<std::uint8_t>(args.max_client_timeout_s);
    settings.max_transfers = args.max_transfers;
    settings.max_transfers_per_client = args.max_per_client;
    settings.transfer.timeout = std::chrono::milliseconds(args.timeout_ms);
    settings.transfer.max_retransmits = args.retransmits;
    tftp::Server tftp_server(io, settings, *root);
    try {
        tftp_server.start();
    } catch (const std::system_error& e) {
        spdlog::error("{}", e.what());
        return exit_failure;
    }
    spdlog::info("serving TFTP from {}", args.tftp_root);

    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const auto& error, int signal) {
        if (!error) {
            spdlog::info("signal {}: stopping", signal);
            tftp_server.stop();
            io.stop();
        }
    });
    io.run();
    const auto& c = tftp_server.counters();
    spdlog::info("tftp: {} requests, {} completed, {} failed, {} refused, {} malformed, {} bytes sent", c.requests,
                 c.completed, c.failed, c.refused, c.malformed, c.bytes);
    return exit_ok;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code)
{
    auto args = std::make_shared<ServeArgs>();
    auto* cmd = app.add_subcommand("serve", "Run the PXE server (today: TFTP; HTTP and DHCP join it in the same "
                                            "process as they land)");
    cmd->add_option("--tftp-root", args->tftp_root, "Directory served over TFTP (pxelinux.0, mboot.c32, xen.gz, ...)")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--listen", args->listen, "IP address to listen on")->capture_default_str();
    cmd->add_option("--tftp-port", args->tftp_port, "TFTP UDP port")->capture_default_str();
    cmd->add_option("--tftp-max-blksize", args->max_blksize,
                    "Largest blksize granted (RFC 2348); 1468 fits a 1500-byte MTU")
        ->capture_default_str()
        ->check(CLI::Range(8, 65464));
    cmd->add_option("--tftp-max-windowsize", args->max_windowsize, "Largest windowsize granted (RFC 7440)")
        ->capture_default_str()
        ->check(CLI::Range(1, 65535));
    cmd->add_option("--tftp-max-transfers", args->max_transfers, "Concurrent transfers in total")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--tftp-max-per-client", args->max_per_client, "Concurrent transfers per client address")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--tftp-timeout-ms", args->timeout_ms,
                    "Retransmit timeout when the client asks none (doubles per retry)")
        ->capture_default_str()
        ->check(CLI::Range(10, 255000));
    cmd->add_option("--tftp-max-client-timeout", args->max_client_timeout_s,
                    "Largest RFC 2349 timeout (seconds) granted to a client; larger requests fall back to ours")
        ->capture_default_str()
        ->check(CLI::Range(1, 255));
    cmd->add_option("--tftp-retransmits", args->retransmits, "Retransmissions before a client is taken as gone")
        ->capture_default_str()
        ->check(CLI::Range(1, 100));
    cmd->add_option("--tftp-cache-mib", args->cache_mib,
                    "Memory for boot files shared across transfers (0: always read from disk)")
        ->capture_default_str();
    cmd->add_option("--tftp-cache-file-mib", args->cache_file_mib, "Largest file held in that memory")
        ->capture_default_str();
    cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn or error")->capture_default_str();
    cmd->callback([args, &exit_code] { exit_code = serve(*args); });
}

}  // namespace xcp::cli
