#include "server/cli/host_command.hpp"

#include "server/backup/backup_json.hpp"
#include "server/boot/answerfile_render.hpp"
#include "server/boot/profiles.hpp"
#include "server/cli/common_options.hpp"
#include "server/cli/csv.hpp"
#include "server/cli/exit_codes.hpp"
#include "server/inventory/host_vars.hpp"
#include "server/inventory/inventory.hpp"
#include "server/service/host_admin.hpp"
#include "server/service/host_json.hpp"
#include "server/service/timeline.hpp"
#include "libxcp/util/text.hpp"

#include <fstream>
#include <set>
#include <iomanip>
#include <iostream>
#include <memory>

namespace xcp::cli {
namespace {

using inventory::Inventory;
using service::AdminError;

struct HostArgs {
    Paths paths;
    std::string mac;
    std::string profile = "default";
    std::string hostname;
    std::vector<std::string> settings;
    std::string file;
    bool json = false;
    bool from_server = false;
    std::string backup;
    std::string advertise = "127.0.0.1";
    std::uint16_t http_port = 80;
};

// Runs a command body, turning the errors an operator can fix into one line
// on stderr and the matching exit code.
template <typename Body>
int guarded(Body&& body)
{
    try {
        return body();
    } catch (const AdminError& e) {
        std::cerr << "xcp-pxe: " << e.what() << '\n';
        return exit_invalid;
    } catch (const boot::TemplateError& e) {
        std::cerr << "xcp-pxe: " << e.what() << '\n';
        return exit_invalid;
    } catch (const inventory::InventoryError& e) {
        std::cerr << "xcp-pxe: " << e.what() << '\n';
        return exit_failure;
    }
}

std::string settings_help()
{
    std::string out = "Settings (KEY=VALUE; an empty VALUE removes it):\n";
    for (const auto& s : inventory::host_settings()) {
        out += "  " + std::string(s.key) + std::string(s.key.size() < 20 ? 20 - s.key.size() : 1, ' ') +
               std::string(s.help) + "\n";
    }
    return out;
}

std::string progress(const inventory::Host& h)
{
    std::string out(to_string(h.state));
    if (h.state == inventory::HostState::installing && h.percent) {
        out += " " + std::to_string(*h.percent) + "%" + (h.step.empty() ? "" : " " + h.step);
    }
    if (h.state == inventory::HostState::failed && !h.reason.empty()) {
        out += ": " + h.reason;
    }
    return out;
}

int list_hosts(const HostArgs& a)
{
    Inventory inv(open_database(a.paths));
    const auto hosts = inv.list();
    std::set<std::string> stalled;
    for (const auto& act : inv.activity()) {
        if (!act.stalled_since.empty()) {
            stalled.insert(act.mac);
        }
    }
    if (a.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& h : hosts) {
            auto j = service::host_to_json(h);
            j["stalled"] = stalled.contains(h.mac);
            list.push_back(std::move(j));
        }
        std::cout << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        return exit_ok;
    }
    // Which server each host reached last: a column once several servers
    // share the inventory.
    const bool shared = inv.servers().size() > 1;
    std::cout << std::left << std::setw(18) << "MAC" << "  " << std::setw(24) << "HOSTNAME" << "  " << std::setw(12)
              << "PROFILE" << "  " << std::setw(10) << "NEXT" << "  " << std::setw(7) << "NETBOOT" << "  ";
    if (shared) {
        std::cout << std::setw(16) << "SEEN BY" << "  ";
    }
    std::cout << "STATE\n";
    for (const auto& h : hosts) {
        std::cout << std::setw(18) << h.mac << "  " << std::setw(24) << (h.hostname.empty() ? "-" : h.hostname) << "  "
                  << std::setw(12) << h.profile << "  " << std::setw(10) << to_string(h.next_mode) << "  "
                  << std::setw(7) << (h.netboot ? "yes" : "no") << "  ";
        if (shared) {
            std::cout << std::setw(16) << (h.seen_by.empty() ? "-" : h.seen_by) << "  ";
        }
        std::cout << progress(h) << (stalled.contains(h.mac) ? " (stalled)" : "") << '\n';
    }
    return exit_ok;
}

int show_host(const HostArgs& a)
{
    Inventory inv(open_database(a.paths));
    const auto mac = service::mac_argument(a.mac);
    const auto host = inv.find(mac);
    if (!host) {
        throw AdminError("host " + mac + " is not in the inventory");
    }
    const auto events = inv.events(mac, 50);
    const auto timeline = service::build_timeline(inv.events(mac));
    bool stalled = false;
    for (const auto& act : inv.activity()) {
        stalled = stalled || (act.mac == mac && !act.stalled_since.empty());
    }
    if (a.json) {
        auto j = service::host_to_json(*host);
        j["stalled"] = stalled;
        j["timeline"] = service::timeline_to_json(timeline);
        j["events"] = nlohmann::json::array();
        for (const auto& e : events) {
            j["events"].push_back(service::event_to_json(e));
        }
        std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
        return exit_ok;
    }
    std::cout << "mac:        " << host->mac << "\nhostname:   " << (host->hostname.empty() ? "-" : host->hostname)
              << "\nprofile:    " << host->profile << "\nrelease:    " << (host->release.empty() ? "-" : host->release)
              << "\nnext mode:  " << to_string(host->next_mode) << "\nnetboot:    " << (host->netboot ? "yes" : "no")
              << "\nstate:      " << progress(*host) << (stalled ? " (stalled)" : "") << "\n";
    for (const auto& [k, v] : host->vars) {
        std::cout << "  " << k << " = " << (k == "root-password-hash" ? "(set)" : v) << '\n';
    }
    if (!timeline.spans.empty()) {
        std::cout << "build:      "
                  << (timeline.build_ms ? service::format_duration(*timeline.build_ms) + ", from " + timeline.started +
                                              " to " + timeline.finished
                                        : "running since " + timeline.started)
                  << "\nphases:\n";
        for (const auto& [phase, ms] : timeline.phase_ms) {
            std::cout << "  " << std::left << std::setw(18) << util::escape_controls(phase) << std::right
                      << service::format_duration(ms) << '\n';
        }
    }
    if (const auto log = inv.log(mac)) {
        std::cout << "log:        " << log->text.size() << " bytes from the " << log->source << " at " << log->at
                  << " (xcp-pxe host log " << mac << ")\n";
    }
    std::cout << "events:\n";
    for (const auto& e : events) {
        // Sanitized again on the way out: rows older versions stored may hold
        // escape sequences meant for this terminal.
        std::cout << "  " << e.at << "  " << std::setw(9) << util::escape_controls(e.source) << "  "
                  << (e.step.empty() ? "" : util::escape_controls(e.step) + " ")
                  << (e.percent ? std::to_string(*e.percent) + "% " : "") << util::escape_controls(e.message)
                  << (e.final ? std::string(" [") + std::string(to_string(*e.final)) + "]" : "")
                  << (e.repeats > 1 ? " (x" + std::to_string(e.repeats) + ")" : "") << '\n';
    }
    return exit_ok;
}

int show_log(const HostArgs& a)
{
    Inventory inv(open_database(a.paths));
    const auto mac = service::mac_argument(a.mac);
    if (!inv.find(mac)) {
        throw AdminError("host " + mac + " is not in the inventory");
    }
    const auto log = inv.log(mac);
    if (!log) {
        throw AdminError("host " + mac + " has posted no log");
    }
    // Stored with control characters escaped, line breaks kept.
    std::cout << log->text;
    if (!log->text.empty() && log->text.back() != '\n') {
        std::cout << '\n';
    }
    return exit_ok;
}

// This machine's backups of the host: the server that runs here keeps them
// under the same state directory.
int show_backups(const HostArgs& a)
{
    const auto mac = service::mac_argument(a.mac);
    const backup::BackupStore store(std::filesystem::path(a.paths.state_dir) / "backups", 1);
    const auto kept = store.list(mac);
    if (kept.empty()) {
        Inventory inv(open_database(a.paths));
        if (!inv.find(mac)) {
            throw AdminError("host " + mac + " is not in the inventory, and no backup of it is kept here");
        }
    }
    if (a.json) {
        auto j = backup::backups_json(mac, kept, 0);
        j.erase("keep");  // the server's setting, not known here
        std::cout << j.dump(2) << '\n';
        return exit_ok;
    }
    if (kept.empty()) {
        std::cout << "no backup of " << mac << " is kept under " << a.paths.state_dir << "/backups\n";
        return exit_ok;
    }
    std::cout << std::left << std::setw(27) << "ID" << std::setw(22) << "CREATED" << std::setw(12) << "BYTES"
              << "SHA-256\n";
    for (const auto& b : kept) {
        std::cout << std::setw(27) << b.id << std::setw(22) << b.created << std::setw(12) << b.size << b.sha256
                  << '\n';
    }
    return exit_ok;
}

int add_host(const HostArgs& a)
{
    auto settings = service::parse_assignments(a.settings);
    if (!a.hostname.empty()) {
        settings.emplace_back("hostname", a.hostname);
    }
    auto host = service::new_host(a.mac, a.profile, settings, boot::Profiles(a.paths.profiles_dir));
    Inventory inv(open_database(a.paths));
    inv.add(host);
    std::cout << "host " << host.mac << " added with profile " << host.profile
              << "; it installs at its next network boot\n";
    return exit_ok;
}

int set_host(const HostArgs& a)
{
    const auto mac = service::mac_argument(a.mac);
    const auto settings = service::parse_assignments(a.settings);
    if (settings.empty()) {
        throw AdminError("nothing to set: give KEY=VALUE...\n" + settings_help());
    }
    const boot::Profiles profiles(a.paths.profiles_dir);
    Inventory inv(open_database(a.paths));
    const bool found = inv.update(mac, [&](inventory::Host& h) {
        service::apply_settings(h, settings, profiles);
        inventory::Event e;
        e.source = "admin";
        std::string keys;
        for (const auto& [key, value] : settings) {
            keys += (keys.empty() ? "" : ", ") + key;
        }
        e.message = "changed " + keys;
        return std::optional(e);
    });
    if (!found) {
        throw AdminError("host " + mac + " is not in the inventory");
    }
    std::cout << "host " << mac << " changed\n";
    // Not an error: files may be placed by hand under releases/NAME/.
    for (const auto& [key, value] : settings) {
        if (key == "release" && !value.empty() && !inv.find_release(value)) {
            std::cerr << "xcp-pxe: warning: release " << value
                      << " is not recorded (see `xcp-pxe release list`); the host boots "
                         "releases/" << value << "/boot/xen.gz, boot/vmlinuz and install.img from the TFTP root, "
                         "unchecked\n";
        }
    }
    return exit_ok;
}

int remove_host(const HostArgs& a)
{
    const auto mac = service::mac_argument(a.mac);
    Inventory inv(open_database(a.paths));
    if (!inv.remove(mac)) {
        throw AdminError("host " + mac + " is not in the inventory");
    }
    std::cout << "host " << mac << " removed\n";
    return exit_ok;
}

int request_mode(const HostArgs& a, inventory::NextMode mode)
{
    const auto mac = service::mac_argument(a.mac);
    Inventory inv(open_database(a.paths));
    service::request(inv, mac, mode, "admin");
    std::cout << "host " << mac << ": " << to_string(mode) << " at its next network boot\n";
    return exit_ok;
}

int restore_from_server(const HostArgs& a)
{
    const auto mac = service::mac_argument(a.mac);
    const backup::BackupStore store(std::filesystem::path(a.paths.state_dir) / "backups", 1);
    std::vector<std::string> kept;
    for (const auto& b : store.list(mac)) {
        kept.push_back(b.id);
    }
    Inventory inv(open_database(a.paths));
    const auto host = service::request_restore_from_server(inv, mac, kept, a.backup, "admin");
    std::cout << "host " << mac << ": a fresh install at its next network boot, onto the disk its profile names, then "
              << "backup " << host.vars.at("restore-backup")
              << " applied (identity, pool membership, network settings)\n";
    return exit_ok;
}

// Every row is checked before any is added: a file with one bad row changes
// nothing.
int import_hosts(const HostArgs& a)
{
    std::ifstream in(a.file);
    if (!in) {
        throw AdminError(a.file + ": cannot be read");
    }
    std::string line;
    if (!std::getline(in, line)) {
        throw AdminError(a.file + ": empty; the first line names the columns (mac,profile,hostname,ip,...)");
    }
    const auto header = split_csv_line(line);
    const auto mac_column = std::find(header.begin(), header.end(), "mac") - header.begin();
    if (static_cast<std::size_t>(mac_column) == header.size()) {
        throw AdminError(a.file + ":1: no 'mac' column");
    }
    const boot::Profiles profiles(a.paths.profiles_dir);
    Inventory inv(open_database(a.paths));
    std::vector<inventory::Host> hosts;
    std::set<std::string> seen;
    std::vector<std::string> errors;
    int number = 1;
    while (std::getline(in, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        const auto where = a.file + ":" + std::to_string(number) + ": ";
        try {
            const auto fields = split_csv_line(line);
            if (fields.size() != header.size()) {
                throw AdminError(std::to_string(fields.size()) + " fields where the header has " +
                                 std::to_string(header.size()));
            }
            std::string profile = "default";
            service::Assignments settings;
            for (std::size_t i = 0; i < header.size(); ++i) {
                if (static_cast<std::ptrdiff_t>(i) == mac_column || fields[i].empty()) {
                    continue;
                }
                if (header[i] == "profile") {
                    profile = fields[i];
                } else {
                    settings.emplace_back(header[i], fields[i]);
                }
            }
            auto host = service::new_host(fields[static_cast<std::size_t>(mac_column)], profile, settings, profiles);
            if (!seen.insert(host.mac).second || inv.find(host.mac)) {
                throw AdminError("host " + host.mac + " is already in the inventory or earlier in the file");
            }
            hosts.push_back(std::move(host));
        } catch (const std::exception& e) {
            errors.push_back(where + e.what());
        }
    }
    if (!errors.empty()) {
        for (const auto& e : errors) {
            std::cerr << e << '\n';
        }
        std::cerr << "xcp-pxe: nothing imported: " << errors.size() << " bad row" << (errors.size() == 1 ? "" : "s")
                  << '\n';
        return exit_invalid;
    }
    inv.add_all(hosts);
    std::cout << hosts.size() << " host" << (hosts.size() == 1 ? "" : "s") << " imported from " << a.file << '\n';
    return exit_ok;
}

int list_profiles(const HostArgs& a)
{
    const boot::Profiles profiles(a.paths.profiles_dir);
    const auto all = profiles.list();
    if (a.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& p : all) {
            list.push_back({{"name", p.name}, {"file", p.file.string()}, {"valid", p.problem.empty()},
                            {"problem", p.problem}});
        }
        std::cout << list.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    } else {
        for (const auto& p : all) {
            std::cout << std::left << std::setw(20) << p.name << "  " << p.file.string()
                      << (p.problem.empty() ? "" : "  PROBLEM: " + p.problem) << '\n';
        }
    }
    return std::all_of(all.begin(), all.end(), [](const auto& p) { return p.problem.empty(); }) ? exit_ok
                                                                                                 : exit_invalid;
}

// The answerfile this host would get: its inventory record when it has one,
// else a new host with the given settings.
int render_profile(const HostArgs& a, const std::string& name)
{
    const boot::Profiles profiles(a.paths.profiles_dir);
    const auto profile = profiles.load(name);
    const auto mac = service::mac_argument(a.mac);
    Inventory inv(open_database(a.paths));
    auto host = inv.find(mac).value_or(service::new_host(mac, name, {}, profiles));
    host.profile = name;
    service::apply_settings(host, service::parse_assignments(a.settings), profiles);
    if (!host.install_requested()) {
        host.next_mode = inventory::NextMode::install;
        host.netboot = true;
    }
    if (!host.token) {
        host.token = std::string(32, '0');
    }
    try {
        const auto rendered = boot::render_answerfile(profile, host, make_site(a.advertise, a.http_port, {}));
        for (const auto& w : rendered.warnings) {
            std::cerr << w << '\n';
        }
        std::cout << rendered.xml;
    } catch (const boot::RenderError& e) {
        std::cerr << e.what() << '\n';
        return exit_invalid;
    }
    return exit_ok;
}

}  // namespace

