#include "server/cli/serve_command.hpp"

#include "server/cli/common_options.hpp"
#include "server/cli/config_file.hpp"
#include "server/cli/dhcp_options.hpp"
#include "server/cli/network_interface.hpp"
#include "server/dhcp/probe.hpp"
#include "server/cli/exit_codes.hpp"
#include "server/cli/logging.hpp"
#include "server/cli/privileges.hpp"
#include "server/boot/boot_config.hpp"
#include "server/http/server.hpp"
#include "server/boot/profiles.hpp"
#include "server/inventory/inventory.hpp"
#include "server/inventory/location.hpp"
#include "server/inventory/token_file.hpp"
#include "server/service/boot_event_recorder.hpp"
#include "server/service/boot_observations.hpp"
#include "server/service/provisioning_service.hpp"
#include "server/service/inventory_timer.hpp"
#include "server/service/stall_watch.hpp"
#include "server/tftp/root_resolver.hpp"
#include "server/tftp/server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <optional>
#include <thread>

#include <sched.h>

namespace xcp::cli {
namespace {

namespace asio = boost::asio;

// The cores this process may run on (taskset, a cgroup's cpuset), else the
// machine's.
unsigned cores_available()
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) {
        return static_cast<unsigned>(CPU_COUNT(&set));
    }
    return std::max(1U, std::thread::hardware_concurrency());
}

struct ServeArgs {
    std::string config;
    DhcpArgs dhcp;
    Paths paths;
    std::string tftp_root;
    std::string http_root;
    std::string listen = "127.0.0.1";
    std::string advertise;
    std::string repository_url;
    std::string api_token_file;
    std::string unknown_hosts = "local";
    boot::Site boot_files;  // only xen, kernel, image are read
    std::uint16_t tftp_port = 69;
    std::uint16_t http_port = 80;
    std::uint16_t max_blksize = 1468;
    std::uint16_t max_windowsize = 64;
    std::size_t max_transfers = 1024;
    std::size_t max_per_client = 32;
    unsigned timeout_ms = 1000;
    // A client's RFC 2349 timeout multiplies how long a lost client holds its
    // slot; PXE ROMs ask none, curl a few seconds.
    unsigned max_client_timeout_s = 10;
    unsigned tftp_stall_s = 45;
    std::size_t events_keep = inventory::Inventory::default_events_keep;
    std::size_t backups_keep = 3;
    std::size_t backup_max_mib = 64;
    double stall_after_min = 20;
    std::string server_name;  // --server-name; default: the machine's hostname
    std::string segment;
    std::string ui_dir = data_dir() + "/ui";
    double host_events_rate = 5;
    bool bind_tokens = false;
    bool check_only = false;  // --check
    std::string user;         // --user: drop to it once bound
    int retransmits = 6;
    std::size_t cache_mib = 1024;
    // Larger files are read block by block: reading one whole on its first
    // request happens in the I/O thread and would stall other transfers.
    std::size_t cache_file_mib = 64;
    double http_rate = 200;
    std::size_t http_max_connections = 1024;
    std::size_t http_max_per_client = 64;
    unsigned http_request_timeout_s = 15;
    unsigned http_send_timeout_s = 30;
    unsigned threads = cores_available();
    std::string log_level = "info";
};

tftp::ServerSettings tftp_settings(const ServeArgs& args, const asio::ip::address& address)
{
    tftp::ServerSettings s;
    s.listen = {address, args.tftp_port};
    s.limits.max_blksize = args.max_blksize;
    s.limits.max_windowsize = args.max_windowsize;
    s.limits.max_timeout_s = static_cast<std::uint8_t>(args.max_client_timeout_s);
    s.max_transfers = args.max_transfers;
    s.max_transfers_per_client = args.max_per_client;
    s.transfer.timeout = std::chrono::milliseconds(args.timeout_ms);
    s.transfer.max_retransmits = args.retransmits;
    s.transfer.max_stall = std::chrono::seconds(args.tftp_stall_s);
    return s;
}

