// American-exercise BSM pricer (exercise-boundary fixed point of Andersen-Lake-Offengelt) and a
// second-order spot expansion for the tick path. Pure functions and value types: no state, no
// allocation, safe to call from any thread.
#pragma once

#include "core/pricing/black_scholes.hpp"

#include <cstdint>

namespace hedged::pricing {

// Discretisation of the boundary solve; both use the method described at american().
// Relative price errors against QuantLib's QdFpAmericanEngine high-precision scheme on the
// seeded reference grids of american_quantlib_test (S/K 0.5-2, vol 5-150%, r -1%-10%,
// q 0-8%, 1 day-3 years, prices >= 0.01), and cost per price on this project's 2-core
// benchmark host (american_bench; QdFp fast scheme ~17-19 us there, accurate ~180 us):
enum class AmericanAccuracy : std::uint8_t {
  // The default, for the engine and the tick path: 6 Chebyshev nodes, 4 FP-B sweeps (10
  // FP-A), Gauss-Legendre rules of 4 (boundary) and 16 (price) points in a variable that
  // makes every integrand smooth. Max ~4e-5, RMS ~4e-6 relative (QdFp's fast scheme: ~1.2e-4
  // and ~1.6e-5 on the same grid, asserted in american_quantlib_test); ~1.6 us per price.
  kFast,
  // Reference grade: 12 nodes, 6 FP-B sweeps (20 FP-A), tanh-sinh rules of 13 and 33 points.
  // Max ~7e-7, RMS ~1e-7 relative; agrees with QdFp's accurate scheme to 2e-6 wherever that
  // scheme is itself that accurate. ~12-14 us per price.
  kAccurate,
};

// Price and Greeks of an American option under BSM with rate r and dividend/borrow yield q;
// same inputs, units and preconditions as black_scholes().
//
// Method (puts; calls go through put-call symmetry C(S, K, r, q) = P(K, S, q, r)):
//  * The exercise boundary B(tau) solves the early-exercise integral equation, iterated as a
//    fixed point from a guess decaying from X towards the perpetual boundary: a fixed number
//    of Jacobi sweeps of the smooth-pasting form "FP-B" (contracting the error ~4x each);
//    where that form is unstable (boundary close to X: ln(X / B_inf) < 0.05, low vol against
//    the rates) more sweeps of the value-matching form "FP-A". The boundary is held as a
//    Chebyshev interpolant of H = ln(B / X)^2 in sqrt(tau), X = K min(1, r / q) being the
//    boundary at expiry. Sweep and node counts are per AmericanAccuracy; a fixed count (not a
//    tolerance) keeps the price a smooth function of the inputs.
//  * Price = European price + early-exercise premium integral over the boundary, floored at
//    the intrinsic value (which an approximate boundary can otherwise undercut by its own
//    error just above the boundary). kFast integrates in theta with u = tau cos^2(theta),
//    which turns the 1/sqrt(tau - u) density and the sqrt(u) shape of the boundary into
//    smooth functions for Gauss-Legendre; kAccurate uses tanh-sinh, whose endpoint
//    clustering absorbs the same singularities.
//  * Integrands are evaluated four abscissae (or nodes) at a time with vector exp, normal
//    density and rational Mills-ratio kernels (vector_math.hpp), in an AVX2+FMA build chosen
//    at run time.
//  * Delta and gamma differentiate the premium integral analytically (same boundary); theta
//    follows from the BSM PDE, which the price satisfies in the continuation region; vega,
//    rho, vanna and volga are central finite differences of full valuations (relative vol
//    bump 1e-3, rate bump 1e-5) at the same accuracy setting; price + Greeks costs about
//    five valuations. Rho has kinks at r = q (X's kink) and, for puts, r = 0.
//
// Regimes (in put terms; for a call swap r and q):
//  * r > 0: one exercise boundary, solved as above.
//  * r <= 0 and q >= r: early exercise is never optimal; the result is black_scholes().
//  * q < r < 0: two exercise boundaries. The single-boundary method does not apply; the
//    result comes from a 1000-step binomial tree (averaged over two adjacent step counts)
//    with finite-difference Greeks, whatever the accuracy setting: accurate to ~1e-4
//    relative and ~100x slower than kAccurate. This regime needs negative rates and a
//    negative yield (call: r < q < 0) at once.
//  * T == 0: intrinsic value, Greeks as black_scholes() at expiry.
//  * vol == 0: the forward is deterministic, so the value is the best discounted intrinsic
//    value over exercise dates in [0, T]; gamma, vega, vanna, volga are 0.
[[nodiscard]] Greeks american(const BsInputs& in,
                              AmericanAccuracy accuracy = AmericanAccuracy::kFast) noexcept;

// Price only: american(in, accuracy).price without the Greeks' extra valuations.
[[nodiscard]] double american_price(const BsInputs& in,
                                    AmericanAccuracy accuracy = AmericanAccuracy::kFast) noexcept;

// When an AmericanExpansion is stale and must be rebuilt from a full valuation.
struct ExpansionThresholds {
  double max_rel_spot_move = 0.01;                       // |S / S0 - 1|
  double max_abs_vol_move = 0.005;                       // |vol - vol0|, per 1.00 of vol
  double max_time_elapsed_years = 1.0 / (365.0 * 24.0);  // T0 - T (or any move of T back)
};

struct SpotGreeks {
  double price;
  double delta;
  double gamma;
};

// Second-order Taylor expansion of an American valuation in spot around S0: what the tick
// path evaluates between full valuations.
//
// Error bound (tested on a seeded grid in american_test): with vol, rate and time unchanged
// and |S / S0 - 1| <= 1%, |price error| <= 2e-4 * S0 * (|S / S0 - 1| / 1%)^3 for options
// with at least a week to expiry and vol >= 5%: the cubic term of the Taylor series, which
// the gamma kink at the exercise boundary can only make larger if the move crosses the
// boundary (covered by the same bound on the grid).
class AmericanExpansion {
 public:
  AmericanExpansion() = default;
  // One full valuation (price, delta, gamma) at in.spot.
  explicit AmericanExpansion(const BsInputs& in,
                             AmericanAccuracy accuracy = AmericanAccuracy::kFast) noexcept;
  // From a valuation already made at in.spot (e.g. by american(in)).
  AmericanExpansion(const BsInputs& in, const Greeks& at_spot) noexcept;

  [[nodiscard]] SpotGreeks evaluate(double spot) const noexcept {
    const double ds = spot - spot0_;
    const double delta = delta0_ + gamma0_ * ds;
    return {price0_ + ds * (delta0_ + 0.5 * gamma0_ * ds), delta, gamma0_};
  }

  // True when the market has moved beyond what the expansion is trusted for: spot beyond
  // the relative threshold, vol beyond the absolute one, or time to expiry shorter than at
  // the valuation by more than the allowed elapsed time (or longer at all: a new contract
  // or a clock jump backwards).
  [[nodiscard]] bool needs_revaluation(double spot, double vol, double time_years,
                                       const ExpansionThresholds& limits) const noexcept;

  [[nodiscard]] const BsInputs& inputs() const noexcept { return inputs_; }

 private:
  BsInputs inputs_{};
  double spot0_ = 0.0;
  double price0_ = 0.0;
  double delta0_ = 0.0;
  double gamma0_ = 0.0;
};

}  // namespace hedged::pricing
