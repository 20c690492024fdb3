#include "server/service/metrics.hpp"

namespace xcp::service {

std::string render_metrics(const tftp::ServerCounters* tftp, const http::ServerCounters* http,
                           const AnswerfileCounters& answerfiles, const std::optional<HostCounts>& hosts,
                           const std::optional<BootEventCounters>& boot_events,
                           const inventory::DatabaseHealth& inventory)
{
    std::string out;
    const auto counter = [&](const char* name, const char* help, std::uint64_t value, const std::string& labels = {}) {
        // A labelled family's later members pass no help: it is printed once.
        if (*help != '\0') {
            out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
        }
        out += std::string(name) + labels + " " + std::to_string(value) + "\n";
    };
    if (tftp != nullptr) {
        const auto& t = *tftp;
        counter("xcp_tftp_requests_total", "TFTP read requests", t.requests);
        counter("xcp_tftp_transfers_total", "TFTP transfers by outcome", t.completed, "{outcome=\"completed\"}");
        counter("xcp_tftp_transfers_total", "", t.failed, "{outcome=\"failed\"}");
        counter("xcp_tftp_transfers_total", "", t.refused, "{outcome=\"refused\"}");
        counter("xcp_tftp_malformed_total", "TFTP packets dropped as malformed", t.malformed);
        counter("xcp_tftp_bytes_total", "TFTP bytes acknowledged by clients", t.bytes);
    }
    if (http != nullptr) {
        const auto& h = *http;
        counter("xcp_http_requests_total", "HTTP requests", h.requests);
        counter("xcp_http_responses_total", "HTTP responses by status class", h.responses_2xx, "{class=\"2xx\"}");
        counter("xcp_http_responses_total", "", h.responses_3xx, "{class=\"3xx\"}");
        counter("xcp_http_responses_total", "", h.responses_4xx, "{class=\"4xx\"}");
        counter("xcp_http_responses_total", "", h.responses_5xx, "{class=\"5xx\"}");
        counter("xcp_http_bytes_total", "HTTP body bytes sent", h.bytes);
        counter("xcp_http_rate_limited_total", "HTTP requests refused by the per-client rate limit", h.rate_limited);
        counter("xcp_http_refused_connections_total", "HTTP connections refused by a connection cap",
                h.refused_connections);
        counter("xcp_http_timeouts_total", "HTTP connections closed by a timeout", h.timeouts);
    }
    counter("xcp_answerfiles_served_total", "Answerfiles served", answerfiles.served);
    counter("xcp_answerfiles_served_at_once_total",
            "Answerfiles served again on an I/O thread, nothing having been written since", answerfiles.at_once);
    counter("xcp_answerfile_errors_total", "Answerfiles not served because the result was invalid",
            answerfiles.failed);
    if (boot_events) {
        counter("xcp_boot_events_total", "Boot fetches (DHCP, TFTP, HTTP) by what became of them",
                boot_events->recorded, "{outcome=\"recorded\"}");
        counter("xcp_boot_events_total", "", boot_events->dropped, "{outcome=\"dropped\"}");
    }
    out += "# HELP xcp_inventory_up Whether the inventory answers (0 while its database cannot be reached)\n"
           "# TYPE xcp_inventory_up gauge\n"
           "xcp_inventory_up " + std::string(inventory.up ? "1" : "0") + "\n";
    counter("xcp_inventory_outages_total", "Times the inventory's database stopped answering", inventory.outages);
    if (!hosts) {
        return out;
    }
    out += "# HELP xcp_hosts Hosts in the inventory by state; a stalled host counts as stalled only\n"
           "# TYPE xcp_hosts gauge\n";
    for (const auto state : {inventory::HostState::new_, inventory::HostState::booting, inventory::HostState::installing,
                             inventory::HostState::installed, inventory::HostState::failed}) {
        const auto it = hosts->by_state.find(state);
        out += "xcp_hosts{state=\"" + std::string(to_string(state)) + "\"} " +
               std::to_string(it == hosts->by_state.end() ? 0 : it->second) + "\n";
    }
    out += "xcp_hosts{state=\"stalled\"} " + std::to_string(hosts->stalled) + "\n";
    return out;
}

}  // namespace xcp::service
