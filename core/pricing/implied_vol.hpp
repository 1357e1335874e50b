// Implied volatility of European options (BSM and Black-76) from a price, to machine precision.
// Pure functions of their arguments; no state, no allocation, safe to call from any thread.
#pragma once

#include <cstdint>

#include "core/pricing/black_scholes.hpp"

namespace hedged::pricing {

enum class IvError : std::uint8_t {
  kNone,
  kBelowIntrinsic,  // price <= discounted intrinsic of the forward: no positive vol gives it
  kAboveMaximum,    // price >= S e^{-qT} (call) or K e^{-rT} (put): would need infinite vol
  kInvalidInput,    // non-finite input, or spot, strike or time not strictly positive
  kNoConvergence,   // iteration budget exhausted (never seen on the quoting range)
};

// A sentence for logs and operator screens; never null.
[[nodiscard]] const char* to_string(IvError error) noexcept;

struct IvResult {
  double vol;  // sigma per sqrt(year); exactly 0 when error != kNone, never NaN
  IvError error;
};

// Implied vol of a European option from its price; `in.vol` is ignored.
//
// A price exactly at the discounted intrinsic value max(phi (S e^{-qT} - K e^{-rT}), 0) is
// reported as kBelowIntrinsic: only vol = 0 reproduces it, and a zero vol is no use to a hedger.
// Method: Householder's third-order step on ln b(x, s) = ln(normalised price) in the total
// standard deviation s, from a closed-form guess (expansion about the inflection point,
// lower-tail asymptotics or Corrado-Miller), with the Mills-ratio and Taylor-series forms of
// b that keep full relative accuracy in the tails (details in implied_vol.cpp). It stops once
// a step is below 1e-4 of s, past which the quartic convergence leaves rounding only: 1-2
// evaluations of b on typical quotes, ~3 at most on the quoting range.
// Accuracy: the returned vol is the root of the exact pricing equation to within a few ulps of
// the price's own rounding; black_scholes_price(in with that vol) reproduces `price` to ~1e-13
// relative (the pricer's own rounding) wherever vega is not negligible.
// Cost: ~180 ns per solve on the mixed grid of implied_vol_bench (this project's 2-core
// benchmark host, AVX2+FMA build chosen at run time).
[[nodiscard]] IvResult implied_vol(double price, const BsInputs& in) noexcept;

// Same for options on futures (Black-76; in.spot is the futures price, dividend_yield ignored).
[[nodiscard]] IvResult implied_vol_black76(double price, const BsInputs& in) noexcept;

}  // namespace hedged::pricing
