#include "core/execution/algorithms.hpp"

#include <algorithm>
#include <cmath>

#include "core/execution/almgren_chriss.hpp"

namespace hedged::execution {
namespace {

// A product like 0.1 × 1000 may land a hair under the integer it should be.
constexpr double kQtyTolerance = 1e-9;

std::int64_t lot_of(const ParentOrder& p) noexcept {
  return p.lot_size > 0 ? p.lot_size : 1;
}

std::int64_t floor_qty(double qty) noexcept {
  return qty > 0.0 ? static_cast<std::int64_t>(std::floor(qty + kQtyTolerance)) : 0;
}

bool pov_horizon_passed(const ParentOrder& p, TimeNs now) noexcept {
  return p.params.horizon_ns > 0 && now - p.start_ns >= p.params.horizon_ns;
}

std::int64_t market_volume_since_start(const ParentOrder& p, const MarketState& m) noexcept {
  return std::max<std::int64_t>(0, m.cum_volume - p.start_market_volume);
}

// Slices released by `now` (0 before start, N from the last release time on).
std::int64_t released_slices(const ParentOrder& p, TimeNs now) noexcept {
  const TimeNs elapsed = now - p.start_ns;
  if (elapsed < 0) return 0;
  if (elapsed >= p.params.horizon_ns) return p.slices;
  // Slice k+1 is released at ceil(H·k/N) <= elapsed, i.e. k <= elapsed·N/H.
  const std::int64_t k = elapsed * p.slices / p.params.horizon_ns;
  return std::min(p.slices, k + 1);
}

// When scheduled_qty may next grow with time alone (volume changes come with quotes).
TimeNs next_release_ns(const ParentOrder& p, TimeNs now) noexcept {
  if (now < p.start_ns) return p.start_ns;
  switch (p.params.algorithm) {
    case Algorithm::kImmediate: return kNever;
    case Algorithm::kTwap:
    case Algorithm::kAlmgrenChriss: {
      const std::int64_t j = released_slices(p, now);
      return j < p.slices ? slice_time_ns(p, j) : kNever;
    }
    case Algorithm::kPov:
      return p.params.horizon_ns > 0 && !pov_horizon_passed(p, now)
                 ? p.start_ns + p.params.horizon_ns
                 : kNever;
  }
  return kNever;
}

// The deadline of the earliest part of the schedule not yet filled, passed or not.
TimeNs first_unfilled_deadline(const ParentOrder& p) noexcept {
  if (p.filled_qty >= p.total_qty) return kNever;
  switch (p.params.algorithm) {
    case Algorithm::kImmediate: return p.start_ns;
    case Algorithm::kTwap:
    case Algorithm::kAlmgrenChriss: {
      // Targets grow with j and the last one is the total, so the search always lands.
      std::int64_t lo = 1;
      std::int64_t hi = p.slices;
      while (lo < hi) {
        const std::int64_t mid = lo + (hi - lo) / 2;
        if (slice_target_qty(p, mid) > p.filled_qty) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      return slice_time_ns(p, lo);
    }
    case Algorithm::kPov:
      return p.params.horizon_ns > 0 ? p.start_ns + p.params.horizon_ns : kNever;
  }
  return kNever;
}

bool timed_out(TimeNs since, TimeNs now, TimeNs after) noexcept {
  return since != kNever && now >= since && now - since >= after;
}

bool crossing_due(const ParentOrder& p, TimeNs child_sent_ns, TimeNs now) noexcept {
  if (p.params.price_rule == PriceRule::kCross) return true;
  const TimeNs after = p.params.cross_after_ns;
  if (after <= 0) return false;
  return timed_out(child_sent_ns, now, after) || timed_out(behind_since(p, now), now, after);
}

// When a cross timeout may next fire for a child sent at child_sent_ns.
TimeNs next_cross_check(const ParentOrder& p, TimeNs child_sent_ns, TimeNs now) noexcept {
  if (p.params.price_rule == PriceRule::kCross || p.params.cross_after_ns <= 0) return kNever;
  const TimeNs after = p.params.cross_after_ns;
  TimeNs next = kNever;
  if (child_sent_ns + after > now) next = child_sent_ns + after;
  const TimeNs deadline = first_unfilled_deadline(p);
  if (deadline != kNever && deadline + after > now) next = std::min(next, deadline + after);
  return next;
}

ChildDecision wait_until(TimeNs when) noexcept {
  ChildDecision d;
  d.action = ChildAction::kWait;
  d.next_check_ns = when;
  return d;
}

}  // namespace

TimeNs slice_time_ns(const ParentOrder& p, std::int64_t j) noexcept {
  if (j <= 0) return p.start_ns;
  if (j >= p.slices) return p.start_ns + p.params.horizon_ns;
  // horizon <= 24h and slices <= 10000 keep horizon·j below 2^63.
  return p.start_ns + (p.params.horizon_ns * j + p.slices - 1) / p.slices;
}

std::int64_t slice_target_qty(const ParentOrder& p, std::int64_t j) noexcept {
  if (j <= 0) return 0;
  if (j >= p.slices) return p.total_qty;
  const std::int64_t lot = lot_of(p);
  const std::int64_t lots = p.total_qty / lot;
  std::int64_t target_lots = 0;
  if (p.params.algorithm == Algorithm::kAlmgrenChriss) {
    const double horizon_s = static_cast<double>(p.params.horizon_ns) / 1e9;
    const double t_s = horizon_s * static_cast<double>(j) / static_cast<double>(p.slices);
    const double traded = 1.0 - ac_holdings_fraction(p.ac_kappa_per_second, horizon_s, t_s);
    target_lots = std::min(lots, floor_qty(static_cast<double>(lots) * traded));
  } else {
    target_lots = lots * j / p.slices;
  }
  return target_lots * lot;
}

std::int64_t scheduled_qty(const ParentOrder& p, const MarketState& m, TimeNs now) noexcept {
  if (now < p.start_ns) return 0;
  switch (p.params.algorithm) {
    case Algorithm::kImmediate: return p.total_qty;
    case Algorithm::kTwap:
    case Algorithm::kAlmgrenChriss: return slice_target_qty(p, released_slices(p, now));
    case Algorithm::kPov: {
      if (pov_horizon_passed(p, now)) return p.total_qty;
      const double volume = static_cast<double>(market_volume_since_start(p, m));
      const std::int64_t target =
          round_down_to_lot(floor_qty(p.params.participation_pct * 0.01 * volume), lot_of(p));
      return std::min(p.total_qty, target);
    }
  }
  return 0;
}

TimeNs behind_since(const ParentOrder& p, TimeNs now) noexcept {
  const TimeNs deadline = first_unfilled_deadline(p);
  return deadline <= now ? deadline : kNever;
}

std::int64_t size_child(std::int64_t desired, std::int64_t unsent, std::int64_t allowed,
                        std::int64_t min_qty, std::int64_t max_qty,
                        std::int64_t lot_size) noexcept {
  if (unsent <= 0 || desired <= 0 || allowed <= 0) return 0;
  const std::int64_t lot = lot_size > 0 ? lot_size : 1;
  const std::int64_t min_child = std::max(min_qty, lot);
  std::int64_t cap = std::min(unsent, allowed);
  if (max_qty > 0) cap = std::min(cap, max_qty);
  std::int64_t qty = std::min(desired, cap);
  if (qty == unsent) return qty;  // the whole remainder goes, even below the minimum
  qty = round_down_to_lot(qty, lot);
  if (qty < min_child) return 0;
  if (unsent - qty >= min_child) return qty;
  // This child would leave a remainder below the minimum: take it along, or, when that is more
  // than may go now, leave exactly one minimum child behind.
  if (unsent <= cap) return unsent;
  const std::int64_t shorter = round_down_to_lot(unsent - min_child, lot);
  return shorter >= min_child && shorter <= cap ? shorter : 0;
}

ChildDecision next_child(const ParentOrder& p, const MarketState& m, TimeNs now) noexcept {
  if (now < p.start_ns) return wait_until(p.start_ns);
  if (p.complete()) {
    ChildDecision d;
    d.action = ChildAction::kDone;
    return d;
  }
  const std::int64_t unsent = p.unsent_qty();
  if (unsent == 0) return wait_until(kNever);  // the rest is working: wait for its reports

  const std::int64_t committed = p.filled_qty + p.working_qty;
  const std::int64_t desired = scheduled_qty(p, m, now) - committed;
  std::int64_t allowed = unsent;
  if (p.params.algorithm == Algorithm::kPov && !pov_horizon_passed(p, now)) {
    const double volume = static_cast<double>(market_volume_since_start(p, m));
    const std::int64_t cap = floor_qty(p.params.max_participation_pct * 0.01 * volume);
    allowed = std::min(allowed, cap - committed);
  }
  const std::int64_t qty = size_child(desired, unsent, allowed, p.params.min_child_qty,
                                      p.params.max_child_qty, lot_of(p));
  if (qty <= 0) return wait_until(next_release_ns(p, now));

  if (p.child_spacing_ns > 0 && p.children_sent > 0 && now - p.last_child_ns < p.child_spacing_ns) {
    return wait_until(p.last_child_ns + p.child_spacing_ns);
  }

  const bool crossing = crossing_due(p, now, now);
  const LimitPrice price =
      limit_price(p.side, crossing ? PriceRule::kCross : p.params.price_rule, m.bid, m.ask,
                  p.tick_size, p.arrival_price, p.params.max_slippage_bps);
  ChildDecision d;
  if (!price.valid) {
    d.action = ChildAction::kNoMarket;
    return d;
  }
  d.action = ChildAction::kSend;
  d.qty = qty;
  d.price_ticks = price.price_ticks;
  d.crossing = price.crossing;
  d.next_check_ns = now;
  return d;
}

RepriceDecision reprice_child(const ParentOrder& p, const MarketState& m, std::int64_t price_ticks,
                              TimeNs child_sent_ns, TimeNs now) noexcept {
  RepriceDecision d;
  const bool crossing = crossing_due(p, child_sent_ns, now);
  const LimitPrice price =
      limit_price(p.side, crossing ? PriceRule::kCross : p.params.price_rule, m.bid, m.ask,
                  p.tick_size, p.arrival_price, p.params.max_slippage_bps);
  if (!price.valid) {
    d.action = RepriceAction::kNoMarket;
    d.price_ticks = price_ticks;
    return d;
  }
  d.next_check_ns = crossing ? kNever : next_cross_check(p, child_sent_ns, now);
  if (more_aggressive(p.side, price.price_ticks, price_ticks)) {
    d.action = RepriceAction::kReprice;
    d.price_ticks = price.price_ticks;
    d.crossing = price.crossing;
  } else {
    d.action = RepriceAction::kKeep;
    d.price_ticks = price_ticks;
  }
  return d;
}

}  // namespace hedged::execution
