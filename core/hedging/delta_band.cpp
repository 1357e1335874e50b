#include "core/hedging/delta_band.hpp"

#include <cmath>
#include <cstdlib>

namespace hedged::hedging {

std::int64_t decide_hedge_qty(const DeltaBandPolicy& policy, const HedgeInputs& in) noexcept {
  const double net = net_delta_shares(in);
  if (!std::isfinite(net) || std::fabs(net) <= policy.band_delta_shares) return 0;
  const std::int64_t lot = policy.lot_size > 0 ? policy.lot_size : 1;
  // Nearest whole lot: the residual after the trade is at most half a lot.
  const auto lots = static_cast<std::int64_t>(std::llround(-net / static_cast<double>(lot)));
  const std::int64_t qty = lots * lot;
  if (std::llabs(qty) < policy.min_trade_qty) return 0;
  return qty;
}

}  // namespace hedged::hedging
