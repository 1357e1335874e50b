// Pre-trade checks applied to every child order before it leaves the engine.
// Pure functions; called on the engine thread.
#pragma once

#include <cstdint>

#include "core/model/types.hpp"

namespace hedged::risk {

struct PreTradeLimits {
  std::int64_t max_order_qty = 0;   // units; 0 disables
  double max_order_notional = 0.0;  // currency; 0 disables
  double price_band_pct = 0.0;      // max distance of the limit price from the reference, %
};

enum class CheckResult : std::uint8_t {
  kAccepted,
  kRejectedQuantity,
  kRejectedNotional,
  kRejectedPriceBand,
  kRejectedNoReference,
};

[[nodiscard]] constexpr const char* to_string(CheckResult result) noexcept {
  switch (result) {
    case CheckResult::kAccepted: return "accepted";
    case CheckResult::kRejectedQuantity: return "quantity above max_order_qty";
    case CheckResult::kRejectedNotional: return "notional above max_order_notional";
    case CheckResult::kRejectedPriceBand: return "limit price outside price_band_pct of reference";
    case CheckResult::kRejectedNoReference: return "no valid reference price";
  }
  return "unknown";
}

struct OrderCheck {
  Side side = Side::kBuy;
  std::int64_t qty = 0;
  double price = 0.0;
  double multiplier = 1.0;
  double reference_price = 0.0;  // mid of the instrument's latest quote
  bool reduces_risk = false;     // shrinks |net delta|: exempt from quantity/notional caps
};

[[nodiscard]] CheckResult check_order(const PreTradeLimits& limits,
                                      const OrderCheck& order) noexcept;

}  // namespace hedged::risk
