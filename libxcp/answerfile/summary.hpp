#pragma once

#include "libxcp/answerfile/model.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace xcp::answerfile {

// The normalized model with the installer's defaults filled in, for people
// and machines (`answerfile show`). The root password is shown as <hidden>,
// passwords in URLs likewise.
nlohmann::ordered_json to_json(const Answerfile& a);
// to_json() as text. Invalid UTF-8 cannot reach the model through the parser;
// should it come another way, it is replaced rather than thrown on.
std::string to_json_text(const Answerfile& a, int indent = 2);
// The same content as `key: value` lines.
std::string to_text(const Answerfile& a);

}  // namespace xcp::answerfile
