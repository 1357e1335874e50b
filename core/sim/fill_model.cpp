// The venue fill and cost model (fill_model.hpp).
#include "core/sim/fill_model.hpp"

#include <cmath>

namespace hedged::sim {

double half_spread_from_bps(double mid, double spread_bps) noexcept {
  return mid * spread_bps * 0.5e-4;
}

double sqrt_impact_fraction(double coefficient, double qty, double daily_volume) noexcept {
  if (!(coefficient > 0.0) || !(daily_volume > 0.0)) return 0.0;
  return coefficient * std::sqrt(qty / daily_volume);
}

std::optional<double> take_price(Side side, double limit, double bid, double ask,
                                 double tick_size) noexcept {
  if (side == Side::kBuy && limit >= ask - tick_size + 1e-12) return ask;
  if (side == Side::kSell && limit <= bid + tick_size - 1e-12) return bid;
  return std::nullopt;
}

bool crossed(Side side, double limit, double bid, double ask) noexcept {
  return side == Side::kBuy ? ask <= limit : bid >= limit;
}

FillCosts fill_costs(const FillModelParams& params, double qty, double price, double mid,
                     double multiplier) noexcept {
  FillCosts c;
  c.notional = qty * price * multiplier;
  c.fee = qty * params.fee_per_unit + c.notional * params.fee_bps * 1e-4;
  // notional x (coefficient x sqrt(q / ADV)), multiplied in this order.
  if (params.impact_coefficient > 0.0 && params.daily_volume > 0.0) {
    c.impact = c.notional * params.impact_coefficient * std::sqrt(qty / params.daily_volume);
  }
  c.spread = qty * std::abs(price - mid) * multiplier;
  return c;
}

TimeNs answer_time(const FillModelParams& params, TimeNs sent_ns) noexcept {
  return sent_ns + params.latency_ns;
}

}  // namespace hedged::sim
