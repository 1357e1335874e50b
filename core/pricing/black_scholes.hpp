// Scalar Black–Scholes–Merton pricer for European options: price and analytic Greeks.
// Pure functions of their arguments; no state, no allocation, safe to call from any thread.
#pragma once

#include "core/model/types.hpp"

namespace hedged::pricing {

// Units follow the market convention the hedging engine works in: rates and yields are
// continuously compounded per year, vol is per sqrt(year), time is ACT/365 years
// (see kSecondsPerYear). Carry is b = rate - dividend_yield, so the same inputs price
// equity (q = dividend yield), index (q = index yield) and hard-to-borrow names
// (q = dividend + borrow fee).
//
// Preconditions: spot > 0, strike > 0, vol >= 0, time_years >= 0, all finite.
// Violations are not checked on the hot path; they never trap, but the outputs are
// meaningless (and may be NaN).
struct BsInputs {
  double spot;            // S, > 0
  double strike;          // K, > 0
  double rate;            // r, continuously compounded, per year
  double dividend_yield;  // q, continuous dividend/borrow yield, per year
  double vol;             // sigma, per sqrt(year), >= 0
  double time_years;      // T, >= 0
  OptionRight right;
};

// Sensitivities of one long option, in natural units (not per 1% or per day): callers
// scale for display, never the other way round, so risk aggregation stays unit-consistent.
struct Greeks {
  double price;
  double delta;  // dV/dS
  double gamma;  // d2V/dS2
  double vega;   // dV/dsigma per 1.00 of vol
  double theta;  // dV/dt per year of calendar time passing (usually negative for long options)
  double rho;    // dV/dr per 1.00 of rate, dividend yield held fixed
  double vanna;  // d2V/dS dsigma (change of delta per 1.00 of vol)
  double volga;  // d2V/dsigma2 per 1.00 of vol squared (change of vega per 1.00 of vol)
};

// Standard normal CDF. Relative error ~1e-15 over the whole range, including the far
// lower tail (N(-37) ~ 6e-300), where 1 - N(-x) would have no correct digits at all.
[[nodiscard]] double norm_cdf(double x) noexcept;

// Standard normal density, relative error ~1e-15 including the tails.
[[nodiscard]] double norm_pdf(double x) noexcept;

// Price and all Greeks from the closed-form generalised BSM formulas.
//
// Degenerate case: when vol * sqrt(T) == 0 (T == 0, vol == 0, or both) the underlying's
// discounted forward is deterministic, and the result is the limit of the formulas as
// vol -> 0 with the moneyness sign fixed:
//   price = max(phi * (S e^{-qT} - K e^{-rT}), 0)          phi = +1 call, -1 put
//   w     = 1 in the money, 0 out of the money, 1/2 exactly at the money, where
//           "in the money" compares the forward with the strike: phi * (S e^{-qT} - K e^{-rT}) > 0
//   delta = phi * w * e^{-qT}                           (a step: 1 / 1/2 / 0 for a call at T == 0)
//   gamma = 0, vega = 0                                 (the true at-the-money values are a
//                                                        Dirac spike and sqrt(T) n(0) S e^{-qT};
//                                                        zero keeps them out of risk sums)
//   theta = phi * w * (q S e^{-qT} - r K e^{-rT})        (pure carry: what the discounted
//                                                        intrinsic earns as time passes)
//   rho   = phi * w * K T e^{-rT}                       (0 at T == 0)
//   vanna = 0, volga = 0
// Outputs are finite for inputs meeting the preconditions; the one exception is gamma at
// the money, which overflows to +inf if S * vol * sqrt(T) is itself below ~1e-308.
[[nodiscard]] Greeks black_scholes(const BsInputs& in) noexcept;

// Price only; the same value as black_scholes(in).price at lower cost.
[[nodiscard]] double black_scholes_price(const BsInputs& in) noexcept;

// Black-76: a European option on a futures price F (BsInputs::spot holds F; dividend_yield is
// ignored). It is BSM with zero carry (q = r), so delta, gamma, vanna are with respect to F.
// Rho differs from BSM's: F is held fixed while r moves both discounting and carry, which
// gives rho = -T * price.
[[nodiscard]] Greeks black76(const BsInputs& in) noexcept;

}  // namespace hedged::pricing
