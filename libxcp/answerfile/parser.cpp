#include "libxcp/answerfile/parser.hpp"

#include "libxcp/answerfile/names.hpp"
#include "libxcp/answerfile/validator.hpp"
#include "libxcp/answerfile/values.hpp"
#include "libxcp/net/address.hpp"
#include "libxcp/net/url.hpp"
#include "libxcp/util/text.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>

namespace xcp::answerfile {
namespace {

// Element names the reference installer knows, with where each belongs; used to
// tell a misplaced element from an unknown one, and for "did you mean".
constexpr std::array top_level_names{
    "primary-disk",  "guest-disk",      "guest-disks",   "raid",           "existing-installation",
    "backup-disk",   "keymap",          "root-password", "source",         "driver-source",
    "script",        "post-install-script", "install-failed-script", "admin-interface", "name-server",
    "nameserver",    "hostname",        "timezone",      "ntp",            "ntp-server",
    "ntp-servers",   "bootloader",      "network-backend", "service",      "ui-confirmation-prompt",
};
constexpr std::array interface_child_names{"ipaddr", "ip", "subnet", "subnet-mask", "gateway", "ipv6", "gatewayv6"};

std::string quote(std::string_view value)
{
    return "\"" + std::string(value) + "\"";
}

// Offsets to line and column, computed once per file.
class LineIndex {
public:
    explicit LineIndex(std::string_view text)
    {
        starts_.push_back(0);
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == '\n') {
                starts_.push_back(i + 1);
            }
        }
    }

    // 1-based line and column of a byte offset.
    [[nodiscard]] std::pair<int, int> at(std::ptrdiff_t offset) const
    {
        const auto off = static_cast<std::size_t>(std::max<std::ptrdiff_t>(offset, 0));
        const auto it = std::upper_bound(starts_.begin(), starts_.end(), off);
        const auto line = static_cast<int>(it - starts_.begin());
        return {line, static_cast<int>(off - *(it - 1)) + 1};
    }

private:
    std::vector<std::size_t> starts_;
};

class Parser {
public:
    Parser(std::string_view text, const ParseOptions& options) : text_(text), lines_(text), options_(options) {}

    ParseResult run();

private:
    using Handler = void (Parser::*)(pugi::xml_node);
    struct ElementRule {
        std::string_view name;
        Handler handle;
        std::string_view modern;  // non-empty: a legacy spelling of this element
    };

    Origin origin_of(pugi::xml_node node) const;
    Origin origin_at(std::ptrdiff_t offset) const;
    std::string text_of(pugi::xml_node node);
    Text text_element(pugi::xml_node node);
    // An element given at most once whose text must pass `check`.
    using Check = std::string (*)(std::string_view);
    void single_text(pugi::xml_node node, std::optional<Text>& slot, std::string_view name, Check check);
    void note_legacy(pugi::xml_node node, std::string what, bool meaning_changes = false);
    void check_attributes(pugi::xml_node node, std::initializer_list<std::string_view> allowed);
    std::optional<std::string> attr(pugi::xml_node node, std::initializer_list<const char*> names);
    std::optional<bool> bool_attr(pugi::xml_node node, std::initializer_list<const char*> names);
    template <typename E>
    std::optional<E> enum_attr(pugi::xml_node node, const char* name);
    template <typename T>
    bool once(const std::optional<T>& slot, pugi::xml_node node, std::string_view what);
    void unexpected(pugi::xml_node node, std::string_view context);

    void root(pugi::xml_node node);
    void primary_disk(pugi::xml_node node);
    void guest_disk(pugi::xml_node node);
    void guest_disks(pugi::xml_node node);
    void raid(pugi::xml_node node);
    void existing_installation(pugi::xml_node node);
    void backup_disk(pugi::xml_node node);
    void keymap(pugi::xml_node node);
    void root_password(pugi::xml_node node);
    void source(pugi::xml_node node);
    void driver_source(pugi::xml_node node);
    void script(pugi::xml_node node);
    void post_install_script(pugi::xml_node node);
    void install_failed_script(pugi::xml_node node);
    void admin_interface(pugi::xml_node node);
    void name_server(pugi::xml_node node);
    void hostname(pugi::xml_node node);
    void timezone(pugi::xml_node node);
    void ntp(pugi::xml_node node);
    void ntp_server(pugi::xml_node node);
    void bootloader(pugi::xml_node node);
    void network_backend(pugi::xml_node node);
    void service(pugi::xml_node node);
    void ui_confirmation_prompt(pugi::xml_node node);

