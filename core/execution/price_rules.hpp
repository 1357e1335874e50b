// Child limit-price rules (join, improve, cross, slippage cap) and tick/lot rounding for the
// execution algorithms. Pure functions of their arguments; the engine calls them on its thread.
//
// Tick rounding, by design: a passive price rounds away from the far touch (a buy down, a sell
// up) so it never crosses by accident; a crossing price rounds through the far touch (a buy up,
// a sell down) so an off-grid touch is still reached; the slippage cap always rounds inwards (a
// buy down, a sell up) so a child never goes beyond arrival × (1 ± cap).
#pragma once

#include <cstdint>
#include <limits>

#include "core/model/types.hpp"

namespace hedged::execution {

enum class PriceRule : std::uint8_t {
  kJoin,     // passive at the near touch: the bid for a buy, the ask for a sell
  kImprove,  // one tick inside the near touch; joins instead when the spread is one tick
  kCross,    // take the far touch: the ask for a buy, the bid for a sell
};

[[nodiscard]] constexpr const char* to_string(PriceRule rule) noexcept {
  switch (rule) {
    case PriceRule::kJoin: return "join";
    case PriceRule::kImprove: return "improve";
    case PriceRule::kCross: return "cross";
  }
  return "unknown";
}

// max_slippage_bps value that disables the cap.
inline constexpr double kNoSlippageCap = std::numeric_limits<double>::infinity();

enum class TickRounding : std::uint8_t { kDown, kUp };

// Price to integer ticks, rounded in the given direction. A price within 1e-9 tick of a grid
// point counts as on it, so 100.00 / 0.01 = 9999.999999… is 10000 ticks either way.
[[nodiscard]] std::int64_t price_to_ticks(double price, double tick_size,
                                          TickRounding rounding) noexcept;

// Quantities in units of the hedge instrument; lot_size >= 1.
[[nodiscard]] constexpr std::int64_t round_down_to_lot(std::int64_t qty,
                                                       std::int64_t lot_size) noexcept {
  return qty / lot_size * lot_size;
}
[[nodiscard]] constexpr std::int64_t round_up_to_lot(std::int64_t qty,
                                                     std::int64_t lot_size) noexcept {
  return (qty + lot_size - 1) / lot_size * lot_size;
}
// Half a lot rounds up.
[[nodiscard]] constexpr std::int64_t round_to_nearest_lot(std::int64_t qty,
                                                          std::int64_t lot_size) noexcept {
  return (qty + lot_size / 2) / lot_size * lot_size;
}

// The furthest price, in ticks, the cap lets a child reach: a buy never above
// floor(arrival × (1 + cap)), a sell never below ceil(arrival × (1 − cap)). With no cap: the
// int64 maximum for a buy, 1 tick for a sell.
[[nodiscard]] std::int64_t slippage_cap_ticks(Side side, double arrival_price,
                                              double max_slippage_bps, double tick_size) noexcept;

struct LimitPrice {
  bool valid = false;  // false: no usable touch for this side, or the cap leaves no price > 0
  std::int64_t price_ticks = 0;
  bool crossing = false;  // priced at or through the far touch
  bool capped = false;    // the slippage cap moved the price
};

// The limit price of a child under `rule` (the rule in force: callers pass kCross once a cross
// timeout has fired). bid and ask are the current touch in currency; a buy needs bid > 0 to
// rest passively and ask > 0 to cross, a sell the mirror.
[[nodiscard]] LimitPrice limit_price(Side side, PriceRule rule, double bid, double ask,
                                     double tick_size, double arrival_price,
                                     double max_slippage_bps) noexcept;

// True when `candidate` is a more aggressive limit than `current` for this side.
[[nodiscard]] constexpr bool more_aggressive(Side side, std::int64_t candidate_ticks,
                                             std::int64_t current_ticks) noexcept {
  return side == Side::kBuy ? candidate_ticks > current_ticks : candidate_ticks < current_ticks;
}

}  // namespace hedged::execution
