#include "installer-agent/journal/journal.hpp"

#include "libxcp/checksum/digest.hpp"

#include <charconv>
#include <map>

namespace xcp::installer::journal {
namespace {

constexpr std::string_view magic = "xcp-installer journal 1\n";

bool plain(std::string_view value)
{
    for (const char c : value) {
        if (c == '\n' || c == '\0' || c == '=') {
            return false;
        }
    }
    return value.size() <= 100;
}

std::optional<std::uint64_t> number(std::string_view text)
{
    std::uint64_t n = 0;
    const auto* end = text.data() + text.size();
    const auto [at, ec] = std::from_chars(text.data(), end, n);
    if (ec != std::errc() || at != end || text.empty()) {
        return std::nullopt;
    }
    return n;
}

std::optional<State> state_of(std::string_view text)
{
    for (const auto s : {State::started, State::done, State::complete, State::failed}) {
        if (to_string(s) == text) {
            return s;
        }
    }
    return std::nullopt;
}

std::string at(const Record& r)
{
    return "operation " + std::to_string(r.reached + 1) + " of " + std::to_string(r.operations) + " (" + r.step + ")";
}

std::string a_run(const Record& r)
{
    const auto article = r.mode.empty() || std::string_view("aeiou").find(r.mode.front()) == std::string_view::npos
                             ? "a "
                             : "an ";
    return article + (r.rewrite_from ? r.mode : "fresh install") + " of " + r.disk;
}

}  // namespace

std::string_view to_string(State state)
{
    switch (state) {
    case State::started:
        return "started";
    case State::done:
        return "done";
    case State::complete:
        return "complete";
    case State::failed:
        return "failed";
    }
    return "started";
}

std::string encode(const Record& r)
{
    std::string text(magic);
    const auto line = [&](std::string_view key, const std::string& value) {
        text += std::string(key) + "=" + (plain(value) ? value : std::string("?")) + "\n";
    };
    line("sequence", std::to_string(r.sequence));
    line("mode", r.mode);
    line("disk", r.disk);
    line("old", r.old_version);
    line("new", r.new_version);
    line("operations", std::to_string(r.operations));
    line("rewrite-from", r.rewrite_from ? std::to_string(*r.rewrite_from) : "-");
    line("reached", std::to_string(r.reached));
    line("step", r.step);
    line("state", std::string(to_string(r.state)));
    text += "sha256=" + checksum::hex_of(checksum::Algorithm::sha256, text) + "\n";
    text.resize(block_size, '\0');
    return text;
}

std::optional<Record> decode(std::string_view block)
{
    if (block.size() != block_size || !block.starts_with(magic)) {
        return std::nullopt;
    }
    const auto end = block.find('\0');
    const auto text = block.substr(0, end);
    if (end != std::string_view::npos && block.find_first_not_of('\0', end) != std::string_view::npos) {
        return std::nullopt;
    }
    const auto sum = text.rfind("sha256=");
    if (sum == std::string_view::npos || !text.ends_with("\n") || text.size() != sum + 7 + 64 + 1 ||
        checksum::hex_of(checksum::Algorithm::sha256, text.substr(0, sum)) != text.substr(sum + 7, 64)) {
        return std::nullopt;
    }
    std::map<std::string, std::string, std::less<>> fields;
    for (std::size_t from = magic.size(); from < sum;) {
        const auto nl = text.find('\n', from);
        const auto line = text.substr(from, nl - from);
        const auto eq = line.find('=');
        // Only what encode() writes: a value it would not write as given
        // (with '=' in it, or too long) is no record of ours.
        if (eq == std::string_view::npos || !plain(line.substr(eq + 1)) ||
            !fields.emplace(line.substr(0, eq), line.substr(eq + 1)).second) {
            return std::nullopt;
        }
        from = nl + 1;
    }
    const auto field = [&](std::string_view key) -> const std::string* {
        const auto it = fields.find(key);
        return it == fields.end() ? nullptr : &it->second;
    };
    Record r;
    const auto* sequence = field("sequence");
    const auto* operations = field("operations");
    const auto* rewrite = field("rewrite-from");
    const auto* reached = field("reached");
    const auto* state = field("state");
    for (const auto* f : {sequence, operations, rewrite, reached, state, field("mode"), field("disk"), field("old"),
                          field("new"), field("step")}) {
        if (f == nullptr) {
            return std::nullopt;
        }
    }
    const auto seq = number(*sequence);
    const auto ops = number(*operations);
    const auto got = number(*reached);
    const auto s = state_of(*state);
    if (!seq || !ops || !got || !s || *got > *ops || fields.size() != 10) {
        return std::nullopt;
    }
    if (*rewrite != "-") {
        const auto from = number(*rewrite);
        if (!from || *from > *ops) {
            return std::nullopt;
        }
        r.rewrite_from = *from;
    }
    r.sequence = *seq;
    r.operations = *ops;
    r.reached = *got;
    r.state = *s;
    r.mode = *field("mode");
    r.disk = *field("disk");
    r.old_version = *field("old");
    r.new_version = *field("new");
    r.step = *field("step");
    return r;
}

std::optional<Record> newest(const std::vector<std::string>& slots)
{
    std::optional<Record> best;
    for (const auto& s : slots) {
        if (auto r = decode(s); r && (!best || r->sequence > best->sequence)) {
            best = std::move(r);
        }
    }
    return best;
}

bool unreadable(const std::vector<std::string>& slots)
{
    if (newest(slots)) {
        return false;
    }
    for (const auto& s : slots) {
        if (s.find_first_not_of('\n') != std::string::npos) {
            return true;
        }
    }
    return false;
}

std::string describe(const Record& r)
{
    std::string text = a_run(r) + ": ";
    text += r.state == State::complete ? "complete after " + std::to_string(r.operations) + " operations"
                                       : at(r) + " " + std::string(to_string(r.state));
    if (!r.old_version.empty() || !r.new_version.empty()) {
        text += ", " + (r.old_version.empty() ? std::string("?") : r.old_version) + " -> " +
                (r.new_version.empty() ? std::string("?") : r.new_version);
    }
    return text;
}

NextRun next_run(const std::optional<Record>& record, std::string_view mode, bool keeping)
{
    using Kind = NextRun::Kind;
    if (!record || record->state == State::complete) {
        return {Kind::plan, ""};
    }
    const auto& r = *record;
    const auto stopped = a_run(r) + " stopped at " + at(r);
    if (!r.rewrite_from) {
        if (keeping) {
            return {Kind::refuse, stopped + " and was never made bootable: " + r.disk + " holds no complete "
                                  "installation to " + std::string(mode) + "; run the fresh install again"};
        }
        return {Kind::redo, stopped + " and was never made bootable: it is done again from the start"};
    }
    if (r.reached < *r.rewrite_from) {
        return {Kind::plan, stopped + ", before its root was rewritten: the installation is as it was"};
    }
    const auto rewriting = stopped + " while its root was rewritten";
    if (mode == "restore") {
        return {Kind::plan, rewriting + ": the restore writes the root again from the verified backup"};
    }
    if (!keeping) {
        return {Kind::refuse, rewriting + ": run the " + r.mode + " again to finish it, or restore the old root with "
                              "a <restore> answerfile"};
    }
    if (r.mode == "restore") {
        return {Kind::refuse, rewriting + ": run the restore again to finish it"};
    }
    return {Kind::resume, rewriting + ": this run rewrites it again from the verified backup of the old root"};
}

}  // namespace xcp::installer::journal