    std::optional<Source> read_source(pugi::xml_node node, bool text_required);
    void read_script(pugi::xml_node node, std::optional<ScriptStage> fixed_stage);

    static const std::vector<ElementRule>& rules();

    std::string_view text_;
    LineIndex lines_;
    ParseOptions options_;
    ParseResult result_;
    Answerfile model_;
    std::map<std::string, int> single_seen_;  // element -> line, for "given twice"
};

const std::vector<Parser::ElementRule>& Parser::rules()
{
    static const std::vector<ElementRule> table{
        {"primary-disk", &Parser::primary_disk, {}},
        {"guest-disk", &Parser::guest_disk, {}},
        {"guest-disks", &Parser::guest_disks, {}},
        {"raid", &Parser::raid, {}},
        {"existing-installation", &Parser::existing_installation, {}},
        {"backup-disk", &Parser::backup_disk, {}},
        {"keymap", &Parser::keymap, {}},
        {"root-password", &Parser::root_password, {}},
        {"source", &Parser::source, {}},
        {"driver-source", &Parser::driver_source, {}},
        {"script", &Parser::script, {}},
        // The legacy script elements note themselves: their notes say more.
        {"post-install-script", &Parser::post_install_script, {}},
        {"install-failed-script", &Parser::install_failed_script, {}},
        {"admin-interface", &Parser::admin_interface, {}},
        {"name-server", &Parser::name_server, {}},
        {"nameserver", &Parser::name_server, "name-server"},
        {"hostname", &Parser::hostname, {}},
        {"timezone", &Parser::timezone, {}},
        {"ntp", &Parser::ntp, {}},
        {"ntp-server", &Parser::ntp_server, {}},
        {"ntp-servers", &Parser::ntp_server, "ntp-server"},
        {"bootloader", &Parser::bootloader, {}},
        {"network-backend", &Parser::network_backend, {}},
        {"service", &Parser::service, {}},
        {"ui-confirmation-prompt", &Parser::ui_confirmation_prompt, {}},
    };
    return table;
}

Origin Parser::origin_at(std::ptrdiff_t offset) const
{
    const auto [line, column] = lines_.at(offset);
    return Origin{line, column, {}};
}

Origin Parser::origin_of(pugi::xml_node node) const
{
    // pugixml points at the name, one past the '<'.
    Origin o = origin_at(node.offset_debug() - 1);
    o.element = "<" + std::string(node.name());
    for (const auto a : node.attributes()) {
        if (o.element.size() > 200) {
            o.element += " ...";
            break;
        }
        o.element += " " + std::string(a.name()) + "=" + quote(a.value());
    }
    o.element += ">";
    return o;
}

std::string Parser::text_of(pugi::xml_node node)
{
    std::string out;
    bool nested = false;
    for (const auto child : node.children()) {
        if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
            out += child.value();
        } else if (child.type() == pugi::node_element) {
            nested = true;
        }
    }
    if (nested) {
        result_.diagnostics.lenient(origin_of(node), "holds elements where only text belongs; they are ignored",
                                    options_.strict);
    }
    return std::string(util::trim(out));
}

Text Parser::text_element(pugi::xml_node node)
{
    check_attributes(node, {});
    return Text{text_of(node), origin_of(node)};
}

void Parser::single_text(pugi::xml_node node, std::optional<Text>& slot, std::string_view name, Check check)
{
    if (!once(slot, node, name)) {
        return;
    }
    auto text = text_element(node);
    if (const auto problem = check(text.value); !problem.empty()) {
        result_.diagnostics.error(text.origin, quote(text.value) + " " + problem);
    }
    slot = std::move(text);
}

void Parser::note_legacy(pugi::xml_node node, std::string what, bool meaning_changes)
{
    result_.legacy.push_back({origin_of(node), std::move(what), meaning_changes});
}

void Parser::check_attributes(pugi::xml_node node, std::initializer_list<std::string_view> allowed)
{
    std::optional<Origin> origin;  // made once per element, not per attribute
    for (const auto a : node.attributes()) {
        if (std::find(allowed.begin(), allowed.end(), std::string_view(a.name())) == allowed.end()) {
            std::string expected;
            for (const auto name : allowed) {
                expected += (expected.empty() ? "" : ", ") + std::string(name);
            }
            if (!origin) {
                origin = origin_of(node);
            }
            result_.diagnostics.lenient(
                *origin,
                "unknown attribute " + std::string(a.name()) + " is ignored" +
                    (expected.empty() ? std::string("; this element takes none")
                                      : "; this element takes " + expected),
                options_.strict);
        }
    }
}

