// Running real programs from tests: clients we did not write, and our own
// daemon. Every wait is bounded.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace xcp::test {

struct CommandResult {
    int exit_code = -1;  // 124: killed by the time limit
    std::string output;  // stdout and stderr together
};

// Runs `command` through /bin/sh under `timeout`, capturing its output.
CommandResult run(const std::string& command, std::chrono::seconds limit = std::chrono::seconds(120));

// Shell-quotes one argument.
std::string quote(const std::string& arg);

// A process started in the background with its output in a log file;
// killed (SIGTERM, then SIGKILL) when destroyed.
class Daemon {
public:
    Daemon(const std::vector<std::string>& argv, const std::filesystem::path& log);
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    // Waits until the log holds `text`, the process exits, or the limit passes.
    bool wait_for_log(const std::string& text, std::chrono::milliseconds limit = std::chrono::seconds(10)) const;
    [[nodiscard]] std::string log() const;
    [[nodiscard]] bool running() const;
    // Sends SIGTERM and waits (bounded) for the exit code.
    int stop();
    // SIGKILL, as a crash or an OOM kill would: no clean-up runs.
    void kill_hard();
    void signal(int number) const;
    [[nodiscard]] int pid() const { return pid_; }

private:
    int pid_ = -1;
    std::filesystem::path log_;
    mutable int status_ = -1;
};

// A UDP port free on 127.0.0.1 right now.
unsigned short free_udp_port();
// A TCP port free on 127.0.0.1 right now.
unsigned short free_tcp_port();

// A fresh directory under the test's temporary directory, removed at exit.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

// Writes `size` bytes of reproducible pseudo-random data.
void write_random_file(const std::filesystem::path& file, std::uint64_t size, unsigned seed);

// Inverts every bit of the byte at `offset`, so the file surely changes
// (writing a fixed byte left it unchanged when that byte was already there).
void flip_byte(const std::filesystem::path& file, std::uint64_t offset);

// The build's own binaries, from CMake.
std::filesystem::path xcp_pxe_binary();
std::filesystem::path source_dir();

}  // namespace xcp::test
