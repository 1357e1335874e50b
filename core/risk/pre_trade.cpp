#include "core/risk/pre_trade.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace hedged::risk {

CheckResult check_order(const PreTradeLimits& limits, const OrderCheck& order) noexcept {
  if (!(order.reference_price > 0.0) || !std::isfinite(order.reference_price)) {
    return CheckResult::kRejectedNoReference;
  }
  // The price band protects every order, risk-reducing or not: a hedge at a bad price is
  // still a bad trade.
  const double distance = std::fabs(order.price - order.reference_price);
  if (limits.price_band_pct > 0.0 &&
      100.0 * distance / order.reference_price > limits.price_band_pct) {
    return CheckResult::kRejectedPriceBand;
  }
  if (limits.price_band_ticks > 0 && order.tick_size > 0.0 &&
      distance / order.tick_size > static_cast<double>(limits.price_band_ticks) + 1e-9) {
    return CheckResult::kRejectedPriceBand;
  }
  // The position cap is a bound on what is held, not a rate: it applies to every order that
  // takes the position further from zero, reducing or not.
  const std::int64_t after = order.position + signed_qty(order.side, order.qty);
  if (limits.max_position > 0 && std::llabs(after) > limits.max_position &&
      std::llabs(after) > std::llabs(order.position)) {
    return CheckResult::kRejectedPosition;
  }
  if (order.reduces_risk) return CheckResult::kAccepted;
  if (limits.max_order_qty > 0 && order.qty > limits.max_order_qty) {
    return CheckResult::kRejectedQuantity;
  }
  const double notional = static_cast<double>(order.qty) * order.price * order.multiplier;
  if (limits.max_order_notional > 0.0 && notional > limits.max_order_notional) {
    return CheckResult::kRejectedNotional;
  }
  if (limits.max_working_orders > 0 && order.working_orders >= limits.max_working_orders) {
    return CheckResult::kRejectedWorkingOrders;
  }
  return CheckResult::kAccepted;
}

void TokenBucket::configure(double rate_per_second, double burst, TimeNs now) noexcept {
  const bool was_enabled = rate_ > 0.0;
  rate_ = rate_per_second > 0.0 ? rate_per_second : 0.0;
  burst_ = burst > 0.0 ? burst : std::max(1.0, rate_);
  // A new limit keeps the tokens already earned, capped by the new depth; a bucket that was
  // off starts full.
  tokens_ = was_enabled ? std::min(tokens(now), burst_) : burst_;
  last_ns_ = now;
}

double TokenBucket::tokens(TimeNs now) const noexcept {
  if (rate_ <= 0.0) return burst_;
  const double elapsed = now > last_ns_ ? static_cast<double>(now - last_ns_) / 1e9 : 0.0;
  return std::min(burst_, tokens_ + elapsed * rate_);
}

bool TokenBucket::try_take(TimeNs now) noexcept {
  if (rate_ <= 0.0) return true;
  tokens_ = tokens(now);
  last_ns_ = std::max(last_ns_, now);
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

}  // namespace hedged::risk