std::optional<std::string> Parser::attr(pugi::xml_node node, std::initializer_list<const char*> names)
{
    bool first = true;
    for (const char* name : names) {
        if (const auto a = node.attribute(name)) {
            if (!first) {
                note_legacy(node, std::string(name) + " is written " + *names.begin() + " now");
            }
            return std::string(util::trim(a.value()));
        }
        first = false;
    }
    return std::nullopt;
}

std::optional<bool> Parser::bool_attr(pugi::xml_node node, std::initializer_list<const char*> names)
{
    const auto value = attr(node, names);
    if (!value) {
        return std::nullopt;
    }
    const auto parsed = parse_bool(*value);
    if (!parsed) {
        result_.diagnostics.error(origin_of(node), std::string(*names.begin()) + "=" + quote(*value) +
                                                       " is not a boolean; expected yes, no, true or false");
    }
    return parsed;
}

template <typename E>
std::optional<E> Parser::enum_attr(pugi::xml_node node, const char* name)
{
    const auto a = node.attribute(name);
    if (!a) {
        return std::nullopt;
    }
    const auto value = util::trim(a.value());
    const auto parsed = parse_enum<E>(value);
    if (!parsed) {
        result_.diagnostics.error(origin_of(node), std::string(name) + "=" + quote(value) +
                                                       " is not known; expected " + expected_values<E>());
    }
    return parsed;
}

template <typename T>
bool Parser::once(const std::optional<T>& slot, pugi::xml_node node, std::string_view what)
{
    if (!slot) {
        single_seen_[std::string(what)] = origin_of(node).line;
        return true;
    }
    result_.diagnostics.error(origin_of(node), "<" + std::string(what) + "> is given twice (first at line " +
                                                   std::to_string(single_seen_[std::string(what)]) +
                                                   "); give it once");
    return false;
}

void Parser::unexpected(pugi::xml_node node, std::string_view context)
{
    const std::string name = node.name();
    const auto is_top = std::find(top_level_names.begin(), top_level_names.end(), name) != top_level_names.end();
    const auto is_child =
        std::find(interface_child_names.begin(), interface_child_names.end(), name) != interface_child_names.end();
    std::string message;
    if (is_top) {
        message = "is misplaced inside " + std::string(context) + " and ignored; it belongs directly under the root";
    } else if (is_child) {
        message = "is misplaced in " + std::string(context) + " and ignored; it belongs inside <admin-interface>";
    } else {
        message = "is not an answerfile element and is ignored";
        std::vector<std::string_view> known(top_level_names.begin(), top_level_names.end());
        known.insert(known.end(), interface_child_names.begin(), interface_child_names.end());
        if (const auto near = util::closest(name, known, 2)) {
            message += "; did you mean <" + std::string(*near) + ">?";
        }
    }
    result_.diagnostics.lenient(origin_of(node), message, options_.strict);
}

ParseResult Parser::run()
{
    if (text_.size() > max_answerfile_bytes) {
        result_.diagnostics.error({}, "the file is " + std::to_string(text_.size()) +
                                          " bytes; an answerfile larger than 1 MiB is refused");
        return std::move(result_);
    }
    if (util::trim(text_).empty()) {
        result_.diagnostics.error({}, "the file is empty; expected an XML answerfile with an <installation> root");
        return std::move(result_);
    }
    const auto encoding = util::declared_encoding(text_);
    if (encoding.kind == util::XmlEncoding::unsupported) {
        result_.diagnostics.error(origin_at(0), "the XML declaration names the encoding \"" +
                                                    util::printable(encoding.name) +
                                                    "\", which is not supported; save the file as UTF-8");
        return std::move(result_);
    }
    if (const auto bad = util::first_invalid_utf8(text_); bad && encoding.kind == util::XmlEncoding::utf8) {
        const auto at = origin_at(static_cast<std::ptrdiff_t>(*bad));
        result_.diagnostics.error(at, "the file is not valid UTF-8 (binary data, or another encoding without an "
                                      "XML declaration saying so)");
        return std::move(result_);
    }

    pugi::xml_document doc;
    // No DTD processing: entities other than the five predefined ones are never
    // expanded, so entity-expansion tricks cost nothing.
    const auto loaded = doc.load_buffer(text_.data(), text_.size(), pugi::parse_default, pugi::encoding_auto);
    if (loaded.status == pugi::status_no_document_element) {
        result_.diagnostics.error({}, "the file has no root element; expected <installation> or <restore>");
        return std::move(result_);
    }
    if (!loaded) {
        result_.diagnostics.error(origin_at(loaded.offset),
                                  std::string("the file is not well-formed XML: ") + loaded.description());
        return std::move(result_);
    }
    const auto top = doc.document_element();
    if (!top) {
        result_.diagnostics.error({}, "the file has no root element; expected <installation> or <restore>");
        return std::move(result_);
    }
    // A file with thousands of attributes on one element is refused before
    // any check looks at them: each check is then linear in the file.
    struct Crowded : pugi::xml_tree_walker {
        pugi::xml_node found;
        bool for_each(pugi::xml_node& node) override
        {
            std::size_t n = 0;
            for (auto a = node.first_attribute(); a; a = a.next_attribute()) {
                if (++n > max_attributes_per_element) {
                    found = node;
                    return false;
                }
            }
            return true;
        }
    } crowded;
    doc.traverse(crowded);
    if (crowded.found) {
        auto at = origin_at(crowded.found.offset_debug() - 1);
        at.element = "<" + util::printable(crowded.found.name(), 64) + ">";
        result_.diagnostics.error(at, "has more than " + std::to_string(max_attributes_per_element) +
                                          " attributes; no answerfile element takes that many");
        return std::move(result_);
    }
    root(top);
    if (result_.model) {
        validate(*result_.model, !result_.legacy.empty(), result_.diagnostics);
    }
    return std::move(result_);
}