void add_host_command(CLI::App& app, int& exit_code)
{
    auto* host = app.add_subcommand("host", "Manage the host inventory");
    host->require_subcommand(1);
    const auto mac_help = "MAC address of the host's boot NIC";

    auto make = [&](const char* name, const char* help) {
        auto args = std::make_shared<HostArgs>();
        auto* cmd = host->add_subcommand(name, help);
        add_path_options(*cmd, args->paths);
        return std::pair{cmd, args};
    };

    {
        auto [cmd, made_args] = make("add", "Add a host, marked for a fresh install at its next network boot");
        auto args = made_args;
        cmd->add_option("mac", args->mac, mac_help)->required();
        cmd->add_option("--profile", args->profile, "Answerfile profile")->capture_default_str();
        cmd->add_option("--hostname", args->hostname, "Host name of the new control domain");
        cmd->add_option("--set", args->settings, "KEY=VALUE (repeatable); see `host set --help`");
        cmd->footer(settings_help());
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return add_host(*args); }); });
    }
    {
        auto [cmd, made_args] = make("list", "List the hosts with their state");
        auto args = made_args;
        cmd->add_flag("--json", args->json, "JSON output");
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return list_hosts(*args); }); });
    }
    {
        auto [cmd, made_args] = make("show", "Show one host, its settings and its events");
        auto args = made_args;
        cmd->add_option("mac", args->mac, mac_help)->required();
        cmd->add_flag("--json", args->json, "JSON output");
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return show_host(*args); }); });
    }
    {
        auto [cmd, made_args] = make("log", "Print the log a host posted when its install failed");
        auto args = made_args;
        cmd->add_option("mac", args->mac, mac_help)->required();
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return show_log(*args); }); });
    }
    {
        auto [cmd, made_args] = make("backups", "List the backups an upgrading installer of the host sent to this "
                                                "machine's server, newest first");
        auto args = made_args;
        cmd->add_option("mac", args->mac, mac_help)->required();
        cmd->add_flag("--json", args->json, "JSON output");
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return show_backups(*args); }); });
    }
    {
        auto [cmd, made_args] = make("set", "Change settings of a host");
        auto args = made_args;
        cmd->add_option("mac", args->mac, mac_help)->required();
        cmd->add_option("settings", args->settings, "KEY=VALUE...")->required();
        cmd->footer(settings_help());
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return set_host(*args); }); });
    }
    {
        auto [cmd, made_args] = make("rm", "Remove a host and its events");
        auto args = made_args;
        cmd->add_option("mac", args->mac, mac_help)->required();
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return remove_host(*args); }); });
    }
    for (const auto mode : {inventory::NextMode::reinstall, inventory::NextMode::upgrade, inventory::NextMode::restore}) {
        const std::string name(to_string(mode));
        auto [cmd, made_args] = make(name.c_str(), ("Network-boot the host once more, to " + name + " it").c_str());
        auto args = made_args;
        cmd->add_option("mac", args->mac, mac_help)->required();
        if (mode == inventory::NextMode::restore) {
            cmd->add_flag("--from-server", args->from_server,
                          "Restore from a backup this machine's server keeps, not from the host's backup partition: "
                          "the next boot is a fresh install (onto a new or wiped disk) that then applies the backup, "
                          "bringing back the host's identity, pool membership and network settings");
            cmd->add_option("backup", args->backup, "With --from-server: the backup's ID (default: the newest; see "
                                                    "`host backups MAC`)");
        }
        cmd->callback([args, mode, &exit_code] {
            exit_code = guarded([&] {
                if (!args->from_server && !args->backup.empty()) {
                    throw AdminError("a backup ID names a backup the server keeps: give --from-server too");
                }
                return args->from_server ? restore_from_server(*args) : request_mode(*args, mode);
            });
        });
    }
    {
        auto [cmd, made_args] = make("import", "Add hosts from a CSV file: a header line (mac,profile,hostname,ip,...), "
                                               "then one host per line; nothing is added if a line is bad");
        auto args = made_args;
        cmd->add_option("file", args->file, "CSV file")->required()->check(CLI::ExistingFile);
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return import_hosts(*args); }); });
    }
}

