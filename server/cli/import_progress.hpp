// How an import shows its progress: a bar redrawn in place on a terminal
// (bytes, files, the current file, time left), plain lines otherwise.
#pragma once

#include "server/release/release_import.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

namespace xcp::cli {

// A bar when `out` is a terminal, else log lines.
std::unique_ptr<release::ImportProgress> make_import_progress(std::FILE* out);

// "[#####.....]  45%  1.2/2.5 GiB  30/61 files  Packages/x.rpm  0:12 left"
// for a terminal `width` columns wide: pure, for tests.
std::string progress_bar(std::uint64_t bytes, std::uint64_t total_bytes, std::size_t files, std::size_t total_files,
                         const std::string& file, std::chrono::seconds elapsed, std::size_t width);

}  // namespace xcp::cli
