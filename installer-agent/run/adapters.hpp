// Where each operation of a plan meets the machine. The executor knows only
// this interface; the real one (system_adapters.hpp) writes disks, and the
// tests' fake records what it is asked.
#pragma once

#include "installer-agent/plan/operations.hpp"

#include <string>

namespace xcp::installer {

class Adapters {
public:
    virtual ~Adapters() = default;
    // Before the first operation: the staging tree and anything else the
    // operations need. Throws with the sentence the operator reads.
    virtual void prepare() {}
    // Throws when `disk` is no longer the disk that was probed (another
    // device or file under its name, another size).
    virtual void confirm_disk(const std::string& disk) = 0;
    // Carries out one operation. Returns what came of it when that is worth
    // saying ("checks clean"), else ""; throws with the sentence.
    virtual std::string apply(const Operation& operation) = 0;
    // Writes one journal block (journal/journal.hpp) into slot 0 or 1 of the
    // journal the plan's CreateJournal made, on the disk before it returns.
    // Throws with the sentence.
    virtual void record(int slot, const std::string& block) = 0;
};

}  // namespace xcp::installer
