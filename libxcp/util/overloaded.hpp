#pragma once

namespace xcp::util {

// std::visit over a set of lambdas, one per alternative.
template <class... F>
struct Overloaded : F... {
    using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace xcp::util
