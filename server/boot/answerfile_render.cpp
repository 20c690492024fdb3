#include "server/boot/answerfile_render.hpp"

#include "libxcp/answerfile/parser.hpp"
#include "libxcp/answerfile/validator.hpp"
#include "libxcp/answerfile/writer.hpp"
#include "server/boot/host_values.hpp"
#include "server/inventory/secrets.hpp"

namespace xcp::boot {
namespace {

namespace af = answerfile;

// Keep what each mode reads, so the host gets no element it would ignore.
void shape_for_mode(af::Answerfile& a, const inventory::Host& host)
{
    switch (host.next_mode) {
    case inventory::NextMode::none:
    case inventory::NextMode::install:
        a.mode = af::Mode::fresh;
        return;
    case inventory::NextMode::reinstall:
        // The modern meaning: a fresh install onto the named primary disk,
        // replacing whatever is there.
        a.mode = af::Mode::reinstall;
        a.existing_installation.reset();
        return;
    case inventory::NextMode::upgrade: {
        // The disk the host's last install reported, not the profile's
        // primary disk: disk names move when disks are added.
        af::Answerfile u;
        u.mode = af::Mode::upgrade;
        if (const auto it = host.vars.find("installed-disk"); it != host.vars.end()) {
            u.existing_installation = af::Text{it->second, {}};
        } else if (a.existing_installation) {
            u.existing_installation = a.existing_installation;
        } else {
            throw RenderError("host " + host.mac + " has no installed-disk (no install of it has reported its disk) "
                              "and its profile names no <existing-installation>: set it with `xcp-pxe host set " +
                              host.mac + " installed-disk=DISK`");
        }
        u.sources = a.sources;
        u.driver_sources = a.driver_sources;
        u.scripts = a.scripts;
        u.origin = a.origin;
        a = std::move(u);
        return;
    }
    case inventory::NextMode::restore: {
        af::Answerfile r;
        r.mode = af::Mode::restore;
        if (const auto it = host.vars.find("backup-disk"); it != host.vars.end()) {
            r.backup_disk = af::Text{it->second, {}};
        } else if (a.backup_disk) {
            r.backup_disk = a.backup_disk;
        } else if (const auto disk = host.vars.find("installed-disk"); disk != host.vars.end()) {
            r.backup_disk = af::Text{disk->second, {}};
        }
        r.scripts = a.scripts;
        r.origin = a.origin;
        a = std::move(r);
        return;
    }
    }
}

std::string describe(const af::Diagnostics& diagnostics, const std::string& name, af::Severity which)
{
    std::string out;
    for (const auto& d : diagnostics.sorted()) {
        if (d.severity == which) {
            out += (out.empty() ? "" : "; ") + af::format(d, name);
        }
    }
    return out;
}

}  // namespace

RenderedAnswerfile render_answerfile(const AnswerfileInputs& in)
{
    std::optional<Template> profile;
    try {
        profile.emplace(in.profile_file, in.profile_text, Escaping::xml, profile_placeholders());
    } catch (const TemplateError& e) {
        throw RenderError(e.what());
    }
    return render_answerfile(*profile, in.host, in.site, in.release ? &*in.release : nullptr);
}

RenderedAnswerfile render_answerfile(const Template& profile, const inventory::Host& host, const Site& site,
                                     const inventory::Release* release)
{
    if (!host.token) {
        throw RenderError("host " + host.mac + " is not marked for installation");
    }
    std::string text;
    try {
        text = profile.render(profile_values(host, site, release));
    } catch (const TemplateError& e) {
        throw RenderError(e.what());
    }
    const auto& name = profile.name();
    auto parsed = af::parse(text);
    if (!parsed.valid()) {
        throw RenderError(parsed.model ? describe(parsed.diagnostics, name, af::Severity::error)
                                       : name + ": not an answerfile");
    }
    auto model = std::move(*parsed.model);
    shape_for_mode(model, host);
    if (model.root_password && model.root_password->type == af::PasswordType::plaintext &&
        !model.root_password->value.empty()) {
        model.root_password->value = Secret(inventory::sha512_crypt(model.root_password->value));
        model.root_password->type = af::PasswordType::hash;
    }
    // The vendor installer runs installation-complete scripts with 0 or 1:
    // ours tells this server the outcome even when our agent is not there.
    af::Script report;
    report.stage = af::ScriptStage::installation_complete;
    report.source = af::Source{af::SourceType::url, report_script_url(site, *host.token), {}};
    model.scripts.push_back(report);

    af::Diagnostics shaped;
    af::validate(model, false, shaped);
    if (shaped.has_errors()) {
        throw RenderError(describe(shaped, name, af::Severity::error));
    }
    // Check the text served, not only the model it came from.
    auto xml = af::write(model);
    auto reparsed = af::parse(xml);
    if (!reparsed.valid()) {
        throw RenderError(describe(reparsed.diagnostics, name + " (as written)", af::Severity::error));
    }
    RenderedAnswerfile out{std::move(xml), {}};
    for (const auto& d : reparsed.diagnostics.sorted()) {
        if (d.severity == af::Severity::warning) {
            out.warnings.push_back(af::format(d, name));
        }
    }
    return out;
}

}  // namespace xcp::boot
