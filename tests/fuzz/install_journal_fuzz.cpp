// The install journal's slots, read from a disk the installer did not
// write (a user's disk): decoded as they are, and sealed with their own
// SHA-256 so that the fields behind the checksum are reached too. A record
// that decodes must survive encoding unchanged, and the next run's decision
// must say what it does.
#include "installer-agent/journal/journal.hpp"
#include "libxcp/checksum/digest.hpp"

#include <cstdint>
#include <cstdlib>

namespace {

void check(const std::string& block)
{
    namespace j = xcp::installer::journal;
    const auto r = j::decode(block);
    if (!r) {
        return;
    }
    if (j::decode(j::encode(*r)) != r) {
        std::abort();
    }
    for (const auto* mode : {"fresh", "upgrade", "restore"}) {
        const auto next = j::next_run(r, mode, std::string_view(mode) != "fresh");
        if (next.kind != j::NextRun::Kind::plan && next.sentence.empty()) {
            std::abort();  // every decision but "as asked" is said
        }
    }
    (void)j::describe(*r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    namespace j = xcp::installer::journal;
    std::string raw(reinterpret_cast<const char*>(data), size);
    std::string block = raw;
    block.resize(j::block_size, '\0');
    check(block);
    std::string text = "xcp-installer journal 1\n" + raw;
    text += "sha256=" + xcp::checksum::hex_of(xcp::checksum::Algorithm::sha256, text) + "\n";
    if (text.size() <= j::block_size) {
        text.resize(j::block_size, '\0');
        check(text);
    }
    return 0;
}
