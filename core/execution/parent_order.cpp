#include "core/execution/parent_order.hpp"

#include <algorithm>
#include <cmath>

#include "core/execution/almgren_chriss.hpp"

namespace hedged::execution {
namespace {

bool non_negative(double x) noexcept {
  return std::isfinite(x) && x >= 0.0;
}

bool uses_slices(Algorithm algorithm) noexcept {
  return algorithm == Algorithm::kTwap || algorithm == Algorithm::kAlmgrenChriss;
}

// The smallest spacing in ns at which a token bucket of `rate` per second (burst 1) has earned
// a whole token again, in the bucket's own double arithmetic.
TimeNs spacing_for_rate(double rate_per_second) noexcept {
  if (!(rate_per_second > 0.0)) return 0;
  auto spacing = static_cast<TimeNs>(std::ceil(1e9 / rate_per_second));
  while (static_cast<double>(spacing) / 1e9 * rate_per_second < 1.0) ++spacing;
  return spacing;
}

}  // namespace

ExecError validate(const ExecutionParams& p) noexcept {
  if (p.horizon_ns < 0 || p.horizon_ns > kMaxHorizonNs) return ExecError::kBadHorizon;
  if (uses_slices(p.algorithm)) {
    if (p.horizon_ns == 0) return ExecError::kBadHorizon;
    if (p.slice_interval_ns <= 0 || p.slice_interval_ns > p.horizon_ns) {
      return ExecError::kBadSliceInterval;
    }
    if ((p.horizon_ns + p.slice_interval_ns - 1) / p.slice_interval_ns > kMaxSlices) {
      return ExecError::kTooManySlices;
    }
  }
  if (p.algorithm == Algorithm::kPov &&
      !(p.participation_pct > 0.0 && p.participation_pct <= p.max_participation_pct &&
        p.max_participation_pct <= 100.0)) {
    return ExecError::kBadParticipation;
  }
  if (!non_negative(p.temporary_impact) || !non_negative(p.permanent_impact) ||
      !non_negative(p.impact_coefficient)) {
    return ExecError::kBadImpact;
  }
  if (!non_negative(p.risk_aversion_per_currency)) return ExecError::kBadRiskAversion;
  if (p.cross_after_ns < 0) return ExecError::kBadCrossAfter;
  if (!(p.max_slippage_bps >= 0.0) ||
      (std::isfinite(p.max_slippage_bps) && p.max_slippage_bps >= 10'000.0)) {
    return ExecError::kBadSlippageCap;
  }
  if (p.min_child_qty < 0 || p.max_child_qty < 0 ||
      (p.max_child_qty > 0 && p.max_child_qty < p.min_child_qty)) {
    return ExecError::kBadChildSize;
  }
  if (!non_negative(p.max_children_per_second)) return ExecError::kBadChildRate;
  return ExecError::kOk;
}

ParentResult make_parent(const ParentRequest& request) noexcept {
  ParentResult result;
  if (const ExecError error = validate(request.params); error != ExecError::kOk) {
    result.error = error;
    return result;
  }
  if (!(request.tick_size > 0.0) || !std::isfinite(request.tick_size) || request.lot_size < 1) {
    result.error = ExecError::kBadInstrument;
    return result;
  }
  if (!(request.arrival_price > 0.0) || !std::isfinite(request.arrival_price)) {
    result.error = ExecError::kBadArrivalPrice;
    return result;
  }
  const std::int64_t lot = request.lot_size;
  if (request.qty < 0 || request.qty > kMaxParentQty ||
      round_to_nearest_lot(request.qty, lot) == 0) {
    result.error = ExecError::kBadQuantity;
    return result;
  }

  ParentOrder& p = result.parent;
  p.instrument = request.instrument;
  p.underlying = request.underlying;
  p.side = request.side;
  p.total_qty = round_to_nearest_lot(request.qty, lot);
  p.arrival_price = request.arrival_price;
  p.start_ns = request.start_ns;
  p.tick_size = request.tick_size;
  p.lot_size = lot;
  p.start_market_volume = request.market_volume;
  p.params = request.params;
  p.params.min_child_qty = std::max(lot, round_up_to_lot(request.params.min_child_qty, lot));
  if (request.params.max_child_qty > 0) {
    p.params.max_child_qty = std::max(lot, round_down_to_lot(request.params.max_child_qty, lot));
    // Every remainder above max must split into children within both bounds: one just above
    // max (max + one lot) needs max + lot >= 2 × min.
    if (p.params.max_child_qty + lot < 2 * p.params.min_child_qty) {
      result.error = ExecError::kBadChildSize;
      return result;
    }
  }
  p.child_spacing_ns = spacing_for_rate(request.params.max_children_per_second);

  if (uses_slices(p.params.algorithm)) {
    p.slices = (p.params.horizon_ns + p.params.slice_interval_ns - 1) / p.params.slice_interval_ns;
  }
  if (p.params.algorithm == Algorithm::kAlmgrenChriss) {
    const double horizon_s = static_cast<double>(p.params.horizon_ns) / 1e9;
    const double tau_s = horizon_s / static_cast<double>(p.slices);
    const double sigma = absolute_vol_per_sqrt_second(request.vol_annual, p.arrival_price);
    const double lambda = p.params.risk_aversion_per_currency;
    if (lambda > 0.0 && sigma > 0.0) {
      double eta = p.params.temporary_impact;
      if (!(eta > 0.0)) {
        eta = temporary_impact_from_sqrt_law(
            p.params.impact_coefficient, daily_vol(request.vol_annual), p.arrival_price,
            static_cast<double>(p.total_qty) / static_cast<double>(p.slices), request.adv_units,
            tau_s);
      }
      if (!(eta > 0.0)) {
        result.error = ExecError::kNoLiquidityEstimate;
        return result;
      }
      const double kappa = ac_kappa(lambda, sigma, eta, p.params.permanent_impact, tau_s);
      if (!std::isfinite(kappa)) {
        result.error = ExecError::kInconsistentImpact;
        return result;
      }
      p.ac_kappa_per_second = kappa;
      p.ac_temporary_impact = eta;
    } else {
      p.ac_temporary_impact = p.params.temporary_impact;
    }
  }
  return result;
}

void record_child_sent(ParentOrder& parent, std::int64_t qty, TimeNs now) noexcept {
  parent.working_qty += qty;
  parent.last_child_ns = now;
  ++parent.children_sent;
}

void record_fill(ParentOrder& parent, std::int64_t qty) noexcept {
  parent.filled_qty += qty;
  parent.working_qty = std::max<std::int64_t>(0, parent.working_qty - qty);
}

void record_child_closed(ParentOrder& parent, std::int64_t leaves_qty) noexcept {
  parent.working_qty = std::max<std::int64_t>(0, parent.working_qty - leaves_qty);
}

AmendDecision decide_new_target(const ParentOrder& parent,
                                std::int64_t signed_qty_to_trade) noexcept {
  AmendDecision d;
  const std::int64_t lot = parent.lot_size;
  const Side need_side = signed_qty_to_trade >= 0 ? Side::kBuy : Side::kSell;
  const std::int64_t need = round_to_nearest_lot(
      signed_qty_to_trade >= 0 ? signed_qty_to_trade : -signed_qty_to_trade, lot);
  const std::int64_t committed = parent.filled_qty + parent.working_qty;
  if (need == 0) {
    d.action = parent.working_qty > 0 || parent.total_qty != parent.filled_qty
                   ? AmendAction::kCancel
                   : AmendAction::kNone;
    d.new_total_qty = parent.filled_qty;
    d.cancel_working_qty = parent.working_qty;
    return d;
  }
  if (need_side != parent.side) {
    d.action = AmendAction::kCancelAndReplace;
    d.new_total_qty = parent.filled_qty;
    d.cancel_working_qty = parent.working_qty;
    d.new_side = need_side;
    d.new_parent_qty = need;
    return d;
  }
  d.new_total_qty = std::min(parent.filled_qty + need, kMaxParentQty);
  d.action = d.new_total_qty == parent.total_qty ? AmendAction::kNone : AmendAction::kAmend;
  d.cancel_working_qty = std::max<std::int64_t>(0, committed - d.new_total_qty);
  return d;
}

void apply_amend(ParentOrder& parent, const AmendDecision& decision) noexcept {
  if (decision.action == AmendAction::kNone) return;
  parent.total_qty = decision.new_total_qty;
}

}  // namespace hedged::execution
