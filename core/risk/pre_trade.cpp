#include "core/risk/pre_trade.hpp"

#include <cmath>

namespace hedged::risk {

CheckResult check_order(const PreTradeLimits& limits, const OrderCheck& order) noexcept {
  if (!(order.reference_price > 0.0) || !std::isfinite(order.reference_price)) {
    return CheckResult::kRejectedNoReference;
  }
  // The price band protects every order, risk-reducing or not: a hedge at a bad price is
  // still a bad trade.
  if (limits.price_band_pct > 0.0) {
    const double distance_pct =
        100.0 * std::fabs(order.price - order.reference_price) / order.reference_price;
    if (distance_pct > limits.price_band_pct) return CheckResult::kRejectedPriceBand;
  }
  if (order.reduces_risk) return CheckResult::kAccepted;
  if (limits.max_order_qty > 0 && order.qty > limits.max_order_qty) {
    return CheckResult::kRejectedQuantity;
  }
  const double notional = static_cast<double>(order.qty) * order.price * order.multiplier;
  if (limits.max_order_notional > 0.0 && notional > limits.max_order_notional) {
    return CheckResult::kRejectedNotional;
  }
  return CheckResult::kAccepted;
}

}  // namespace hedged::risk
