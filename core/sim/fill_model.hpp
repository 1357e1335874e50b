// The venue fill and cost model shared by the simulated venues and backtests: quoted spread,
// when a limit order fills against the touch, fees, square-root impact and latency. Pure
// functions of their arguments (no state, no I/O); any thread may call them.
#pragma once

#include <optional>

#include "core/model/types.hpp"

namespace hedged::sim {

// Every field may be zero (a free, instant venue at the mid).
struct FillModelParams {
  double spread_bps = 0.0;         // quoted bid/ask spread of spot and futures, bps of mid
  double option_spread_bps = 0.0;  // quoted bid/ask spread of listed options, bps of their mid
  double fee_per_unit = 0.0;       // currency per unit traded (share or contract)
  double fee_bps = 0.0;            // bps of traded notional
  // Square-root impact charged as a cost: coefficient x sqrt(qty / daily_volume) x notional.
  double impact_coefficient = 0.0;
  double daily_volume = 1e6;  // units of the traded instrument per day; <= 0: no impact
  TimeNs latency_ns = 0;      // order (or cancel, replace) -> the venue's answer
};

// What one fill costs beyond its price, currency (all >= 0).
struct FillCosts {
  double notional = 0.0;  // qty x price x multiplier
  double fee = 0.0;
  double impact = 0.0;
  double spread = 0.0;  // qty x |price - mid| x multiplier: paid against the mid
};

// Half of a spread of `spread_bps` around `mid`, in price units.
[[nodiscard]] double half_spread_from_bps(double mid, double spread_bps) noexcept;

// coefficient x sqrt(qty / daily_volume): the fraction of notional a trade of `qty` costs in
// impact; 0 when the coefficient or the daily volume is not positive.
[[nodiscard]] double sqrt_impact_fraction(double coefficient, double qty,
                                          double daily_volume) noexcept;

// The price a limit order takes liquidity at: the far touch when its limit reaches it (within
// one tick less a hair, because limits sit on the tick grid and simulated touches need not);
// nothing when it would rest.
[[nodiscard]] std::optional<double> take_price(Side side, double limit, double bid, double ask,
                                               double tick_size) noexcept;

// Whether a resting limit order is crossed by the touch (it then fills at its limit).
[[nodiscard]] bool crossed(Side side, double limit, double bid, double ask) noexcept;

// Costs of filling `qty` units at `price` when the mid is `mid`.
[[nodiscard]] FillCosts fill_costs(const FillModelParams& params, double qty, double price,
                                   double mid, double multiplier) noexcept;

// When the venue answers a request sent at `sent_ns`.
[[nodiscard]] TimeNs answer_time(const FillModelParams& params, TimeNs sent_ns) noexcept;

}  // namespace hedged::sim
