#include "tests/support/process.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace xcp::test {

std::string quote(const std::string& arg)
{
    std::string out = "'";
    for (const char c : arg) {
        if (c == '\'') {
            out += "'\\''";
        } else {
            out += c;
        }
    }
    return out + "'";
}

CommandResult run(const std::string& command, std::chrono::seconds limit)
{
    const auto full = "timeout -k 5 " + std::to_string(limit.count()) + " sh -c " + quote(command) + " 2>&1";
    CommandResult result;
    FILE* pipe = ::popen(full.c_str(), "r");
    if (pipe == nullptr) {
        throw std::runtime_error("cannot run " + command);
    }
    std::array<char, 4096> buffer{};
    std::size_t n = 0;
    while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) {
        result.output.append(buffer.data(), n);
    }
    const int status = ::pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

Daemon::Daemon(const std::vector<std::string>& argv, const std::filesystem::path& log) : log_(log)
{
    // Emptied here, before the child runs: a test that restarts a daemon on
    // the same log and waits for a line must not find the last run's.
    ::close(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
        throw std::runtime_error("fork failed");
    }
    if (pid_ == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
}

Daemon::~Daemon()
{
    stop();
}

bool Daemon::running() const
{
    if (pid_ <= 0 || status_ != -1) {
        return false;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
        return false;
    }
    return true;
}

void Daemon::signal(int number) const
{
    if (pid_ > 0) {
        ::kill(pid_, number);
    }
}

int Daemon::stop()
{
    if (pid_ > 0 && running()) {
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 100 && running(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (running()) {
            ::kill(pid_, SIGKILL);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            status_ = status;
        }
    }
    return status_ != -1 && WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
}

void Daemon::kill_hard()
{
    if (pid_ > 0 && running()) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
        status_ = status;
    }
}

std::string Daemon::log() const
{
    std::ifstream in(log_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

bool Daemon::wait_for_log(const std::string& text, std::chrono::milliseconds limit) const
{
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (log().find(text) != std::string::npos) {
            return true;
        }
        if (!running()) {
            return log().find(text) != std::string::npos;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

unsigned short free_udp_port()
{
    boost::asio::io_context io;
    boost::asio::ip::udp::socket s(io, {boost::asio::ip::address_v4::loopback(), 0});
    return s.local_endpoint().port();
}

unsigned short free_tcp_port()
{
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::address_v4::loopback(), 0});
    return a.local_endpoint().port();
}

TempDir::TempDir()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "xcp-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    path_ = pattern;
}

TempDir::~TempDir()
{
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void write_random_file(const std::filesystem::path& file, std::uint64_t size, unsigned seed)
{
    std::ofstream out(file, std::ios::binary);
    std::mt19937_64 rng(seed);
    std::vector<std::uint64_t> chunk(8192);
    std::uint64_t left = size;
    while (left > 0) {
        for (auto& w : chunk) {
            w = rng();
        }
        const auto n = std::min<std::uint64_t>(left, chunk.size() * sizeof(std::uint64_t));
        out.write(reinterpret_cast<const char*>(chunk.data()), static_cast<std::streamsize>(n));
        left -= n;
    }
}

void flip_byte(const std::filesystem::path& file, std::uint64_t offset)
{
    std::fstream f(file, std::ios::binary | std::ios::in | std::ios::out);
    char byte = 0;
    if (!f.seekg(static_cast<std::streamoff>(offset)) || !f.get(byte)) {
        throw std::runtime_error(file.string() + ": no byte at offset " + std::to_string(offset));
    }
    byte = static_cast<char>(~static_cast<unsigned char>(byte));
    if (!f.seekp(static_cast<std::streamoff>(offset)) || !f.put(byte) || !f.flush()) {
        throw std::runtime_error(file.string() + ": cannot write the byte at offset " + std::to_string(offset));
    }
}

std::filesystem::path xcp_pxe_binary()
{
    return XCP_PXE_BINARY;
}

std::filesystem::path source_dir()
{
    return XCP_SOURCE_DIR;
}

}  // namespace xcp::test