void Parser::root(pugi::xml_node node)
{
    const std::string name = node.name();
    model_.origin = origin_of(node);
    if (name == "restore") {
        check_attributes(node, {});
        model_.mode = Mode::restore;
    } else if (name == "installation" || name == "upgrade") {
        check_attributes(node, {"mode", "sr-type", "srtype", "gpgcheck", "repo-gpgcheck"});
        const auto mode = node.attribute("mode");
        const std::string mode_text(util::trim(mode.value()));
        if (mode_text.empty()) {
            model_.mode = name == "upgrade" ? Mode::upgrade : Mode::fresh;
        } else if (const auto m = parse_enum<Mode>(mode_text); m && *m != Mode::restore) {
            model_.mode = *m;
        } else {
            result_.diagnostics.error(model_.origin, "mode=" + quote(mode_text) +
                                                         " is not known; expected fresh, reinstall or upgrade");
        }
        if (name == "upgrade" && model_.mode != Mode::upgrade) {
            result_.diagnostics.error(model_.origin, "an <upgrade> root cannot have mode=" + quote(mode_text) +
                                                         "; use <installation mode=\"" + mode_text + "\">");
        }
        if (const auto sr = attr(node, {"sr-type", "srtype"})) {
            if (const auto t = parse_enum<SrType>(*sr)) {
                model_.sr_type = t;
            } else {
                result_.diagnostics.error(model_.origin,
                                          "sr-type=" + quote(*sr) + " is not known; expected lvm or ext");
            }
        }
        model_.gpgcheck = bool_attr(node, {"gpgcheck"});
        model_.repo_gpgcheck = bool_attr(node, {"repo-gpgcheck"});
    } else {
        result_.diagnostics.error(model_.origin,
                                  "is not an answerfile root; expected <installation>, <upgrade> or <restore>");
        return;
    }

    for (const auto child : node.children()) {
        if (child.type() != pugi::node_element) {
            continue;
        }
        const auto& table = rules();
        const auto rule = std::find_if(table.begin(), table.end(),
                                       [&](const ElementRule& r) { return r.name == child.name(); });
        if (rule == table.end()) {
            unexpected(child, "<" + name + ">");
            continue;
        }
        if (!rule->modern.empty()) {
            note_legacy(child, "<" + std::string(rule->name) + "> is written <" + std::string(rule->modern) + "> now");
        }
        (this->*rule->handle)(child);
    }
    if (model_.mode == Mode::reinstall && model_.existing_installation) {
        note_legacy(node,
                    "mode=\"reinstall\" over <existing-installation> (keep the VMs) is the 2009 meaning; the modern "
                    "vendor installer has no such mode (xcp-installer keeps it; for the vendor installer use "
                    "mode=\"upgrade\")",
                    true);
    }
    result_.model = std::move(model_);
}

