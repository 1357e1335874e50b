#include "core/execution/price_rules.hpp"

#include <algorithm>
#include <cmath>

namespace hedged::execution {
namespace {

// Prices are decimal numbers held in binary doubles: 100.00 / 0.01 may come out a hair under
// 10000. Anything within this many ticks of a grid point is on it.
constexpr double kTickTolerance = 1e-9;

}  // namespace

std::int64_t price_to_ticks(double price, double tick_size, TickRounding rounding) noexcept {
  const double ticks = price / tick_size;
  const double rounded = rounding == TickRounding::kDown ? std::floor(ticks + kTickTolerance)
                                                         : std::ceil(ticks - kTickTolerance);
  return static_cast<std::int64_t>(rounded);
}

std::int64_t slippage_cap_ticks(Side side, double arrival_price, double max_slippage_bps,
                                double tick_size) noexcept {
  if (!std::isfinite(max_slippage_bps)) {
    return side == Side::kBuy ? std::numeric_limits<std::int64_t>::max() : 1;
  }
  const double cap = max_slippage_bps * 1e-4;
  if (side == Side::kBuy) {
    return price_to_ticks(arrival_price * (1.0 + cap), tick_size, TickRounding::kDown);
  }
  return std::max<std::int64_t>(
      1, price_to_ticks(arrival_price * (1.0 - cap), tick_size, TickRounding::kUp));
}

LimitPrice limit_price(Side side, PriceRule rule, double bid, double ask, double tick_size,
                       double arrival_price, double max_slippage_bps) noexcept {
  LimitPrice out;
  if (!(tick_size > 0.0)) return out;
  const bool has_bid = bid > 0.0 && std::isfinite(bid);
  const bool has_ask = ask > 0.0 && std::isfinite(ask);
  // The far touch as the tick a crossing child must reach, rounded through it.
  const std::int64_t far_ticks =
      side == Side::kBuy ? (has_ask ? price_to_ticks(ask, tick_size, TickRounding::kUp) : 0)
                         : (has_bid ? price_to_ticks(bid, tick_size, TickRounding::kDown) : 0);
  const bool has_far = side == Side::kBuy ? has_ask : has_bid;
  const bool has_near = side == Side::kBuy ? has_bid : has_ask;

  std::int64_t price = 0;
  switch (rule) {
    case PriceRule::kJoin:
    case PriceRule::kImprove: {
      if (!has_near) return out;
      const std::int64_t near = side == Side::kBuy
                                    ? price_to_ticks(bid, tick_size, TickRounding::kDown)
                                    : price_to_ticks(ask, tick_size, TickRounding::kUp);
      price = near;
      if (rule == PriceRule::kImprove) {
        const std::int64_t improved = side == Side::kBuy ? near + 1 : near - 1;
        // Improving must not reach the far touch: with a one-tick spread it joins instead.
        const bool would_cross =
            has_far && (side == Side::kBuy ? improved >= far_ticks : improved <= far_ticks);
        if (!would_cross) price = improved;
      }
      break;
    }
    case PriceRule::kCross:
      if (!has_far) return out;
      price = far_ticks;
      break;
  }

  const std::int64_t cap = slippage_cap_ticks(side, arrival_price, max_slippage_bps, tick_size);
  if (more_aggressive(side, price, cap)) {
    price = cap;
    out.capped = true;
  }
  if (price < 1) return out;
  out.valid = true;
  out.price_ticks = price;
  out.crossing = has_far && (side == Side::kBuy ? price >= far_ticks : price <= far_ticks);
  return out;
}

}  // namespace hedged::execution