// Runs `io` until it is stopped. Each protocol catches in its own handlers,
// with the connection or packet named; this is the net under those.
void run_guarded(asio::io_context& io, const char* what)
{
    for (;;) {
        try {
            io.run();
            return;
        } catch (const std::exception& e) {
            spdlog::error("{}: a handler failed and its work was dropped: {}", what, e.what());
        }
    }
}

// A second event loop on a thread of its own, stopped and joined however the
// scope ends.
class LoopThreads {
public:
    LoopThreads(asio::io_context& io, unsigned count, const char* what) : io_(io)
    {
        for (unsigned i = 0; i < std::max(count, 1U); ++i) {
            threads_.emplace_back([this, what] { run_guarded(io_, what); });
        }
    }
    LoopThreads(const LoopThreads&) = delete;
    LoopThreads& operator=(const LoopThreads&) = delete;
    ~LoopThreads()
    {
        io_.stop();
        for (auto& t : threads_) {
            t.join();
        }
    }

private:
    asio::io_context& io_;
    std::vector<std::thread> threads_;
};

// Event loops of one thread each, running until stop() (or the scope ends)
// even with nothing to do: TFTP transfers and HTTP connections are spread
// over them, so that their packets never wake another thread
// (tftp::Server::run_transfers_on, http::Server::run_connections_on).
// Declared before the main io_context, which they outlive: what it holds at
// its end (a pending accept's socket) belongs to them. Stopped before the
// servers stop (LoopsStopped on every way out).
class OwnLoops {
public:
    OwnLoops(unsigned count, const char* what)
    {
        for (unsigned i = 0; i < std::max(count, 1U); ++i) {
            auto& loop = loops_.emplace_back(std::make_unique<Loop>());
            loop->thread = std::thread([io = &loop->io, what] { run_guarded(*io, what); });
        }
    }
    OwnLoops(const OwnLoops&) = delete;
    OwnLoops& operator=(const OwnLoops&) = delete;
    ~OwnLoops() { stop(); }

    [[nodiscard]] std::vector<asio::any_io_executor> executors() const
    {
        std::vector<asio::any_io_executor> out;
        for (const auto& loop : loops_) {
            out.emplace_back(loop->io.get_executor());
        }
        return out;
    }
    // Returns once no thread runs them: what was posted stays, undone.
    void stop()
    {
        for (auto& loop : loops_) {
            loop->io.stop();
        }
        for (auto& loop : loops_) {
            if (loop->thread.joinable()) {
                loop->thread.join();
            }
        }
    }

private:
    struct Loop {
        asio::io_context io{1};
        asio::executor_work_guard<asio::io_context::executor_type> busy{io.get_executor()};
        std::thread thread;
    };
    std::vector<std::unique_ptr<Loop>> loops_;
};

// With more than one thread, loops for the transfers and connections; with
// one, none (the server's own loop has no other thread to wake).
std::unique_ptr<OwnLoops> own_loops(unsigned threads)
{
    return threads <= 1 ? nullptr : std::make_unique<OwnLoops>(threads, "serve");
}

// Declared after the servers: stops the loops first however the scope ends,
// so that no other thread runs when the servers stop.
class LoopsStopped {
public:
    LoopsStopped(OwnLoops* loops, tftp::Server& tftp, http::Server* http) : loops_(loops)
    {
        if (loops_ != nullptr) {
            tftp.run_transfers_on(loops_->executors());
            if (http != nullptr) {
                http->run_connections_on(loops_->executors());
            }
        }
    }
    LoopsStopped(const LoopsStopped&) = delete;
    LoopsStopped& operator=(const LoopsStopped&) = delete;
    ~LoopsStopped() { stop(); }
    void stop()
    {
        if (loops_ != nullptr) {
            loops_->stop();
        }
    }

private:
    OwnLoops* loops_;
};