void Parser::primary_disk(pugi::xml_node node)
{
    check_attributes(node, {"guest-storage", "gueststorage", "sr-at-end", "preserve-first-partition"});
    if (!once(model_.primary_disk, node, "primary-disk")) {
        return;
    }
    PrimaryDisk disk;
    disk.origin = origin_of(node);
    disk.device = text_of(node);
    if (const auto problem = check_disk_name(disk.device); !problem.empty()) {
        result_.diagnostics.error(disk.origin, quote(disk.device) + " " + problem);
    }
    disk.guest_storage = bool_attr(node, {"guest-storage", "gueststorage"}).value_or(true);
    disk.sr_at_end = bool_attr(node, {"sr-at-end"}).value_or(true);
    if (const auto p = attr(node, {"preserve-first-partition"})) {
        std::string lowered = *p;
        std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
        if (const auto v = parse_enum<PreserveFirstPartition>(lowered)) {
            disk.preserve_first_partition = *v;
        } else {
            result_.diagnostics.error(disk.origin, "preserve-first-partition=" + quote(*p) +
                                                       " is not known; expected yes, no, true, false or if-utility");
        }
    }
    model_.primary_disk = std::move(disk);
}

void Parser::guest_disk(pugi::xml_node node)
{
    auto disk = text_element(node);
    if (const auto problem = check_disk_name(disk.value); !problem.empty()) {
        result_.diagnostics.error(disk.origin, quote(disk.value) + " " + problem);
    }
    model_.guest_disks.push_back(std::move(disk));
}

void Parser::guest_disks(pugi::xml_node node)
{
    check_attributes(node, {});
    for (const auto child : node.children()) {
        if (child.type() == pugi::node_element) {
            if (std::string_view(child.name()) == "guest-disk") {
                guest_disk(child);
            } else {
                unexpected(child, "<guest-disks>");
            }
        }
    }
}

void Parser::raid(pugi::xml_node node)
{
    check_attributes(node, {"device"});
    if (!once(model_.raid, node, "raid")) {
        return;
    }
    Raid r;
    r.origin = origin_of(node);
    r.device = attr(node, {"device"}).value_or("");
    if (r.device.empty()) {
        result_.diagnostics.error(r.origin, "needs a device attribute naming the RAID device, such as md127");
    } else if (const auto problem = check_disk_name(r.device); !problem.empty()) {
        result_.diagnostics.error(r.origin, "device=" + quote(r.device) + " " + problem);
    }
    for (const auto child : node.children()) {
        if (child.type() != pugi::node_element) {
            continue;
        }
        if (std::string_view(child.name()) != "disk") {
            unexpected(child, "<raid>");
            continue;
        }
        auto disk = text_element(child);
        if (const auto problem = check_disk_name(disk.value); !problem.empty()) {
            result_.diagnostics.error(disk.origin, quote(disk.value) + " " + problem);
        }
        r.disks.push_back(std::move(disk));
    }
    if (r.disks.size() < 2) {
        result_.diagnostics.error(r.origin, "names " + std::to_string(r.disks.size()) +
                                                " <disk>; a RAID 1 mirror needs at least two");
    }
    model_.raid = std::move(r);
}

void Parser::existing_installation(pugi::xml_node node)
{
    single_text(node, model_.existing_installation, "existing-installation", check_disk_name);
}

void Parser::backup_disk(pugi::xml_node node)
{
    single_text(node, model_.backup_disk, "backup-disk", check_disk_name);
}

void Parser::keymap(pugi::xml_node node)
{
    single_text(node, model_.keymap, "keymap", check_keymap);
}

void Parser::root_password(pugi::xml_node node)
{
    check_attributes(node, {"type"});
    if (!once(model_.root_password, node, "root-password")) {
        return;
    }
    RootPassword pw;
    pw.origin = origin_of(node);
    pw.type = enum_attr<PasswordType>(node, "type").value_or(PasswordType::plaintext);
    // Trimmed like every text, as the reference installer reads it.
    auto value = text_of(node);
    if (pw.type == PasswordType::hash) {
        if (const auto problem = check_password_hash(value); !problem.empty()) {
            result_.diagnostics.error(pw.origin, "the value " + problem);
        }
    } else if (value.empty()) {
        result_.diagnostics.error(pw.origin, "is empty; give a password, or leave the element out to be asked at "
                                             "first boot");
    }
    pw.value = Secret(std::move(value));
    model_.root_password = std::move(pw);
}

