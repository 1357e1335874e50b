#include "core/hedging/hedge_policy.hpp"

#include <algorithm>
#include <cmath>

namespace hedged::hedging {
namespace {

// Quantities are computed in double and converted to integers: beyond 2^53 units neither is
// exact, and no real hedge comes near it, so such an input is treated as invalid. (It also keeps
// lots * lot_size, at most 2^53 + lot_size / 2, inside std::int64_t.)
constexpr double kMaxUnits = 9007199254740992.0;  // 2^53

// Hysteresis against a second trade. A trade is sized so the residual is at most
// kLotEpsilon lots beyond its rounding boundary (the band edge, or half a lot from zero); a
// decision only trades when the net delta is more than kDeadZoneLots beyond that boundary. The
// gap between the two absorbs the rounding of the sums that recompute the net delta after the
// trade (about 1e-16 of the positions: below the gap for books of up to ~10^7 lots).
constexpr double kLotEpsilon = 1e-9;
constexpr double kDeadZoneLots = 1e-8;

// Nearest whole number of lots to `lots` >= 0, an exact half rounding down: the residual is in
// (-0.5, 0.5] lots (up to kLotEpsilon more), and such a residual rounds to 0 lots next time.
double nearest_lots(double lots) noexcept {
  return std::ceil(lots - 0.5 - kLotEpsilon);
}

bool finite(double x) noexcept {
  return std::isfinite(x);
}

}  // namespace

double unit_delta_shares(const HedgeInstrument& instrument, double rate,
                         double dividend_yield) noexcept {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (!finite(instrument.multiplier) || instrument.multiplier <= 0.0) return kNaN;
  switch (instrument.kind) {
    case HedgeInstrumentKind::kSpot: return instrument.multiplier;
    case HedgeInstrumentKind::kFuture: {
      const double t = instrument.time_to_expiry_years;
      if (!finite(rate) || !finite(dividend_yield) || !finite(t) || t < 0.0) return kNaN;
      return instrument.multiplier * std::exp((rate - dividend_yield) * t);
    }
  }
  return kNaN;
}

std::int64_t to_instrument_qty(const HedgeInstrument& instrument, double rate,
                               double dividend_yield, double qty_shares,
                               std::int64_t lot_size) noexcept {
  const double unit = unit_delta_shares(instrument, rate, dividend_yield);
  if (!(unit > 0.0) || !finite(unit) || !finite(qty_shares)) return 0;
  const std::int64_t lot = std::max<std::int64_t>(lot_size, 1);
  const double units = std::fabs(qty_shares) / unit;
  if (!(units < kMaxUnits)) return 0;
  const auto n = static_cast<std::int64_t>(nearest_lots(units / static_cast<double>(lot)));
  return qty_shares < 0.0 ? -n * lot : n * lot;
}

double to_shares_equivalent(const HedgeInstrument& instrument, double rate, double dividend_yield,
                            std::int64_t qty) noexcept {
  return static_cast<double>(qty) * unit_delta_shares(instrument, rate, dividend_yield);
}

const char* validate(const HedgePolicy& p) noexcept {
  switch (p.kind) {
    case HedgePolicyKind::kBandShares:
      if (!finite(p.band_delta_shares) || p.band_delta_shares < 0.0) {
        return "band_delta_shares must be a finite number >= 0 (shares)";
      }
      break;
    case HedgePolicyKind::kBandNotional:
      if (!finite(p.band_delta_notional) || p.band_delta_notional < 0.0) {
        return "band_delta_notional must be a finite number >= 0 (currency)";
      }
      break;
    case HedgePolicyKind::kWhalleyWilmott:
      if (!finite(p.risk_aversion) || p.risk_aversion <= 0.0) {
        return "risk_aversion must be a finite number > 0 (per unit of currency)";
      }
      if (!finite(p.cost_fraction) || p.cost_fraction < 0.0 || p.cost_fraction >= 1.0) {
        return "cost must be >= 0 and below 100% of the traded notional";
      }
      if (!finite(p.min_band_shares) || p.min_band_shares < 0.0) {
        return "min_band_shares must be a finite number >= 0 (shares)";
      }
      if (std::isnan(p.max_band_shares) || p.max_band_shares < p.min_band_shares) {
        return "max_band_shares must be >= min_band_shares (shares)";
      }
      break;
    case HedgePolicyKind::kTime:
      if (p.rebalance_interval_ns <= 0) return "rebalance_interval must be > 0";
      break;
    default: return "unknown hedge policy kind";
  }
  if (p.target != HedgeTarget::kZero && p.target != HedgeTarget::kBandEdge) {
    return "unknown hedge target";
  }
  if (p.lot_size < 1) return "lot_size must be >= 1 (units of the hedge instrument)";
  if (p.min_trade_qty < 0) return "min_trade_qty must be >= 0 (units of the hedge instrument)";
  return nullptr;
}

HedgePolicy from_delta_band(const DeltaBandPolicy& band) noexcept {
  HedgePolicy p;
  p.kind = HedgePolicyKind::kBandShares;
  p.target = HedgeTarget::kZero;
  p.band_delta_shares = band.band_delta_shares;
  p.lot_size = band.lot_size;
  p.min_trade_qty = band.min_trade_qty;
  return p;
}

double whalley_wilmott_half_width_shares(double cost_fraction, double spot, double gamma_shares,
                                         double risk_aversion) noexcept {
  if (!finite(cost_fraction) || !finite(spot) || !finite(gamma_shares) || !finite(risk_aversion) ||
      cost_fraction < 0.0 || spot <= 0.0 || risk_aversion <= 0.0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  // Discount e^{-r(T-t)} dropped: see the header.
  return std::cbrt(3.0 * cost_fraction * spot * gamma_shares * gamma_shares /
                   (2.0 * risk_aversion));
}

double band_half_width_shares(const HedgePolicy& policy, double spot,
                              double gamma_shares) noexcept {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  switch (policy.kind) {
    case HedgePolicyKind::kBandShares: return policy.band_delta_shares;
    case HedgePolicyKind::kBandNotional:
      if (!finite(spot) || spot <= 0.0) return kNaN;
      return policy.band_delta_notional / spot;
    case HedgePolicyKind::kWhalleyWilmott: {
      const double raw = whalley_wilmott_half_width_shares(
          policy.cost_fraction, spot, std::fabs(gamma_shares), policy.risk_aversion);
      if (std::isnan(raw)) return kNaN;
      // Floor, then ceiling: a ceiling below the floor wins (validate() rejects that config).
      // std::max/min keep `raw` when a bound is NaN.
      return std::min(std::max(raw, policy.min_band_shares), policy.max_band_shares);
    }
    case HedgePolicyKind::kTime: return 0.0;
  }
  return kNaN;
}

const char* to_string(HedgeReason reason) noexcept {
  switch (reason) {
    case HedgeReason::kInsideBand: return "inside_band";
    case HedgeReason::kOutsideBand: return "outside_band";
    case HedgeReason::kRebalanceTime: return "rebalance_time";
    case HedgeReason::kBelowMinTrade: return "below_min_trade";
    case HedgeReason::kBeforeRebalanceTime: return "before_rebalance_time";
    case HedgeReason::kInvalidInput: return "invalid_input";
  }
  return "unknown";
}

const char* to_string(HedgePolicyKind kind) noexcept {
  switch (kind) {
    case HedgePolicyKind::kBandShares: return "band_shares";
    case HedgePolicyKind::kBandNotional: return "band_notional";
    case HedgePolicyKind::kWhalleyWilmott: return "whalley_wilmott";
    case HedgePolicyKind::kTime: return "time";
  }
  return "unknown";
}

const char* to_string(HedgeTarget target) noexcept {
  switch (target) {
    case HedgeTarget::kZero: return "zero";
    case HedgeTarget::kBandEdge: return "edge";
  }
  return "unknown";
}

HedgeDecision decide(const HedgePolicy& policy, const HedgeState& in) noexcept {
  HedgeDecision d;
  d.reason = HedgeReason::kInvalidInput;
  const double net = net_delta_shares(in);
  if (!finite(in.option_delta_shares) || !finite(in.hedge_position_shares) ||
      !finite(in.working_shares) || !finite(in.spot) || !finite(in.gamma_shares) ||
      !finite(in.unit_delta_shares) || in.unit_delta_shares <= 0.0 || !finite(net)) {
    return d;
  }
  d.net_delta_shares = net;

  if (policy.kind == HedgePolicyKind::kTime) {
    // Unsigned difference: exact for any pair of times with now >= last, no signed overflow.
    d.rebalance_due =
        policy.rebalance_interval_ns <= 0 ||
        (in.now_ns >= in.last_rebalance_ns &&
         static_cast<std::uint64_t>(in.now_ns) - static_cast<std::uint64_t>(in.last_rebalance_ns) >=
             static_cast<std::uint64_t>(policy.rebalance_interval_ns));
    if (!d.rebalance_due) {
      d.reason = HedgeReason::kBeforeRebalanceTime;
      return d;
    }
  }

  const double half_width = band_half_width_shares(policy, in.spot, in.gamma_shares);
  if (!(half_width >= 0.0) || !finite(half_width)) return d;
  d.half_width_shares = half_width;

  const std::int64_t lot = std::max<std::int64_t>(policy.lot_size, 1);
  const double lot_shares = static_cast<double>(lot) * in.unit_delta_shares;
  const double abs_net = std::fabs(net);
  if (!(abs_net / in.unit_delta_shares < kMaxUnits)) return d;
  const double net_lots = abs_net / lot_shares;
  const double excess_lots = (abs_net - half_width) / lot_shares;  // beyond the band edge
  if (excess_lots <= kDeadZoneLots) {
    d.reason = HedgeReason::kInsideBand;
    return d;
  }

  // Target zero: the nearest lot, so the residual is within half a lot of zero and never
  // larger than |net|.
  double lots = net_lots <= 0.5 + kDeadZoneLots ? 0.0 : nearest_lots(net_lots);
  if (policy.target == HedgeTarget::kBandEdge) {
    // Fewest whole lots that bring |net| to the band edge or inside it (residual in
    // (half_width - lot, half_width]), capped by the zero target so a lot wider than the band
    // never carries the book past zero to the far side.
    lots = std::min(lots, std::ceil(excess_lots - kLotEpsilon));
  }
  const std::int64_t abs_qty = static_cast<std::int64_t>(std::max(lots, 0.0)) * lot;
  if (abs_qty == 0 || abs_qty < policy.min_trade_qty) {
    d.reason = HedgeReason::kBelowMinTrade;
    return d;
  }
  d.qty = net > 0.0 ? -abs_qty : abs_qty;
  d.qty_shares = static_cast<double>(d.qty) * in.unit_delta_shares;
  d.reason = policy.kind == HedgePolicyKind::kTime ? HedgeReason::kRebalanceTime
                                                   : HedgeReason::kOutsideBand;
  return d;
}

}  // namespace hedged::hedging