// Runs `io` on `threads` threads until SIGINT or SIGTERM; SIGHUP calls
// `reload` and goes on. Returns once every thread has left the loop, so the
// caller stops its servers with no other thread running them.
template <typename Reload>
void run_until_signal(asio::io_context& io, unsigned threads, Reload reload)
{
    asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal = [&](const auto& error, int signal) {
        if (error) {
            return;
        }
        if (signal == SIGHUP) {
            reload();
            signals.async_wait(on_signal);
            return;
        }
        spdlog::info("signal {}: stopping", signal);
        sd_notify(0, "STOPPING=1");
        io.stop();
    };
    signals.async_wait(on_signal);
    std::optional<LoopThreads> others;
    if (threads > 1) {
        others.emplace(io, threads - 1, "serve");
    }
    run_guarded(io, "serve");
}

void run_until_signal(asio::io_context& io, unsigned threads)
{
    run_until_signal(io, threads, [] { spdlog::info("SIGHUP: nothing to reload when serving files only"); });
}

void log_totals(const tftp::ServerCounters& t)
{
    spdlog::info("tftp: {} requests, {} completed, {} failed, {} refused, {} malformed, {} bytes sent", t.requests,
                 t.completed, t.failed, t.refused, t.malformed, t.bytes);
}

// The admin API's bearer token (inventory::load_token_file), logged when new.
std::string load_api_token(const std::string& file)
{
    bool created = false;
    auto token = inventory::load_token_file(file, created);
    if (created) {
        spdlog::info("admin API token written to {} (mode 0600: readable by this user only)", file);
    }
    return token;
}

// `serve --check`: what serving would load, checked, each problem one line;
// nothing is bound, and nothing but an existing inventory is opened.
int check_setup(const ServeArgs& args, const std::optional<DhcpPlan>& dhcp)
{
    std::vector<std::string> problems;
    std::size_t profile_count = 0;
    try {
        const boot::BootTemplates templates(args.paths.templates_dir);
    } catch (const std::exception& e) {
        problems.emplace_back(e.what());
    }
    const boot::Profiles profiles(args.paths.profiles_dir);
    std::set<std::string> names;
    for (const auto& p : profiles.list()) {
        names.insert(p.name);
        ++profile_count;
        if (!p.problem.empty()) {
            problems.push_back("profile " + p.name + ": " + p.problem);
        }
    }
    if (!names.contains("default")) {
        problems.push_back("profiles directory " + args.paths.profiles_dir +
                           " has no default.xml, the profile a new host gets");
    }
    const auto state = std::filesystem::path(args.paths.state_dir);
    if (!args.paths.inventory.empty() || std::filesystem::exists(state / "inventory.sqlite")) {
        try {
            inventory::Inventory inventory(open_database(args.paths));
            for (const auto& h : inventory.list()) {
                if (!names.contains(h.profile)) {
                    problems.push_back("host " + h.mac + " uses profile " + h.profile + ", which is not in " +
                                       args.paths.profiles_dir);
                }
            }
        } catch (const std::exception& e) {
            problems.emplace_back(e.what());
        }
    }
    const auto token_file =
        args.api_token_file.empty() ? (state / "api-token").string() : args.api_token_file;
    if (auto problem = inventory::token_file_problem(token_file); !problem.empty()) {
        problems.push_back(std::move(problem));
    }
    for (const auto& p : problems) {
        spdlog::error("{}", p);
    }
    if (!problems.empty()) {
        spdlog::error("serve --check: {} problem{}; not serving", problems.size(), problems.size() == 1 ? "" : "s");
        return exit_invalid;
    }
    spdlog::info("serve --check: configuration, boot templates ({}) and {} profile{} are in order",
                 args.paths.templates_dir, profile_count, profile_count == 1 ? "" : "s");
    if (dhcp) {
        spdlog::info("serve --check: DHCP would be {}", dhcp::describe(dhcp->server));
    }
    return exit_ok;
}

// --server-name, or the machine's hostname.
std::string server_name(const ServeArgs& args)
{
    if (!args.server_name.empty()) {
        return args.server_name;
    }
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) == 0 && name[0] != '\0') {
        return name.data();
    }
    return "xcp-pxe";
}