std::optional<Source> Parser::read_source(pugi::xml_node node, bool text_required)
{
    Source s;
    s.origin = origin_of(node);
    const auto type_text = attr(node, {"type"});
    auto location = text_of(node);
    if (!type_text) {
        result_.diagnostics.error(s.origin, "needs a type attribute; expected url, nfs or local");
        return std::nullopt;
    }
    const auto type = parse_enum<SourceType>(*type_text);
    if (!type) {
        result_.diagnostics.error(s.origin,
                                  "type=" + quote(*type_text) + " is not a source type; expected url, nfs or local");
        return std::nullopt;
    }
    s.type = *type;
    // The reference treats a url source starting nfs:// as an NFS source.
    constexpr std::string_view nfs_scheme = "nfs://";
    if (s.type == SourceType::url && location.starts_with(nfs_scheme)) {
        s.type = SourceType::nfs;
        auto rest = location.substr(nfs_scheme.size());
        const auto slash = rest.find('/');
        if (slash != std::string::npos && (slash == 0 || rest[slash - 1] != ':')) {
            rest.insert(slash, ":");
        }
        location = rest;
    }
    if (s.type == SourceType::local) {
        if (!location.empty()) {
            result_.diagnostics.warning(s.origin, "type=\"local\" takes no text; the text is ignored");
        }
        location.clear();
    } else if (location.empty()) {
        if (text_required) {
            result_.diagnostics.error(s.origin, "is empty; a " + std::string(to_string(s.type)) +
                                                    " source needs its location as the element's text");
        }
        return std::nullopt;
    } else if (const auto problem = check_source_location(s.type, location); !problem.empty()) {
        result_.diagnostics.error(s.origin, quote(net::redact_url(location)) + " " + problem);
    }
    s.location = std::move(location);
    return s;
}

void Parser::source(pugi::xml_node node)
{
    check_attributes(node, {"type"});
    if (auto s = read_source(node, true)) {
        model_.sources.push_back(std::move(*s));
    }
}

void Parser::driver_source(pugi::xml_node node)
{
    check_attributes(node, {"type"});
    if (auto s = read_source(node, true)) {
        model_.driver_sources.push_back(std::move(*s));
    }
}

void Parser::read_script(pugi::xml_node node, std::optional<ScriptStage> fixed_stage)
{
    Script script;
    if (fixed_stage) {
        check_attributes(node, {"type"});
        script.stage = *fixed_stage;
    } else {
        check_attributes(node, {"stage", "type"});
        if (!node.attribute("stage")) {
            result_.diagnostics.error(origin_of(node), "needs a stage attribute; expected " +
                                                           expected_values<ScriptStage>());
            return;
        }
        const auto stage = enum_attr<ScriptStage>(node, "stage");
        if (!stage) {
            return;
        }
        script.stage = *stage;
    }
    if (auto s = read_source(node, true)) {
        script.source = std::move(*s);
        model_.scripts.push_back(std::move(script));
    }
}

void Parser::script(pugi::xml_node node)
{
    read_script(node, std::nullopt);
}

void Parser::post_install_script(pugi::xml_node node)
{
    note_legacy(node, "<post-install-script> is written <script stage=\"filesystem-populated\"> now");
    read_script(node, ScriptStage::filesystem_populated);
}

void Parser::install_failed_script(pugi::xml_node node)
{
    note_legacy(node,
                "<install-failed-script> becomes <script stage=\"installation-complete\">, which runs after every "
                "install with $1 = 0 (success) or 1 (failure), not only after a failure",
                true);
    read_script(node, ScriptStage::installation_complete);
}

