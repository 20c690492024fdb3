// The install plan: a pure function of the answerfile, the probe, the
// repository facts and the identities the caller drew. It settles every
// decision (layout, labels, SR type, boot loader, sources) into typed
// operations, or says in one sentence why nothing will be touched.
#pragma once

#include "installer-agent/plan/operations.hpp"
#include "installer-agent/probe/probe.hpp"
#include "libxcp/answerfile/model.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace xcp::installer {

// Drawn at random by the caller, so that planning stays a function.
struct Identities {
    std::string installation_uuid, control_domain_uuid;
    std::string label_suffix;  // "a1b2c3": root-a1b2c3, logs-a1b2c3, BOOT-A1B2
};

struct PlanOptions {
    LayoutEra era = LayoutEra::modern;  // the repository's format says which
    std::string era_reason = "default";
    std::string dev_dir = "/dev";
    Identities identities;
    std::string local_source;  // what <source type="local"> means; "" when not given
    std::string syslinux_modules_dir = "/usr/lib/syslinux/modules/bios";
    std::string grub_modules_dir = "/usr/lib/grub/i386-pc";  // BIOS with GRUB: grub-mkimage's modules, boot.img
    int dom0_mem_mib = 2048;
    // The main repository's version, read before anything is touched; ""
    // when it could not be. An upgrade or reinstall needs it (no downgrade).
    std::string new_version;
    // Where an upgrade or reinstall sends its backup before it writes
    // anything (the server the answerfile came from); "": not sent.
    std::string backup_url;
    // A fresh install that brings a host back from a backup its server kept
    // (`xcp-pxe host restore MAC --from-server`): unpacked in `dir`, its
    // etc/xensource-inventory read into `inventory`.
    struct RestoreFromServer {
        std::string id, dir;
        std::map<std::string, std::string> inventory;
    };
    std::optional<RestoreFromServer> restore;
    // What the journal on the disk said the last run left (journal/
    // journal.hpp): a fresh install that never completed may be replaced;
    // an upgrade stopped while its root was rewritten goes on from its
    // verified backup. `journal_sequence`: the last record's number, which
    // this run's records follow.
    bool replace_unfinished = false;
    bool resume_from_backup = false;
    std::uint64_t journal_sequence = 0;
};

struct Plan {
    std::string mode;
    std::string primary;
    LayoutEra era = LayoutEra::modern;
    std::string era_reason;  // "XS-PACKAGES found", "--layout", ...
    Layout layout;
    std::vector<std::string> guest_disks;
    BootSettings boot;
    std::string local_sr;                 // "lvm on /dev/sda3 /dev/sdb", or "" for none
    std::vector<std::string> notes;       // said before anything runs ("no root password: ...")
    std::vector<PlannedOperation> operations;
    // What no operation may write (the SR partition and the guest disks in
    // the modes that keep them); the executor refuses any operation aimed at
    // one of them.
    std::vector<Target> never_written;
    // After a failure past partitioning: the log onto the logs partition,
    // labelled logs-failed, where the reference leaves it.
    std::optional<op::MakeFilesystem> failure_log;
    // Once the journal is on the logs partition, a failure adds the log to
    // it and relabels it logs-failed instead: the journal stays.
    std::optional<op::AddLogToLogs> failure_log_added;
    // The installation-complete scripts hear the outcome, 0 or 1, after the
    // last operation (or the failure) and before the last progress event:
    // the server's own report script ends the host's install with it.
    op::RunScripts completion_scripts, failure_scripts;
    // Upgrade, reinstall and restore replace an installation's root: from
    // which operation on, and what a failure before or after it leaves (the
    // executor says it after INSTALL FAILED).
    struct Replacement {
        std::size_t from = 0;
        std::string before, after;
    };
    std::optional<Replacement> replacement;
    // The journal: recorded from operation `journal_from` on (the one after
    // its CreateJournal); none when the plan writes no disk.
    std::optional<std::size_t> journal_from;
    std::uint64_t journal_sequence = 0;
    std::string old_version, new_version;  // for the journal and `status`
};

struct Refusal {
    std::string sentence;
};

std::variant<Plan, Refusal> make_plan(const answerfile::Answerfile& a, const Probe& probe, const PlanOptions& options);

// `xcp-installer backup DISK`: the installation on `disk` backed up onto its
// backup partition, verified and marked, as an upgrade does first; the root
// itself is among what is never written.
std::variant<Plan, Refusal> make_backup_plan(const Probe& probe, const std::string& disk, const PlanOptions& options);

std::string to_text(const Plan& plan);
nlohmann::json to_json(const Plan& plan);

// "46.0 GB": sizes in the sentences an operator reads.
std::string human_size(std::uint64_t bytes);

}  // namespace xcp::installer