// `serve --tftp-root DIR` alone (the TFTP contract): files only, no
// inventory, no HTTP.
int serve_tftp_only(const ServeArgs& args, const asio::ip::address& address)
{
    const auto loops = own_loops(args.threads);
    asio::io_context io(static_cast<int>(args.threads));
    try {
        const files::ConfinedRoot tftp_root(args.tftp_root, "TFTP root");
        tftp::FileCache cache(args.cache_mib << 20, args.cache_file_mib << 20);
        tftp::RootResolver files(tftp_root, cache);
        tftp::Server tftp_server(io, tftp_settings(args, address), files);
        LoopsStopped loops_stopped(loops.get(), tftp_server, nullptr);
        tftp_server.start();
        sd_notify(0, "READY=1\nSTATUS=serving TFTP");
        spdlog::info("serving TFTP from {} (files only: give --state-dir and --http-root to serve hosts)",
                     args.tftp_root);
        run_until_signal(io, args.threads);
        loops_stopped.stop();
        tftp_server.stop();
        log_totals(tftp_server.counters());
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return exit_failure;
    }
    return exit_ok;
}

// Full mode hands out addresses only where nobody else does: one
// DHCPDISCOVER first, and any offer refuses the start. The sentence that
// refuses, or nullopt.
std::optional<std::string> look_for_other_dhcp_servers(const std::string& interface,
                                                       const std::optional<dhcp::Mac>& mac, std::chrono::seconds wait)
{
    if (!mac) {
        return "--dhcp full on " + interface + ": it has no Ethernet address to look for another DHCP server from";
    }
    spdlog::info("dhcp: looking for another DHCP server on {} for {} s before handing out addresses", interface,
                 wait.count());
    const auto probe = dhcp::probe_for_servers(interface, *mac, wait);
    if (const auto* why = std::get_if<std::string>(&probe)) {
        return *why + " (--dhcp-probe 0 starts without looking)";
    }
    const auto& servers = std::get<std::vector<dhcp::OtherServer>>(probe);
    if (servers.empty()) {
        spdlog::info("dhcp: no other DHCP server answered on {}", interface);
        return std::nullopt;
    }
    std::string names;
    for (const auto& s : servers) {
        names += (names.empty() ? "" : "; ") + dhcp::describe(s);
    }
    return "another DHCP server answers on " + interface + " (" + names +
           "): full DHCP would hand out conflicting addresses beside it, so xcp-pxe does not start; use --dhcp "
           "proxy instead (scripts/lab without --isolated): that server keeps giving addresses and xcp-pxe answers "
           "only PXE clients with their boot files";
}