void Parser::admin_interface(pugi::xml_node node)
{
    check_attributes(node, {"name", "hwaddr", "proto", "protov6", "vlan"});
    if (!once(model_.admin_interface, node, "admin-interface")) {
        return;
    }
    AdminInterface ai;
    ai.origin = origin_of(node);
    auto& diag = result_.diagnostics;
    ai.name = attr(node, {"name"});
    if (const auto hw = attr(node, {"hwaddr"})) {
        if (const auto mac = net::normalize_mac(*hw)) {
            ai.hwaddr = *mac;
        } else {
            diag.error(ai.origin, "hwaddr=" + quote(*hw) + " is not a MAC address; expected aa:bb:cc:dd:ee:ff");
        }
    }
    const bool has_hwaddr = node.attribute("hwaddr");
    if (!ai.name && !has_hwaddr) {
        diag.error(ai.origin, "needs name (such as eth0) or hwaddr (the NIC's MAC address)");
    } else if (ai.name && has_hwaddr) {
        diag.error(ai.origin, "has both name and hwaddr; give one of them");
    } else if (ai.name && (ai.name->empty() || ai.name->size() > 15 ||
                           ai.name->find_first_of(" /\t") != std::string::npos)) {
        diag.error(ai.origin, "name=" + quote(*ai.name) + " is not an interface name; expected a name such as eth0");
    }
    if (!node.attribute("proto")) {
        diag.error(ai.origin, "needs proto; expected dhcp, static or none");
    }
    ai.proto = enum_attr<Proto>(node, "proto").value_or(Proto::dhcp);
    ai.protov6 = enum_attr<ProtoV6>(node, "protov6");
    if (const auto vlan = attr(node, {"vlan"})) {
        const auto n = util::to_int(*vlan);
        if (!n || *n < 1 || *n > 4094) {
            diag.error(ai.origin, "vlan=" + quote(*vlan) + " is not a VLAN ID; expected a number from 1 to 4094");
        } else {
            ai.vlan = *n;
        }
    }

    std::set<std::string> seen;
    for (const auto child : node.children()) {
        if (child.type() != pugi::node_element) {
            continue;
        }
        const std::string name = child.name();
        std::optional<std::string>* slot = nullptr;
        std::string canonical = name;
        if (name == "ipaddr" || name == "ip") {
            slot = &ai.ipaddr;
            canonical = "ipaddr";
        } else if (name == "subnet" || name == "subnet-mask") {
            slot = &ai.subnet;
            canonical = "subnet";
        } else if (name == "gateway") {
            slot = &ai.gateway;
        } else if (name == "ipv6") {
            slot = &ai.ipv6;
        } else if (name == "gatewayv6") {
            slot = &ai.gatewayv6;
        } else {
            unexpected(child, "<admin-interface>");
            continue;
        }
        if (canonical != name) {
            note_legacy(child, "<" + name + "> is written <" + canonical + "> now");
        }
        const auto value = text_element(child);
        if (!seen.insert(canonical).second) {
            diag.error(value.origin, "is given twice inside <admin-interface>; give it once");
            continue;
        }
        bool ok = true;
        std::string expected;
        if (canonical == "ipaddr" || canonical == "gateway") {
            ok = net::is_ipv4(value.value);
            expected = "an IPv4 address such as 192.0.2.10";
        } else if (canonical == "subnet") {
            ok = net::is_ipv4_netmask(value.value);
            expected = "a netmask with contiguous bits such as 255.255.255.0";
        } else if (canonical == "ipv6") {
            ok = net::is_ipv6_with_prefix(value.value);
            expected = "an IPv6 address with prefix such as 2001:db8::10/64";
        } else {
            ok = net::is_ipv6(value.value);
            expected = "an IPv6 address such as 2001:db8::1";
        }
        if (!ok) {
            diag.error(value.origin, quote(value.value) + " is not " + expected);
        }
        *slot = value.value;
    }

    const bool v4_static = node.attribute("proto") && ai.proto == Proto::static_;
    const bool v6_static = ai.protov6 == ProtoV6::static_;
    if (v4_static) {
        for (const auto& [slot, element] : {std::pair{&ai.ipaddr, "ipaddr"}, std::pair{&ai.subnet, "subnet"},
                                            std::pair{&ai.gateway, "gateway"}}) {
            if (!*slot) {
                diag.error(ai.origin, std::string("needs <") + element + "> for a static IPv4 address");
            }
        }
    } else if (ai.ipaddr || ai.subnet || ai.gateway) {
        diag.warning(ai.origin, "has IPv4 address elements but proto is not static; they are ignored");
    }
    if (v6_static) {
        if (!ai.ipv6) {
            diag.error(ai.origin, "needs <ipv6> (address/prefix) for a static IPv6 address");
        }
        if (!ai.gatewayv6) {
            diag.error(ai.origin, "needs <gatewayv6> for a static IPv6 address");
        }
    } else if (ai.ipv6 || ai.gatewayv6) {
        diag.warning(ai.origin, "has IPv6 address elements but protov6 is not static; they are ignored");
    }
    if (node.attribute("proto") && ai.proto == Proto::none && !ai.protov6) {
        diag.error(ai.origin, "has neither IPv4 nor IPv6 configured; set proto to dhcp or static, or add protov6");
    }
    model_.admin_interface = std::move(ai);
}

void Parser::name_server(pugi::xml_node node)
{
    auto ns = text_element(node);
    if (!net::is_ip(ns.value)) {
        result_.diagnostics.error(ns.origin, quote(ns.value) + " is not an IP address; expected a name server's "
                                                               "IPv4 or IPv6 address");
    }
    for (const auto& other : model_.name_servers) {
        if (other.value == ns.value) {
            result_.diagnostics.warning(ns.origin, "repeats the name server of line " +
                                                       std::to_string(other.origin.line));
        }
    }
    model_.name_servers.push_back(std::move(ns));
}

