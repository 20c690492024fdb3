#pragma once

#include "libxcp/answerfile/model.hpp"

#include <string>

namespace xcp::answerfile {

// Canonical modern XML. parse(write(m)).model == m for every model the
// validator accepts. The output holds the root password: it is for the host
// being installed, never for a log.
std::string write(const Answerfile& a);

}  // namespace xcp::answerfile