int serve(ServeArgs args, bool state_dir_given, bool listen_given)
{
    setup_logging(args.log_level);
    std::optional<NetworkInterface> interface;
    if (!args.dhcp.interface.empty()) {
        interface = find_interface(args.dhcp.interface);
        if (!interface) {
            spdlog::error("--interface {}: no such interface, or it has no IPv4 address", args.dhcp.interface);
            return exit_usage;
        }
        if (!listen_given) {
            args.listen = interface->address;
        }
    }
    if (args.tftp_root.empty()) {
        spdlog::error("serve needs --tftp-root (or tftp-root in --config)");
        return exit_usage;
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(args.listen, ec);
    if (ec) {
        spdlog::error("--listen {}: not an IP address", args.listen);
        return exit_usage;
    }
    const bool dhcp_wanted = !args.dhcp.mode.empty() ? args.dhcp.mode != "off" : !args.dhcp.interface.empty();
    if (args.http_root.empty() && !state_dir_given && !dhcp_wanted && !args.check_only) {
        return serve_tftp_only(args, address);
    }
    if (args.http_root.empty()) {
        spdlog::error("serving hosts needs --http-root (the install repository; or http-root in --config)");
        return exit_usage;
    }
    const auto advertise = args.advertise.empty() ? args.listen : args.advertise;
    if (asio::ip::make_address(advertise, ec).is_unspecified()) {
        spdlog::error("--listen {} is every address: give --advertise ADDR, the address hosts reach this server on",
                      args.listen);
        return exit_usage;
    }
    auto dhcp_plan =
        plan_dhcp(args.dhcp, advertise, interface ? std::optional(interface->netmask) : std::optional<dhcp::Ipv4>());
    if (const auto* why = std::get_if<std::string>(&dhcp_plan)) {
        spdlog::error("{}", *why);
        return exit_usage;
    }
    const auto& dhcp = std::get<std::optional<DhcpPlan>>(dhcp_plan);
    const auto unknown = parse_unknown_hosts(args.unknown_hosts);
    if (!unknown) {
        spdlog::error("--unknown-hosts must be local or menu, not '{}'", args.unknown_hosts);
        return exit_usage;
    }
    if (args.check_only) {
        return check_setup(args, dhcp);
    }
    if (dhcp && dhcp->server.mode == dhcp::Mode::full && dhcp->probe.count() > 0) {
        if (const auto refused = look_for_other_dhcp_servers(args.dhcp.interface, interface->mac, dhcp->probe)) {
            spdlog::error("{}", *refused);
            return exit_failure;
        }
    }

    const auto loops = own_loops(args.threads);
    asio::io_context io(static_cast<int>(args.threads));
    try {
        // A server started before its PostgreSQL (a rack powered on at once)
        // serves plain files and answers 503 until the database answers.
        inventory::Inventory inventory(open_database(args.paths, inventory::Reach::later), args.events_keep,
                                       inventory::Reach::later);
        const boot::Profiles profiles(args.paths.profiles_dir);
        for (const auto& p : profiles.list()) {
            if (!p.problem.empty()) {
                spdlog::warn("profile {}: {}", p.name, p.problem);
            }
        }
        const boot::BootTemplates templates(args.paths.templates_dir);
        const files::ConfinedRoot tftp_root(args.tftp_root, "TFTP root");
        const files::ConfinedRoot http_root(args.http_root, "HTTP root");

        service::ServiceSettings service_settings;
        service_settings.site = make_site(advertise, args.http_port, args.repository_url);
        service_settings.site.xen = args.boot_files.xen;
        service_settings.site.kernel = args.boot_files.kernel;
        service_settings.site.image = args.boot_files.image;
        service_settings.unknown_hosts = *unknown;
        service_settings.host_events_per_second = args.host_events_rate;
        service_settings.bind_tokens_to_address = args.bind_tokens;
        const auto location = inventory::parse_location(args.paths.inventory, args.paths.state_dir);
        service_settings.shared_inventory = location.backend == inventory::Location::Backend::postgresql;
        inventory::make_state_dir(args.paths.state_dir);  // the API token's, whichever the inventory
        service_settings.api_token = load_api_token(
            args.api_token_file.empty() ? (std::filesystem::path(args.paths.state_dir) / "api-token").string()
                                        : args.api_token_file);
        service_settings.max_backup_bytes = args.backup_max_mib << 20;
        service::ProvisioningService service(service_settings, inventory, profiles, templates, http_root, tftp_root);
        // SQLite's writers, any process's, write its files; a shared
        // PostgreSQL's other servers write where no watch here sees.
        std::optional<files::ChangeWatch> changes;
        if (!service_settings.shared_inventory) {
            changes.emplace(std::vector<std::filesystem::path>{
                std::filesystem::absolute(location.file).parent_path(), args.paths.profiles_dir});
            if (changes->able()) {
                service.watch_changes(&*changes);
            }
        }
        backup::BackupStore backups(std::filesystem::path(args.paths.state_dir) / "backups", args.backups_keep);
        service.keep_backups(&backups);
        std::optional<files::ConfinedRoot> ui_root;
        if (std::filesystem::is_directory(args.ui_dir)) {
            ui_root.emplace(args.ui_dir, "UI directory");
            service.serve_ui(&*ui_root);
        } else {
            spdlog::warn("the operator's page is off: {} is not a directory (--ui-dir)", args.ui_dir);
        }
        // Hosts' DHCP answers, TFTP transfers and HTTP fetches become their
        // events; written on the inventory thread, in batches.
        service::BootEventRecorder boot_events(inventory);
        service.record_boots(&boot_events);

        tftp::FileCache cache(args.cache_mib << 20, args.cache_file_mib << 20);
        tftp::RootResolver files(tftp_root, cache);
        tftp::OverlayResolver resolver(
            [&service](std::string_view path, const asio::ip::address& client) {
                return service.generated_tftp_file(path, client);
            },
            [](std::string_view path) { return boot::classify_tftp_path(path).has_value(); }, files);
        // Everything that reads or writes the inventory runs here, one call at
        // a time, so that a held SQLite lock (a CLI import) never stalls TFTP
        // transfers or static files. Joined before the service goes.
        asio::thread_pool inventory_thread(1);
        boot_events.run_on(inventory_thread.get_executor());
        tftp::Server tftp_server(io, tftp_settings(args, address), resolver, inventory_thread.get_executor());
        tftp_server.observe([&boot_events](const tftp::TransferResult& t) {
            if (auto fetch = service::fetch_from_tftp(t)) {
                boot_events.record(std::move(*fetch));
            }
        });
        service::StallWatch stalls(io, inventory_thread.get_executor(), inventory,
                                   std::chrono::milliseconds(static_cast<std::int64_t>(args.stall_after_min * 60000)));
        try {
            inventory.register_server({server_name(args), args.segment, service_settings.site.http_url, "", ""});
        } catch (const inventory::InventoryUnavailable&) {
            spdlog::warn("this server registers itself when the inventory answers");
        }
        // A shared inventory's servers see that this one is alive.
        service::InventoryTimer heartbeat(io, inventory_thread.get_executor(), std::chrono::seconds(30), "heartbeat",
                                          [&inventory] { inventory.heartbeat(); });

        http::ServerSettings http_settings;
        http_settings.listen = {address, args.http_port};
        http_settings.requests_per_second_per_client = args.http_rate;
        http_settings.request_burst_per_client = args.http_rate * 2;
        http_settings.max_connections = args.http_max_connections;
        http_settings.max_connections_per_client = args.http_max_per_client;
        http_settings.request_timeout = std::chrono::seconds(args.http_request_timeout_s);
        http_settings.send_stall_timeout = std::chrono::seconds(args.http_send_timeout_s);
        http::Server http_server(io, http_settings, service, inventory_thread.get_executor());
        LoopsStopped loops_stopped(loops.get(), tftp_server, &http_server);
        service.watch(&tftp_server.counters(), &http_server.counters());

        // DHCP waits on the inventory for every answer: it has a loop, threads
        // and database connections of its own, one each per thread. At most
        // four: a PostgreSQL shared by many servers counts its connections.
        const unsigned dhcp_threads = std::min(args.threads, 4U);
        asio::io_context dhcp_io(static_cast<int>(dhcp_threads));
        std::optional<service::InventoryPool> dhcp_inventory;
        std::unique_ptr<service::DhcpBootDecider> decider;
        std::unique_ptr<service::InventoryLeaseStore> leases;
        std::unique_ptr<dhcp::Server> dhcp_server;
        if (dhcp) {
            dhcp_inventory.emplace(dhcp_threads, [&] {
                auto connection = std::make_unique<inventory::Inventory>(
                    open_database(args.paths, inventory::Reach::later), args.events_keep, inventory::Reach::later);
                connection->sign_as(server_name(args));
                return connection;
            });
            service::DhcpBootSettings boot_settings;
            boot_settings.site = service_settings.site;
            boot_settings.next_server = dhcp->server.server;
            boot_settings.bios_loader = args.dhcp.bios_loader;
            boot_settings.efi_loader = args.dhcp.efi_loader;
            boot_settings.netboot_off = dhcp->netboot_off;
            boot_settings.ipxe_script = args.dhcp.ipxe == "script";
            decider = std::make_unique<service::DhcpBootDecider>(boot_settings, *dhcp_inventory);
            leases = std::make_unique<service::InventoryLeaseStore>(*dhcp_inventory);
            dhcp_server = std::make_unique<dhcp::Server>(dhcp_io, dhcp->server, *decider, leases.get());
            dhcp_server->observe([&boot_events](const dhcp::Answered& a) {
                if (auto fetch = service::fetch_from_dhcp(a)) {
                    boot_events.record(std::move(*fetch));
                }
            });
        }

        tftp_server.start();
        http_server.start();
        stalls.start();
        heartbeat.start();
        std::optional<LoopThreads> dhcp_thread;
        if (dhcp_server) {
            dhcp_server->start();
            dhcp_thread.emplace(dhcp_io, dhcp_threads, "dhcp");
        }
        if (!args.user.empty()) {
            drop_privileges(args.user, args.paths.state_dir);
            spdlog::info("running as user {} (uid {}), with no capabilities: every socket is bound", args.user,
                         ::getuid());
        }
        // systemd (Type=notify): every socket is bound. Outside systemd, nothing.
        sd_notify(0, "READY=1\nSTATUS=serving");
        spdlog::info("serving TFTP on {}:{} from {}, HTTP on {}:{} from {}, on {} thread{}; {}; hosts "
                     "reach us at {}",
                     args.listen, tftp_server.local_endpoint().port(), args.tftp_root, args.listen,
                     http_server.local_endpoint().port(), args.http_root, args.threads, args.threads == 1 ? "" : "s",
                     inventory.name(), service_settings.site.http_url);

        const auto reload = [&] {
            // Read and checked here; swapped where the service runs, between
            // two requests. Transfers in flight keep what they were sent.
            sd_notify(0, "RELOADING=1");
            try {
                auto fresh = std::make_shared<const boot::BootTemplates>(args.paths.templates_dir);
                asio::post(inventory_thread, [&service, fresh = std::move(fresh)]() mutable {
                    service.replace_templates(std::move(fresh));
                });
                spdlog::info("SIGHUP: boot templates reloaded from {}; profiles are read at each use", args.paths.templates_dir);
            } catch (const std::exception& e) {
                spdlog::error("SIGHUP: boot templates not reloaded, the running ones stay: {}", e.what());
            }
            sd_notify(0, "READY=1");
        };
        run_until_signal(io, args.threads, reload);
        loops_stopped.stop();
        tftp_server.stop();
        http_server.stop();
        stalls.stop();
        heartbeat.stop();
        dhcp_thread.reset();
        if (dhcp_server) {
            dhcp_server->stop();
        }
        log_totals(tftp_server.counters());
        const auto& h = http_server.counters();
        spdlog::info("http: {} connections, {} requests, {} bytes sent", h.connections, h.requests, h.bytes);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return exit_failure;
    }
    return exit_ok;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code)
{
    auto args = std::make_shared<ServeArgs>();
    auto* cmd = app.add_subcommand("serve", "Run the PXE server: TFTP, HTTP (boot files, answerfiles, status, "
                                            "admin API, metrics) and the DHCP helper in one process");
    cmd->add_option("--config", args->config, "TOML file with the same settings as the flags (flags override it)")
        ->check(CLI::ExistingFile);
    add_path_options(*cmd, args->paths);
    cmd->add_option("--tftp-root", args->tftp_root, "Directory served over TFTP (pxelinux.0, mboot.c32, xen.gz, ...)")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--http-root", args->http_root, "Directory served over HTTP (install repositories)")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--listen", args->listen, "IP address to listen on")->capture_default_str();
    cmd->add_option("--advertise", args->advertise,
                    "Address hosts reach this server on, written into boot configs and answerfiles (default: "
                    "--listen)");
    cmd->add_option("--repository-url", args->repository_url,
                    "Install source for hosts without a release or repository setting (default: "
                    "http://ADVERTISE:HTTP-PORT/repo/)");
    cmd->add_option("--api-token-file", args->api_token_file,
                    "File holding the admin API's bearer token (default: STATE-DIR/api-token, created when missing)");
    cmd->add_option("--unknown-hosts", args->unknown_hosts,
                    "What hosts not in the inventory get: local (boot from disk) or menu (pxelinux menu with a "
                    "manual install entry)")
        ->capture_default_str();
    cmd->add_option("--boot-xen", args->boot_files.xen,
                    "Xen, under the TFTP root, for hosts without a release (theirs: releases/NAME/boot/xen.gz)")
        ->capture_default_str();
    cmd->add_option("--boot-kernel", args->boot_files.kernel, "The installer's kernel, likewise")
        ->capture_default_str();
    cmd->add_option("--boot-image", args->boot_files.image, "The installer's initrd, likewise")
        ->capture_default_str();
    cmd->add_option("--tftp-port", args->tftp_port, "TFTP UDP port")->capture_default_str();
    cmd->add_option("--http-port", args->http_port, "HTTP TCP port")->capture_default_str();
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
    cmd->add_option("--tftp-stall-limit", args->tftp_stall_s,
                    "Seconds a transfer may go without progress, whatever the timeouts, before it ends")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--events-keep", args->events_keep,
                    "Events kept per host, newest first; repeats of the last one are counted, not stored")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--backups-keep", args->backups_keep,
                    "Backups kept per host under the state directory, newest first: the archives upgrading "
                    "installers send before they write anything")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    cmd->add_option("--backup-max-mib", args->backup_max_mib,
                    "Largest backup archive taken, in MiB (a larger one is refused with 413, and its upgrade stops)")
        ->capture_default_str()
        ->check(CLI::Range(1, 4096));
    cmd->add_option("--stall-after", args->stall_after_min,
                    "Minutes a booting or installing host may go without an event before it is shown as stalled "
                    "(0: never)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 10000.0));
    cmd->add_option("--server-name", args->server_name,
                    "This server's name in a shared inventory: events say which server recorded them, and "
                    "`host list` which server each host reached last (default: the machine's hostname)");
    cmd->add_option("--segment", args->segment,
                    "The network segment this server serves (a rack, a subnet, a room), as `server list` shows it");
    cmd->add_option("--ui-dir", args->ui_dir, "Directory of the operator's page, served at /ui/")
        ->capture_default_str();
    cmd->add_option("--host-events-rate", args->host_events_rate,
                    "Events and reports a host may post per second, bursts of ten times that (0: no limit)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1e6));
    cmd->add_flag("--bind-tokens-to-address", args->bind_tokens,
                  "Serve a host's answerfile only to the address our DHCP (full mode) leased to its MAC");
    cmd->add_option("--threads", args->threads,
                    "Threads serving TFTP transfers and HTTP connections (default: one per core this process may "
                    "use; the inventory and DHCP have a thread each besides)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    cmd->add_option("--tftp-cache-mib", args->cache_mib,
                    "Memory for boot files shared across transfers (0: always read from disk)")
        ->capture_default_str();
    cmd->add_option("--tftp-cache-file-mib", args->cache_file_mib, "Largest file held in that memory")
        ->capture_default_str();
    cmd->add_option("--http-rate-limit", args->http_rate,
                    "HTTP requests per second per client address, bursts of twice that (0: no limit)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1e9));
    cmd->add_option("--http-max-connections", args->http_max_connections, "Open HTTP connections in total")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--http-max-per-client", args->http_max_per_client, "Open HTTP connections per client address")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    cmd->add_option("--http-request-timeout", args->http_request_timeout_s,
                    "Seconds to wait for a whole request, keep-alive idle time included")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    cmd->add_option("--http-send-timeout", args->http_send_timeout_s,
                    "Seconds a client may take no data before it is cut off")
        ->capture_default_str()
        ->check(CLI::Range(1, 3600));
    add_dhcp_options(*cmd, args->dhcp);
    cmd->add_option("--log-level", args->log_level, "trace, debug, info, warn or error")->capture_default_str();
    cmd->add_option("--user", args->user,
                    "Once every socket is bound, become this user (its state directory given to it first) and keep "
                    "no capability; for running outside systemd, as lab mode does");
    cmd->add_flag("--check", args->check_only,
                  "Read and check the configuration, boot templates, profiles and API token file, print each "
                  "problem, and exit without serving (0: in order, 1: problems)");
    cmd->callback([cmd, args, &exit_code] {
        if (!args->config.empty()) {
            apply_config_file(*cmd, args->config);
        }
        exit_code = serve(*args, cmd->get_option("--state-dir")->count() > 0, cmd->get_option("--listen")->count() > 0);
    });
}

}  // namespace xcp::cli
