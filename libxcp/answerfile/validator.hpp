#pragma once

#include "libxcp/answerfile/diagnostic.hpp"
#include "libxcp/answerfile/model.hpp"

namespace xcp::answerfile {

// The rules that span elements: what each mode needs and ignores, disks named
// twice, static addresses complete. Single values are checked by the parser.
// `legacy` is true for a file in the 2009 dialect, which required more.
void validate(const Answerfile& a, bool legacy, Diagnostics& out);

}  // namespace xcp::answerfile
