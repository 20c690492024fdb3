// Output compared with a golden file under tests/golden/: what an operator
// reads is a contract too. To accept a change: XCP_UPDATE_GOLDEN=1, run the
// test, review the diff.
#pragma once

#include <string>

namespace xcp::test {

std::string replace_all(std::string text, const std::string& from, const std::string& to);

// UUIDs and label suffixes (root-a1b2c3, BOOT-A1B2), drawn at random for each
// run, as placeholders.
std::string without_identities(const std::string& text);

// `text` against tests/golden/`golden`; `what` names the input in the failure.
void expect_golden(const std::string& text, const std::string& golden, const std::string& what);

}  // namespace xcp::test