void Parser::hostname(pugi::xml_node node)
{
    single_text(node, model_.hostname, "hostname", check_hostname);
}

void Parser::timezone(pugi::xml_node node)
{
    single_text(node, model_.timezone, "timezone", check_timezone);
}

void Parser::ntp(pugi::xml_node node)
{
    check_attributes(node, {"source"});
    if (model_.ntp.origin.line != 0) {
        result_.diagnostics.error(origin_of(node), "<ntp> is given twice (first at line " +
                                                       std::to_string(model_.ntp.origin.line) + "); give it once");
        return;
    }
    model_.ntp.origin = origin_of(node);
    model_.ntp.source = enum_attr<NtpSource>(node, "source");
    for (const auto child : node.children()) {
        if (child.type() != pugi::node_element) {
            continue;
        }
        const std::string_view name = child.name();
        if (name == "ntp-server" || name == "ntp-servers") {
            if (name == "ntp-servers") {
                note_legacy(child, "<ntp-servers> is written <ntp-server> now");
            }
            ntp_server(child);
        } else {
            unexpected(child, "<ntp>");
        }
    }
}

void Parser::ntp_server(pugi::xml_node node)
{
    auto server = text_element(node);
    if (!net::is_ip(server.value) && !net::is_hostname(server.value)) {
        result_.diagnostics.error(server.origin,
                                  quote(server.value) + " is not a host name or IP address of an NTP server");
    }
    model_.ntp.servers.push_back(std::move(server));
}

void Parser::bootloader(pugi::xml_node node)
{
    check_attributes(node, {"location", "write-boot-entry"});
    if (!once(model_.bootloader, node, "bootloader")) {
        return;
    }
    Bootloader b;
    b.origin = origin_of(node);
    const auto text = text_of(node);
    if (const auto kind = parse_enum<BootloaderKind>(text)) {
        b.kind = *kind;
        if (b.kind == BootloaderKind::extlinux || b.kind == BootloaderKind::grub) {
            note_legacy(node, "<bootloader>" + text + "</bootloader> is a 2009 boot loader; the modern installer "
                                                      "only writes grub2",
                        true);
        }
    } else {
        result_.diagnostics.error(b.origin, quote(text) + " is not a boot loader; expected grub2 (or empty), or "
                                                          "extlinux or grub in the 2009 dialect");
    }
    b.location = enum_attr<BootloaderLocation>(node, "location").value_or(BootloaderLocation::mbr);
    b.write_boot_entry = bool_attr(node, {"write-boot-entry"});
    model_.bootloader = std::move(b);
}

void Parser::network_backend(pugi::xml_node node)
{
    if (!once(model_.network_backend, node, "network-backend")) {
        return;
    }
    const auto text = text_element(node);
    if (const auto backend = parse_enum<NetworkBackend>(text.value)) {
        model_.network_backend = backend;
    } else {
        result_.diagnostics.error(text.origin, quote(text.value) + " is not a network backend; expected " +
                                                   expected_values<NetworkBackend>());
    }
}

void Parser::service(pugi::xml_node node)
{
    check_attributes(node, {"name", "state"});
    Service s;
    s.origin = origin_of(node);
    s.name = attr(node, {"name"}).value_or("");
    const auto state = attr(node, {"state"});
    if (s.name.empty()) {
        result_.diagnostics.error(s.origin, "needs a name attribute naming the service, such as sshd");
        return;
    }
    if (!state || (*state != "enabled" && *state != "disabled")) {
        result_.diagnostics.error(s.origin, "state=" + quote(state.value_or("")) +
                                                " is not known; expected enabled or disabled");
        return;
    }
    s.enabled = *state == "enabled";
    for (const auto& other : model_.services) {
        if (other.name == s.name) {
            result_.diagnostics.error(s.origin, "service " + s.name + " is given twice (first at line " +
                                                    std::to_string(other.origin.line) + "); give it once");
            return;
        }
    }
    model_.services.push_back(std::move(s));
}

void Parser::ui_confirmation_prompt(pugi::xml_node node)
{
    if (once(model_.ui_confirmation_prompt, node, "ui-confirmation-prompt")) {
        model_.ui_confirmation_prompt = text_element(node);
    }
}

}  // namespace

ParseResult parse(std::string_view xml, const ParseOptions& options)
{
    return Parser(xml, options).run();
}

}  // namespace xcp::answerfile
