// Almgren–Chriss (2000) optimal liquidation trajectory and a square-root market-impact estimate.
// Pure math on doubles; any thread may call it.
//
// Units, chosen once for every caller (time is calendar time, as in the pricer's ACT/365):
//   t, T, τ   seconds
//   σ         absolute price volatility: currency per unit of the hedge instrument per
//             sqrt(second). From an annualised volatility: σ = vol_annual × price /
//             sqrt(kSecondsPerYear) (absolute_vol_per_sqrt_second).
//   η         temporary impact: currency per unit per (unit per second); a trade at rate v
//             units/second pays η·v per unit.
//   γ         permanent impact: currency per unit per unit traded.
//   λ         risk aversion: per currency (the weight of the variance of cost, in currency²).
//   κ         per second.
// Holdings x_j = X sinh(κ(T − t_j)) / sinh(κT), t_j = jτ, τ = T/N,
// κ = arccosh(½ κ̃²τ² + 1)/τ, κ̃² = λσ²/η̃, η̃ = η − ½γτ.
#pragma once

#include <span>

namespace hedged::execution {

[[nodiscard]] double absolute_vol_per_sqrt_second(double vol_annual, double price) noexcept;

// vol_annual scaled to one calendar day (sqrt(1/365)), the σ of the square-root law.
[[nodiscard]] double daily_vol(double vol_annual) noexcept;

// Square-root law: trading qty units costs about coefficient × σ_daily × sqrt(qty / ADV) as a
// fraction of price, per unit traded (temporary impact). coefficient is of order 1 (0.5–1 in
// most published fits); daily_vol is a fraction (0.02 = 2%/day); ADV in units per day.
[[nodiscard]] double sqrt_impact_fraction(double coefficient, double daily_vol, double qty,
                                          double adv_units) noexcept;

// The linear η that costs what the square-root law says at the schedule's average slice
// (slice_qty units in slice_seconds): η = c·σ_daily·price·sqrt(q/ADV)·τ/q. 0 when any input is
// not positive.
[[nodiscard]] double temporary_impact_from_sqrt_law(double coefficient, double daily_vol,
                                                    double price, double slice_qty,
                                                    double adv_units,
                                                    double slice_seconds) noexcept;

// κ per second. 0 when λσ² is 0 (the linear, TWAP trajectory); NaN when η̃ = η − ½γτ <= 0, for
// which the model has no solution (the permanent impact must be below 2η/τ).
[[nodiscard]] double ac_kappa(double risk_aversion, double sigma, double eta, double gamma,
                              double tau_seconds) noexcept;

// x(t)/X = sinh(κ(T − t)) / sinh(κT), in [0, 1]; (T − t)/T when κ = 0. Stable for large κT.
[[nodiscard]] double ac_holdings_fraction(double kappa, double horizon_seconds,
                                          double t_seconds) noexcept;

// holdings[j] = x_j for j = 0..N, N = holdings.size() − 1 slices of τ = T/N; holdings[0] = X,
// holdings[N] = 0. The quantity traded in slice j is holdings[j−1] − holdings[j].
void ac_trajectory(double total_qty, double kappa, double horizon_seconds,
                   std::span<double> holdings) noexcept;

}  // namespace hedged::execution
