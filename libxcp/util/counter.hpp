#pragma once

#include <atomic>
#include <cstdint>

namespace xcp::util {

// A statistic that any thread adds to and others read (the I/O threads count,
// the metrics page reads). Relaxed: a count orders nothing else.
class Counter {
public:
    Counter() = default;
    Counter(std::uint64_t value) : value_(value) {}  // NOLINT(google-explicit-constructor): a number
    Counter(const Counter& other) : value_(other.load()) {}
    Counter& operator=(const Counter& other)
    {
        value_.store(other.load(), std::memory_order_relaxed);
        return *this;
    }
    ~Counter() = default;

    Counter& operator+=(std::uint64_t n)
    {
        value_.fetch_add(n, std::memory_order_relaxed);
        return *this;
    }
    Counter& operator++() { return *this += 1; }
    std::uint64_t operator++(int) { return value_.fetch_add(1, std::memory_order_relaxed); }
    operator std::uint64_t() const { return load(); }  // NOLINT(google-explicit-constructor)
    [[nodiscard]] std::uint64_t load() const { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

}  // namespace xcp::util
