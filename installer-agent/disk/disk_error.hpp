#pragma once

#include <stdexcept>

namespace xcp::installer {

// A disk step that failed; the text names the disk and the step.
class DiskError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace xcp::installer
