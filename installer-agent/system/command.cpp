#include "installer-agent/system/command.hpp"

#include "libxcp/util/text.hpp"
#include "libxcp/util/unique_fd.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace xcp::installer {

std::string find_on_path(const std::string& name)
{
    const char* path = std::getenv("PATH");
    for (const auto dir : util::split(path != nullptr ? path : "/usr/bin:/bin", ':')) {
        if (dir.empty()) {
            continue;
        }
        auto candidate = std::string(dir) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
    }
    return {};
}

std::string CommandResult::failure(const std::string& name) const
{
    auto text = output;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    // The last line that is not an indented continuation ("       dmesg(1)
    // may have more information" says less than the line above it).
    std::string last;
    for (const auto line : util::split(text, '\n')) {
        if (!line.empty() && line.front() != ' ' && line.front() != '\t') {
            last = std::string(line);
        }
    }
    const auto how = exit_code == 127 ? std::string(" was not found or could not run")
                     : exit_code > 128 ? " was killed by signal " + std::to_string(exit_code - 128)
                                       : " exited " + std::to_string(exit_code);
    return name + how + (last.empty() ? "" : ": " + last);
}

CommandResult run_command(const std::vector<std::string>& argv, const std::vector<std::string>& environment)
{
    CommandResult result;
    int fds[2];
    if (argv.empty() || ::pipe2(fds, O_CLOEXEC) != 0) {
        result.output = argv.empty() ? "no command" : std::strerror(errno);
        return result;
    }
    UniqueFd read_end(fds[0]);
    UniqueFd write_end(fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    std::vector<char*> env;
    for (char** e = environ; *e != nullptr; ++e) {
        env.push_back(*e);
    }
    for (const auto& e : environment) {
        env.push_back(const_cast<char*>(e.c_str()));
    }
    env.push_back(nullptr);
    pid_t pid = 0;
    const int spawned = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    write_end.reset();
    if (spawned != 0) {
        result.exit_code = 127;
        result.output = argv[0] + ": " + std::strerror(spawned);
        return result;
    }
    char buffer[8192];
    while (true) {
        const auto n = ::read(read_end.get(), buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        result.output.append(buffer, static_cast<std::size_t>(n));
        if (result.output.size() > 128 * 1024) {
            result.output.erase(0, result.output.size() - 64 * 1024);
        }
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace xcp::installer
