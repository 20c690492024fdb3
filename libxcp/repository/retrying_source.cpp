#include "libxcp/repository/retrying_source.hpp"

#include "libxcp/repository/manifest.hpp"

#include <thread>

namespace xcp::repository {
namespace {

constexpr std::uint64_t max_manifest = 64U * 1024 * 1024;

}  // namespace

void RetryingSource::stream(const std::string& path, const std::function<void(std::span<const std::byte>)>& sink)
{
    if (!safe_relative_path(path)) {
        throw SourceError(path + ": not a path inside the repository");
    }
    std::uint64_t offset = 0;
    auto pause = settings_.first_pause;
    for (int attempt = 1;; ++attempt) {
        try {
            fetch_once(path, offset, UINT64_MAX, sink);
            return;
        } catch (const FinalError&) {
            throw;
        } catch (const SourceError& e) {
            if (attempt >= settings_.attempts) {
                throw SourceError(std::string(e.what()) + " (gave up after " + std::to_string(attempt) + " attempts)");
            }
            // What arrived was hashed already: go on from there.
            ++resumes_;
            std::this_thread::sleep_for(pause);
            pause *= 2;
        }
    }
}

std::optional<std::string> RetryingSource::read_small(const std::string& path)
{
    if (!safe_relative_path(path)) {
        throw SourceError(path + ": not a path inside the repository");
    }
    std::string text;
    auto pause = settings_.first_pause;
    for (int attempt = 1;; ++attempt) {
        // A manifest restarts from the top on a retry: it is small.
        text.clear();
        std::uint64_t offset = 0;
        try {
            fetch_once(path, offset, max_manifest, [&](std::span<const std::byte> b) {
                text.append(reinterpret_cast<const char*>(b.data()), b.size());
            });
            return text;
        } catch (const NotFoundError&) {
            return std::nullopt;
        } catch (const FinalError&) {
            throw;
        } catch (const SourceError&) {
            if (attempt >= settings_.attempts) {
                throw;
            }
            std::this_thread::sleep_for(pause);
            pause *= 2;
        }
    }
}

}  // namespace xcp::repository
