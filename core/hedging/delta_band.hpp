// Fixed delta band hedge policy: decides whether and how much to trade in the hedge instrument.
// Pure function of its inputs; callable from any thread.
#pragma once

#include <cstdint>

namespace hedged::hedging {

struct DeltaBandPolicy {
  double band_delta_shares = 0.0;  // half-width of the no-trade band, in underlying shares
  std::int64_t lot_size = 1;       // hedge quantity is a multiple of this
  std::int64_t min_trade_qty = 1;  // smaller hedges are not worth sending
};

struct HedgeInputs {
  double portfolio_delta_shares = 0.0;  // options book delta, shares of underlying
  std::int64_t hedge_position = 0;      // filled hedge position, shares (delta 1 each)
  std::int64_t working_qty = 0;         // signed quantity of live hedge orders
};

// Net delta the desk would hold if every working order filled.
[[nodiscard]] constexpr double net_delta_shares(const HedgeInputs& in) noexcept {
  return in.portfolio_delta_shares + static_cast<double>(in.hedge_position) +
         static_cast<double>(in.working_qty);
}

// Signed hedge quantity: 0 inside the band; outside, the lot-rounded quantity that brings the
// net delta (working orders included, so a slow fill is never hedged twice) back to zero.
[[nodiscard]] std::int64_t decide_hedge_qty(const DeltaBandPolicy& policy,
                                            const HedgeInputs& in) noexcept;

}  // namespace hedged::hedging
