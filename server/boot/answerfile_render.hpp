#pragma once

#include "server/boot/site.hpp"
#include "server/boot/template.hpp"
#include "server/inventory/host.hpp"
#include "server/inventory/release.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace xcp::boot {

class RenderError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct RenderedAnswerfile {
    std::string xml;                    // canonical modern XML, as validated
    std::vector<std::string> warnings;  // for the log and the host's events
};

// The answerfile one host gets: its profile filled from its variables, parsed
// and validated by the answerfile library, then shaped for the mode it is to
// run (install, reinstall, upgrade, restore), with any plain-text password
// hashed and the report script that tells this server the outcome. What is
// served is the writer's output of the validated model, never the raw text.
// Throws RenderError with every reason when the result is not valid.
// `release`: the host's release as recorded, when it is.
RenderedAnswerfile render_answerfile(const Template& profile, const inventory::Host& host, const Site& site,
                                     const inventory::Release* release = nullptr);

// Everything one answerfile is made from, as one value. The service keys its
// rendered answerfiles by it: what rendering reads and what the cache
// compares cannot drift apart.
struct AnswerfileInputs {
    std::string profile_file;  // named in errors
    std::string profile_text;
    inventory::Host host;
    Site site;
    std::optional<inventory::Release> release;
    bool operator==(const AnswerfileInputs&) const = default;
};

// The same, from that value; also throws RenderError for a bad template.
RenderedAnswerfile render_answerfile(const AnswerfileInputs& inputs);

}  // namespace xcp::boot
