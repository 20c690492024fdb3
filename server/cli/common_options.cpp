#include "server/cli/common_options.hpp"

#include "server/inventory/location.hpp"

#include <filesystem>

namespace xcp::cli {

std::string data_dir()
{
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = self.parent_path().parent_path() / "share/xcp-pxe";
        if (std::filesystem::is_directory(installed / "pxe-templates", ec)) {
            return installed.string();
        }
    }
    return XCP_DATA_DIR;
}

void add_state_option(CLI::App& command, Paths& paths)
{
    command.add_option("--state-dir", paths.state_dir, "Directory of the inventory (inventory.sqlite) and the API token")
        ->capture_default_str();
    command
        .add_option("--inventory", paths.inventory,
                    "Where the inventory is: postgresql://... (several servers share it; e.g. "
                    "postgresql:///xcp?host=/run/postgresql&user=xcp) or sqlite:///PATH; default: inventory.sqlite "
                    "in the state directory. The password comes from PGPASSFILE, PGPASSWORD or the config file, "
                    "never from here")
        ->type_name("URL");
    // Checked once the command line is read, before a config file (which may
    // hold the password) is applied.
    command.parse_complete_callback([&command, &paths] {
        if (command.get_option("--inventory")->count() > 0 &&
            inventory::parse_location(paths.inventory, paths.state_dir).has_password) {
            throw CLI::ValidationError("--inventory",
                                       "a password on the command line is visible to every user (ps); put it "
                                       "in PGPASSFILE, PGPASSWORD or the config file's inventory URL");
        }
    });
}

std::unique_ptr<inventory::Database> open_database(const Paths& paths, inventory::Reach reach)
{
    return inventory::open_database(inventory::parse_location(paths.inventory, paths.state_dir), reach);
}

void add_path_options(CLI::App& command, Paths& paths)
{
    add_state_option(command, paths);
    command.add_option("--profiles-dir", paths.profiles_dir, "Directory of answerfile profiles (NAME.xml)")
        ->capture_default_str()
        ->check(CLI::ExistingDirectory);
    command.add_option("--templates-dir", paths.templates_dir, "Directory of boot-config templates")
        ->capture_default_str()
        ->check(CLI::ExistingDirectory);
}

std::optional<boot::UnknownHosts> parse_unknown_hosts(std::string_view text)
{
    if (text == "local") {
        return boot::UnknownHosts::local;
    }
    if (text == "menu") {
        return boot::UnknownHosts::menu;
    }
    return std::nullopt;
}

boot::Site make_site(const std::string& address, std::uint16_t http_port, const std::string& repository_url)
{
    boot::Site site;
    site.server = address;
    const auto host = address.find(':') != std::string::npos ? "[" + address + "]" : address;
    site.http_url = "http://" + host + (http_port == 80 ? "" : ":" + std::to_string(http_port));
    site.repository_url = repository_url.empty() ? site.http_url + "/repo/" : repository_url;
    return site;
}

}  // namespace xcp::cli
