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

// A point of the reference grid the QuantLib comparisons share: S/K 0.5–2, vol 5–150%,
// r −1%–10%, q 0–8%, expiry 1 day–3 years in whole days, so that days / 365.0 is exactly the
// year fraction ACT/365F computes. `in.right` is left for the caller.
struct GridPoint {
  pricing::BsInputs in;
  int days;
};

inline GridPoint draw_grid_point(std::mt19937_64& gen, double spot) {
  constexpr int kMaxDays = 3 * 365;
  GridPoint p{};
  p.in.spot = spot;
  p.in.strike = spot / uniform(gen, 0.5, 2.0);
  p.in.rate = uniform(gen, -0.01, 0.10);
  p.in.dividend_yield = uniform(gen, 0.0, 0.08);
  p.in.vol = uniform(gen, 0.05, 1.5);
  p.days = 1 + static_cast<int>(gen() % kMaxDays);
  p.in.time_years = p.days / 365.0;
  return p;
}

}  // namespace hedged::testing
