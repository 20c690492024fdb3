#include "server/service/host_json.hpp"

#include "server/boot/host_values.hpp"

namespace xcp::service {

nlohmann::json host_to_json(const inventory::Host& h, const boot::Site* site)
{
    nlohmann::json j;
    j["mac"] = h.mac;
    j["hostname"] = h.hostname;
    j["profile"] = h.profile;
    j["release"] = h.release;
    j["next_mode"] = to_string(h.next_mode);
    j["netboot"] = h.netboot;
    j["state"] = to_string(h.state);
    j["percent"] = h.percent ? nlohmann::json(*h.percent) : nlohmann::json(nullptr);
    j["step"] = h.step;
    j["reason"] = h.reason;
    nlohmann::json vars = nlohmann::json::object();
    for (const auto& [k, v] : h.vars) {
        vars[k] = v;
    }
    j["settings"] = vars;
    j["install_requested"] = h.install_requested();
    if (site != nullptr && h.token && h.install_requested()) {
        j["answerfile_url"] = boot::answerfile_url(*site, *h.token);
    }
    j["created"] = h.created;
    j["updated"] = h.updated;
    j["seen_by"] = h.seen_by;
    return j;
}

nlohmann::json event_to_json(const inventory::Event& e)
{
    nlohmann::json j;
    j["id"] = e.id;
    j["at"] = e.at;
    j["source"] = e.source;
    j["step"] = e.step;
    j["percent"] = e.percent ? nlohmann::json(*e.percent) : nlohmann::json(nullptr);
    j["message"] = e.message;
    j["final"] = e.final ? nlohmann::json(to_string(*e.final)) : nlohmann::json(nullptr);
    j["repeats"] = e.repeats;
    j["bytes"] = e.bytes ? nlohmann::json(*e.bytes) : nlohmann::json(nullptr);
    j["duration_ms"] = e.duration_ms ? nlohmann::json(*e.duration_ms) : nlohmann::json(nullptr);
    j["server"] = e.server;
    return j;
}

nlohmann::json timeline_to_json(const Timeline& t)
{
    nlohmann::json spans = nlohmann::json::array();
    for (const auto& s : t.spans) {
        spans.push_back({{"phase", s.phase}, {"start", s.start}, {"end", s.end}, {"ms", s.ms}, {"bytes", s.bytes},
                         {"events", s.events}});
    }
    nlohmann::json phases = nlohmann::json::array();
    for (const auto& [phase, ms] : t.phase_ms) {
        phases.push_back({{"phase", phase}, {"ms", ms}});
    }
    return {{"spans", spans},
            {"phases", phases},
            {"started", t.started},
            {"finished", t.finished},
            {"outcome", t.outcome},
            {"build_ms", t.build_ms ? nlohmann::json(*t.build_ms) : nlohmann::json(nullptr)}};
}

}  // namespace xcp::service
