// Seeded draws for test grids. Generator bits are mapped to [lo, hi) directly:
// std::uniform_real_distribution's algorithm is implementation-defined, and a grid should be
// the same under every standard library.
#pragma once

#include <random>

#include "core/pricing/black_scholes.hpp"

namespace hedged::testing {

inline double uniform(std::mt19937_64& gen, double lo, double hi) {
  const double unit = static_cast<double>(gen() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

inline pricing::BsInputs make_inputs(double spot, double strike, double rate, double q, double vol,
                                     double t, OptionRight right) {
  return {spot, strike, rate, q, vol, t, right};
}

}  // namespace hedged::testing
