#include "server/cli/import_progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <string>

namespace xcp::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::string amount(std::uint64_t bytes, std::uint64_t scale_of)
{
    char out[32];
    const bool gib = scale_of >= (1ULL << 30);
    std::snprintf(out, sizeof out, "%.1f", static_cast<double>(bytes) / static_cast<double>(gib ? 1ULL << 30 : 1ULL << 20));
    return out;
}

std::string clock_text(long long seconds)
{
    char out[32];
    std::snprintf(out, sizeof out, "%lld:%02lld", seconds / 60, seconds % 60);
    return out;
}

class TerminalProgress final : public release::ImportProgress {
public:
    explicit TerminalProgress(std::FILE* out) : out_(out) {}
    ~TerminalProgress() override { end_line(); }

    void phase(std::string_view text) override
    {
        end_line();
        std::fprintf(out_, "import: %.*s\n", static_cast<int>(text.size()), text.data());
        std::fflush(out_);
        started_ = Clock::now();
    }
    void copied(const std::string& file, std::uint64_t bytes, std::uint64_t total, std::size_t files,
                std::size_t total_files) override
    {
        const auto now = Clock::now();
        if (files != total_files && now - drawn_ < std::chrono::milliseconds(100)) {
            return;
        }
        drawn_ = now;
        const auto line = progress_bar(bytes, total, files, total_files, file,
                                       std::chrono::duration_cast<std::chrono::seconds>(now - started_), width());
        std::fprintf(out_, "\r%s\033[K", line.c_str());
        std::fflush(out_);
        open_ = true;
    }
    void checked(const std::string& file, std::size_t done, std::size_t total) override
    {
        const auto now = Clock::now();
        if (done != total && now - drawn_ < std::chrono::milliseconds(100)) {
            return;
        }
        drawn_ = now;
        std::fprintf(out_, "\r  verified %zu/%zu  %s\033[K", done, total, file.c_str());
        std::fflush(out_);
        open_ = true;
    }

private:
    void end_line()
    {
        if (open_) {
            std::fputc('\n', out_);
            open_ = false;
        }
    }
    std::size_t width() const
    {
        winsize w{};
        if (::ioctl(::fileno(out_), TIOCGWINSZ, &w) == 0 && w.ws_col > 20) {
            return w.ws_col;
        }
        return 80;
    }
    std::FILE* out_;
    Clock::time_point started_ = Clock::now(), drawn_{};
    bool open_ = false;
};

// One line per phase, and one for each tenth of the bytes copied.
class LineProgress final : public release::ImportProgress {
public:
    explicit LineProgress(std::FILE* out) : out_(out) {}
    void phase(std::string_view text) override
    {
        std::fprintf(out_, "import: %.*s\n", static_cast<int>(text.size()), text.data());
        std::fflush(out_);
        tenth_ = 0;
    }
    void copied(const std::string& file, std::uint64_t bytes, std::uint64_t total, std::size_t files,
                std::size_t total_files) override
    {
        const auto tenth = total == 0 ? 10 : static_cast<int>(bytes * 10 / total);
        if (tenth > tenth_ || files == total_files) {
            tenth_ = std::max(tenth, tenth_ + 1);
            std::fprintf(out_, "import: copied %zu/%zu files, %s of %s MiB (%s)\n", files, total_files,
                         amount(bytes, 0).c_str(), amount(total, 0).c_str(), file.c_str());
            std::fflush(out_);
        }
    }
    void checked(const std::string& file, std::size_t done, std::size_t total) override
    {
        if (done == total) {
            std::fprintf(out_, "import: verified %zu packages (last: %s)\n", total, file.c_str());
            std::fflush(out_);
        }
    }

private:
    std::FILE* out_;
    int tenth_ = 0;
};

}  // namespace

std::string progress_bar(std::uint64_t bytes, std::uint64_t total, std::size_t files, std::size_t total_files,
                         const std::string& file, std::chrono::seconds elapsed, std::size_t width)
{
    const double share = total == 0 ? 1.0 : std::min(1.0, static_cast<double>(bytes) / static_cast<double>(total));
    constexpr std::size_t bar = 20;
    const auto filled = static_cast<std::size_t>(share * bar);
    std::string out = "[" + std::string(filled, '#') + std::string(bar - filled, '.') + "] ";
    char percent[8];
    std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(share * 100));
    out += percent;
    out += "  " + amount(bytes, total) + "/" + amount(total, total) + (total >= (1ULL << 30) ? " GiB" : " MiB");
    out += "  " + std::to_string(files) + "/" + std::to_string(total_files) + " files";
    std::string left = "  --:-- left";
    if (bytes > 0 && elapsed.count() > 0 && bytes < total) {
        const auto rest = static_cast<long long>(static_cast<double>(elapsed.count()) * static_cast<double>(total - bytes) /
                                                 static_cast<double>(bytes));
        left = "  " + clock_text(rest) + " left";
    } else if (bytes >= total) {
        left = "  " + clock_text(elapsed.count()) + " taken";
    }
    // The current file takes what room is left, its end kept.
    const auto fixed = out.size() + left.size() + 2;
    if (width > fixed + 4) {
        auto name = file;
        const auto room = width - fixed;
        if (name.size() > room) {
            name = "..." + name.substr(name.size() - (room - 3));
        }
        out += "  " + name;
    }
    return out + left;
}

std::unique_ptr<release::ImportProgress> make_import_progress(std::FILE* out)
{
    if (::isatty(::fileno(out))) {
        return std::make_unique<TerminalProgress>(out);
    }
    return std::make_unique<LineProgress>(out);
}

}  // namespace xcp::cli