void add_profile_command(CLI::App& app, int& exit_code)
{
    auto* profile = app.add_subcommand("profile", "Answerfile profiles");
    profile->require_subcommand(1);
    {
        auto args = std::make_shared<HostArgs>();
        auto* cmd = profile->add_subcommand("list", "List the profiles and whether each loads");
        add_path_options(*cmd, args->paths);
        cmd->add_flag("--json", args->json, "JSON output");
        cmd->callback([args, &exit_code] { exit_code = guarded([&] { return list_profiles(*args); }); });
    }
    {
        auto args = std::make_shared<HostArgs>();
        auto name = std::make_shared<std::string>();
        auto* cmd = profile->add_subcommand("render", "Print the answerfile a host would get from a profile");
        add_path_options(*cmd, args->paths);
        cmd->add_option("name", *name, "Profile name")->required();
        cmd->add_option("--mac", args->mac, "The host (its inventory settings are used when it is there)")
            ->required();
        cmd->add_option("--set", args->settings, "KEY=VALUE to try (repeatable), not stored");
        cmd->add_option("--advertise", args->advertise, "Server address for the URLs")->capture_default_str();
        cmd->add_option("--http-port", args->http_port, "Server HTTP port for the URLs")->capture_default_str();
        cmd->callback([args, name, &exit_code] { exit_code = guarded([&] { return render_profile(*args, *name); }); });
    }
}

}  // namespace xcp::cli
