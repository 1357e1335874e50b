// Pre-trade checks applied to every child order before it leaves the engine. check_order is a
// pure function of the limits and the order; the rate checks (token buckets) and the trading
// state gate are applied by the RiskMonitor, which owns that state.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/model/types.hpp"
#include "core/risk/limits.hpp"

namespace hedged::risk {

enum class CheckResult : std::uint8_t {
  kAccepted,
  kRejectedQuantity,
  kRejectedNotional,
  kRejectedPriceBand,
  kRejectedNoReference,
  kRejectedPosition,
  kRejectedWorkingOrders,
  kRejectedOrderRate,
  kRejectedTradingState,
};
inline constexpr std::size_t kCheckResultCount = 9;

[[nodiscard]] constexpr const char* to_string(CheckResult result) noexcept {
  switch (result) {
    case CheckResult::kAccepted: return "accepted";
    case CheckResult::kRejectedQuantity: return "quantity above max_order_qty";
    case CheckResult::kRejectedNotional: return "notional above max_order_notional";
    case CheckResult::kRejectedPriceBand: return "limit price outside the price band";
    case CheckResult::kRejectedNoReference: return "no valid reference price";
    case CheckResult::kRejectedPosition: return "position would exceed max_position";
    case CheckResult::kRejectedWorkingOrders: return "max_working_orders reached";
    case CheckResult::kRejectedOrderRate: return "order rate above max_orders_per_second";
    case CheckResult::kRejectedTradingState:
      return "trading state allows only risk-reducing orders";
  }
  return "unknown";
}

// The metrics' `check` label.
[[nodiscard]] constexpr const char* check_label(CheckResult result) noexcept {
  switch (result) {
    case CheckResult::kAccepted: return "accepted";
    case CheckResult::kRejectedQuantity: return "max_order_qty";
    case CheckResult::kRejectedNotional: return "max_order_notional";
    case CheckResult::kRejectedPriceBand: return "price_band";
    case CheckResult::kRejectedNoReference: return "no_reference";
    case CheckResult::kRejectedPosition: return "max_position";
    case CheckResult::kRejectedWorkingOrders: return "max_working_orders";
    case CheckResult::kRejectedOrderRate: return "order_rate";
    case CheckResult::kRejectedTradingState: return "trading_state";
  }
  return "unknown";
}

struct OrderCheck {
  Side side = Side::kBuy;
  std::int64_t qty = 0;
  double price = 0.0;
  double multiplier = 1.0;
  double tick_size = 0.0;            // for price_band_ticks; 0 skips that band
  double reference_price = 0.0;      // mid of the instrument's latest quote
  std::int64_t position = 0;         // hedge position + signed working quantity, before this order
  std::uint32_t working_orders = 0;  // live child orders of this underlying
  bool reduces_risk = false;         // shrinks |net delta|: exempt from the risk-adding-only checks
};

[[nodiscard]] CheckResult check_order(const PreTradeLimits& limits,
                                      const OrderCheck& order) noexcept;

// A token bucket: `rate` tokens per second up to `burst`; 0 rate disables (always allows).
class TokenBucket {
 public:
  void configure(double rate_per_second, double burst, TimeNs now) noexcept;
  // Takes one token if there is one.
  [[nodiscard]] bool try_take(TimeNs now) noexcept;
  [[nodiscard]] double tokens(TimeNs now) const noexcept;

 private:
  double rate_ = 0.0;
  double burst_ = 0.0;
  double tokens_ = 0.0;
  TimeNs last_ns_ = 0;
};

}  // namespace hedged::risk
