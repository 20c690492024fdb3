#pragma once

#include <string>

namespace xcp::answerfile {

// Where a piece of the model came from: the line and column of its element and
// the element as the operator wrote it (`<admin-interface proto="static">`),
// for messages. Provenance is not part of a model's value: two models that say
// the same thing are equal wherever they were read from.
struct Origin {
    int line = 0;  // 0: built in code, not read from a file
    int column = 0;
    std::string element;

    friend bool operator==(const Origin&, const Origin&) { return true; }
};

}  // namespace xcp::answerfile
