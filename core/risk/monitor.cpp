#include "core/risk/monitor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hedged::risk {
namespace {

TradingState stronger(TradingState a, TradingState b) noexcept {
  return static_cast<std::uint8_t>(a) >= static_cast<std::uint8_t>(b) ? a : b;
}

TradingState state_of(BreakerAction action) noexcept {
  return action == BreakerAction::kHalt ? TradingState::kHalted : TradingState::kReducing;
}

}  // namespace

void RiskMonitor::Samples::push(double v, TimeNs t) noexcept {
  value[next] = v;
  time[next] = t;
  next = (next + 1) % kSamples;
  count = std::min(count + 1, kSamples);
  last_ns = t;
}

RiskMonitor::RiskMonitor(std::size_t underlyings, const RiskLimits& limits)
    : limits_(limits), markets_(underlyings), scopes_(underlyings + 1) {
  configure_buckets(0);
}

void RiskMonitor::configure_buckets(TimeNs now) noexcept {
  for (std::size_t u = 0; u < markets_.size(); ++u) {
    const PreTradeLimits& p = limits_.pre_trade[u];
    markets_[u].orders.configure(p.max_orders_per_second, p.order_burst, now);
    markets_[u].cancels.configure(p.max_cancels_per_second, p.cancel_burst, now);
  }
}

void RiskMonitor::set_limits(const RiskLimits& limits, TimeNs now, ActionBuffer& out) noexcept {
  limits_ = limits;
  configure_buckets(now);
  for (std::size_t i = 0; i < scopes_.size(); ++i) {
    for (std::size_t b = 0; b < kBreakerCount; ++b) {
      if (scopes_[i].cells[b].tripped && !limits_.breakers.policy[b].enabled) {
        reset(scope_id(i), static_cast<Breaker>(b), "breaker disabled by the new limits", out);
      }
    }
  }
}

double RiskMonitor::keep_fraction(Breaker b) const noexcept {
  const double h = limits_.breakers[b].hysteresis_pct;
  return std::clamp(1.0 - h / 100.0, 0.0, 1.0);
}

void RiskMonitor::trip(std::uint32_t scope, Breaker b, const char* cause, TimeNs /*now*/,
                       ActionBuffer& out) noexcept {
  if (!limits_.breakers[b].enabled) return;
  Cell& cell = scopes_[index(scope)].cells[static_cast<std::size_t>(b)];
  cell.clear_since_ns = 0;
  if (cell.tripped) return;
  cell.tripped = true;
  cell.momentary = false;
  cell.cause.assign(cause);
  ++trips_[static_cast<std::size_t>(b)];
  BreakerNotice notice;
  notice.underlying = scope;
  notice.breaker = static_cast<std::uint8_t>(b);
  notice.kind = BreakerNotice::Kind::kTripped;
  notice.cause = cell.cause;
  out.push(notice);
  update_state(scope, out);
}

void RiskMonitor::reset(std::uint32_t scope, Breaker b, const char* why,
                        ActionBuffer& out) noexcept {
  Cell& cell = scopes_[index(scope)].cells[static_cast<std::size_t>(b)];
  if (!cell.tripped) return;
  cell.tripped = false;
  cell.momentary = false;
  BreakerNotice notice;
  notice.underlying = scope;
  notice.breaker = static_cast<std::uint8_t>(b);
  notice.kind = BreakerNotice::Kind::kReset;
  notice.cause.assign(why);
  out.push(notice);
  update_state(scope, out);
}

void RiskMonitor::observe(std::uint32_t scope, Breaker b, bool over, bool clear, const char* cause,
                          TimeNs now, ActionBuffer& out) noexcept {
  Cell& cell = scopes_[index(scope)].cells[static_cast<std::size_t>(b)];
  if (over) {
    trip(scope, b, cause, now, out);
    cell.clear_since_ns = 0;
    return;
  }
  if (!clear) {
    cell.clear_since_ns = 0;
  } else if (cell.clear_since_ns == 0) {
    cell.clear_since_ns = now;
  }
}

void RiskMonitor::update_state(std::uint32_t scope, ActionBuffer& out) noexcept {
  Scope& s = scopes_[index(scope)];
  TradingState to = TradingState::kActive;
  const Cell* why = nullptr;
  bool manual = false;
  for (std::size_t b = 0; b < kBreakerCount; ++b) {
    const Cell& cell = s.cells[b];
    if (!cell.tripped) continue;
    const TradingState st = state_of(limits_.breakers.policy[b].action);
    manual = manual || limits_.breakers.policy[b].reset == ResetPolicy::kManual;
    if (why == nullptr || static_cast<std::uint8_t>(st) > static_cast<std::uint8_t>(to)) {
      to = st;
      why = &cell;
    }
  }
  if (to == s.state) {
    if (why != nullptr) s.cause = why->cause;
    return;
  }
  StateNotice notice;
  notice.underlying = scope;
  notice.from = s.state;
  notice.to = to;
  notice.manual_resume = manual;
  if (why != nullptr) {
    notice.cause = why->cause;
  } else {
    notice.cause.assign("every breaker has reset");
  }
  s.state = to;
  s.cause = notice.cause;
  out.push(notice);
}

TradingState RiskMonitor::scope_state(std::uint32_t scope) const noexcept {
  return scopes_[index(scope)].state;
}

const char* RiskMonitor::scope_cause(std::uint32_t scope) const noexcept {
  return scopes_[index(scope)].cause.c_str();
}

TradingState RiskMonitor::state(std::uint32_t u) const noexcept {
  return stronger(scopes_[u].state, scopes_.back().state);
}

std::uint32_t RiskMonitor::take_newly_halted() noexcept {
  std::uint32_t halted = 0;
  for (std::uint32_t u = 0; u < markets_.size(); ++u) {
    if (state(u) == TradingState::kHalted) halted |= 1u << u;
  }
  const std::uint32_t fresh = halted & ~halted_mask_;
  halted_mask_ = halted;
  return fresh;
}

bool RiskMonitor::breaker_tripped(std::uint32_t scope, Breaker b) const noexcept {
  return scopes_[index(scope)].cells[static_cast<std::size_t>(b)].tripped;
}

// --- Market inputs ---------------------------------------------------------------------------

void RiskMonitor::on_spot(std::uint32_t u, double mid, TimeNs now, ActionBuffer& out) noexcept {
  if (first_ns_ == 0) first_ns_ = now;
  Market& m = markets_[u];
  m.last_spot_ns = now;
  m.mid = mid;
  check_stale(u, now, out);
  check_jump(u, now, out);
}

void RiskMonitor::on_hedge_quote(std::uint32_t u, double bid, double ask, TimeNs now,
                                 ActionBuffer& out) noexcept {
  if (!(bid > 0.0) || !(ask >= bid)) return;
  markets_[u].spread = ask - bid;
  check_spread(u, now, out);
}

void RiskMonitor::check_stale(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept {
  const Market& m = markets_[u];
  const TimeNs since = m.last_spot_ns != 0 ? m.last_spot_ns : first_ns_;
  if (since == 0) return;
  const TimeNs age = now - since;
  const TimeNs timeout = limits_.breakers.stale_timeout_ns;
  const bool over = timeout > 0 && age > timeout;
  const bool clear =
      m.last_spot_ns != 0 &&
      static_cast<double>(age) <= static_cast<double>(timeout) * keep_fraction(Breaker::kStaleData);
  char cause[96] = {};
  if (over) {
    std::snprintf(cause, sizeof cause,
                  "stale market data: no spot quote for %.3f s (timeout %.3f s)",
                  static_cast<double>(age) / 1e9, static_cast<double>(timeout) / 1e9);
  }
  observe(u, Breaker::kStaleData, over, clear, cause, now, out);
}

void RiskMonitor::check_jump(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept {
  const Market& m = markets_[u];
  if (m.mids.count == 0 || !(m.window_low > 0.0) || !(m.mid > 0.0)) return;
  const BreakerSettings& bs = limits_.breakers;
  // Two windows: the short one catches a jump, the long one a steady fall (or rise) that never
  // moves the short limit within one short window. Each is measured from the window's extreme,
  // so a reference cannot follow the price down.
  const double move_pct = 100.0 * std::max(m.mid / m.window_low - 1.0, 1.0 - m.mid / m.window_high);
  double long_pct = 0.0;
  if (m.mids_long.count > 0 && m.long_low > 0.0) {
    long_pct = 100.0 * std::max(m.mid / m.long_low - 1.0, 1.0 - m.mid / m.long_high);
  }
  const double limit = bs.price_jump_pct;
  const double long_limit = bs.price_jump_long_window_ns > 0 ? bs.price_jump_long_pct : 0.0;
  const bool over_short = limit > 0.0 && move_pct > limit;
  const bool over_long = long_limit > 0.0 && long_pct > long_limit;
  const double keep = keep_fraction(Breaker::kPriceJump);
  const bool clear =
      move_pct <= limit * keep && (long_limit <= 0.0 || long_pct <= long_limit * keep);
  char cause[96] = {};
  if (over_short) {
    std::snprintf(cause, sizeof cause, "price jump: spot moved %.2f%% within %.1f s (limit %.2f%%)",
                  move_pct, static_cast<double>(bs.price_jump_window_ns) / 1e9, limit);
  } else if (over_long) {
    std::snprintf(cause, sizeof cause, "price jump: spot moved %.2f%% within %.1f s (limit %.2f%%)",
                  long_pct, static_cast<double>(bs.price_jump_long_window_ns) / 1e9, long_limit);
  }
  observe(u, Breaker::kPriceJump, over_short || over_long, clear, cause, now, out);
}

void RiskMonitor::check_spread(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept {
  const Market& m = markets_[u];
  if (m.spread < 0.0 || m.spreads.count < limits_.breakers.spread_min_samples ||
      !(m.spread_median > 0.0)) {
    return;
  }
  const double threshold = limits_.breakers.spread_max_multiple * m.spread_median;
  const bool over = threshold > 0.0 && m.spread > threshold;
  const bool clear = m.spread <= threshold * keep_fraction(Breaker::kSpreadBlowout);
  char cause[96] = {};
  if (over) {
    std::snprintf(cause, sizeof cause, "spread blowout: spread %.6g > %.3g x median %.6g", m.spread,
                  limits_.breakers.spread_max_multiple, m.spread_median);
  }
  observe(u, Breaker::kSpreadBlowout, over, clear, cause, now, out);
}

void RiskMonitor::on_bad_quote(std::uint32_t u, const char* cause, TimeNs now,
                               ActionBuffer& out) noexcept {
  ++bad_quotes_;
  observe(u, Breaker::kBadMarketData, true, false, cause, now, out);
}

void RiskMonitor::on_good_quote(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept {
  observe(u, Breaker::kBadMarketData, false, true, "", now, out);
}

bool RiskMonitor::stressed(std::uint32_t u) const noexcept {
  const Scope& s = scopes_[u];
  return s.cells[static_cast<std::size_t>(Breaker::kSpreadBlowout)].tripped ||
         s.cells[static_cast<std::size_t>(Breaker::kPriceJump)].tripped ||
         s.cells[static_cast<std::size_t>(Breaker::kStaleData)].tripped ||
         s.cells[static_cast<std::size_t>(Breaker::kBadMarketData)].tripped;
}

void RiskMonitor::on_reject(TimeNs now, ActionBuffer& out) noexcept {
  reject_ns_[reject_count_ % kMaxRejectStorm] = now;
  ++reject_count_;
  const std::uint32_t n = rejects_in_window(now);
  const std::uint32_t limit = limits_.breakers.reject_storm_rejects;
  if (limit > 0 && n >= limit) {
    char cause[96] = {};
    std::snprintf(cause, sizeof cause, "reject storm: %u venue rejects within %.1f s (limit %u)", n,
                  static_cast<double>(limits_.breakers.reject_storm_window_ns) / 1e9, limit);
    observe(kBookScope, Breaker::kRejectStorm, true, false, cause, now, out);
  }
}

std::uint32_t RiskMonitor::rejects_in_window(TimeNs now) const noexcept {
  const std::size_t stored = std::min<std::size_t>(reject_count_, kMaxRejectStorm);
  std::uint32_t n = 0;
  for (std::size_t k = 1; k <= stored; ++k) {
    const TimeNs t = reject_ns_[(reject_count_ - k) % kMaxRejectStorm];
    if (now - t > limits_.breakers.reject_storm_window_ns) break;
    ++n;
  }
  return n;
}

void RiskMonitor::on_session(bool up, TimeNs now, ActionBuffer& out) noexcept {
  if (up) {
    session_up_ = true;
    session_was_up_ = true;
    observe(kBookScope, Breaker::kSessionDown, false, true, "", now, out);
    return;
  }
  if (session_up_) session_down_ns_ = now;
  session_up_ = false;
  if (session_was_up_ && limits_.breakers.session_down_grace_ns == 0) {
    observe(kBookScope, Breaker::kSessionDown, true, false, "FIX order session down", now, out);
  }
}

void RiskMonitor::on_exposure(std::uint32_t scope, const Exposure& exposure, TimeNs now,
                              ActionBuffer& out) noexcept {
  Scope& s = scopes_[index(scope)];
  s.exposure = exposure;
  const ExposureLimits& limits = scope == kBookScope ? limits_.book : limits_.underlying[scope];
  const double keep = keep_fraction(Breaker::kHardLimit);
  bool over = false;
  bool clear = true;
  char cause[96] = {};
  for (std::size_t k = 0; k < kMeasureCount; ++k) {
    const double v = std::fabs(exposure[k]);
    const Limit& limit = limits.by_measure[k];
    if (limit.hard > 0.0) {
      if (v > limit.hard && !over) {
        over = true;
        std::snprintf(cause, sizeof cause, "hard limit: %s %.6g beyond %.6g",
                      key(static_cast<Measure>(k)), exposure[k], limit.hard);
      }
      if (v > limit.hard * keep) clear = false;
    }
    if (limit.soft > 0.0) {
      const bool was = s.soft_breached[k];
      if (!was && v > limit.soft) {
        s.soft_breached[k] = true;
        ++soft_breaches_;
        out.push(LimitNotice{scope, static_cast<std::uint8_t>(k), true, exposure[k], limit.soft});
      } else if (was && v <= limit.soft * keep) {
        s.soft_breached[k] = false;
        out.push(LimitNotice{scope, static_cast<std::uint8_t>(k), false, exposure[k], limit.soft});
      }
    } else if (s.soft_breached[k]) {
      s.soft_breached[k] = false;  // the soft limit was removed
      out.push(LimitNotice{scope, static_cast<std::uint8_t>(k), false, exposure[k], 0.0});
    }
  }
  observe(scope, Breaker::kHardLimit, over, clear, cause, now, out);
}

double RiskMonitor::utilization(std::uint32_t scope, Measure m) const noexcept {
  const ExposureLimits& limits = scope == kBookScope ? limits_.book : limits_.underlying[scope];
  const Limit& limit = limits[m];
  const double denominator = limit.hard > 0.0 ? limit.hard : limit.soft;
  if (!(denominator > 0.0)) return 0.0;
  return std::fabs(scopes_[index(scope)].exposure[static_cast<std::size_t>(m)]) / denominator;
}

// --- Timer ----------------------------------------------------------------------------------

void RiskMonitor::on_timer(TimeNs now, ActionBuffer& out) noexcept {
  if (first_ns_ == 0) first_ns_ = now;
  const BreakerSettings& bs = limits_.breakers;
  for (std::uint32_t u = 0; u < markets_.size(); ++u) {
    Market& m = markets_[u];
    check_stale(u, now, out);
    // Window samples, at most kSamples per window.
    const TimeNs spread_step = bs.spread_median_window_ns / static_cast<TimeNs>(kSamples);
    // While spread_blowout is tripped the median is frozen (no samples are taken): the crash's
    // spreads must not become the reference the breaker clears against.
    const bool spread_frozen =
        scopes_[u].cells[static_cast<std::size_t>(Breaker::kSpreadBlowout)].tripped;
    if (spread_frozen && m.spread >= 0.0 && now - m.spreads.last_ns >= spread_step) {
      m.spreads.last_ns = now;
      check_spread(u, now, out);
    } else if (m.spread >= 0.0 && now - m.spreads.last_ns >= spread_step) {
      m.spreads.push(m.spread, now);
      std::array<double, kSamples> scratch{};
      std::size_t n = 0;
      for (std::size_t k = 0; k < m.spreads.count; ++k) {
        if (now - m.spreads.time[k] <= bs.spread_median_window_ns)
          scratch[n++] = m.spreads.value[k];
      }
      if (n > 0) {
        std::nth_element(scratch.begin(), scratch.begin() + n / 2, scratch.begin() + n);
        m.spread_median = scratch[n / 2];
      }
      check_spread(u, now, out);
    }
    const TimeNs jump_step = bs.price_jump_window_ns / static_cast<TimeNs>(kSamples);
    if (m.mid > 0.0 && now - m.mids.last_ns >= jump_step) {
      m.mids.push(m.mid, now);
      double low = m.mid;
      double high = m.mid;
      for (std::size_t k = 0; k < m.mids.count; ++k) {
        if (now - m.mids.time[k] > bs.price_jump_window_ns) continue;
        low = std::min(low, m.mids.value[k]);
        high = std::max(high, m.mids.value[k]);
      }
      m.window_low = low;
      m.window_high = high;
      const TimeNs long_window = bs.price_jump_long_window_ns;
      if (long_window > 0 &&
          now - m.mids_long.last_ns >= long_window / static_cast<TimeNs>(kSamples)) {
        m.mids_long.push(m.mid, now);
      }
      double long_low = low;
      double long_high = high;
      for (std::size_t k = 0; k < m.mids_long.count; ++k) {
        if (now - m.mids_long.time[k] > long_window) continue;
        long_low = std::min(long_low, m.mids_long.value[k]);
        long_high = std::max(long_high, m.mids_long.value[k]);
      }
      m.long_low = long_low;
      m.long_high = long_high;
      check_jump(u, now, out);
    }
  }
  // Reject storm: clear once the window holds few enough rejects.
  if (breaker_tripped(kBookScope, Breaker::kRejectStorm)) {
    const double keep = keep_fraction(Breaker::kRejectStorm);
    const bool clear = static_cast<double>(rejects_in_window(now)) <=
                       std::floor(static_cast<double>(bs.reject_storm_rejects) * keep);
    observe(kBookScope, Breaker::kRejectStorm, false, clear, "", now, out);
  }
  if (!session_up_ && session_was_up_ && now - session_down_ns_ >= bs.session_down_grace_ns) {
    char cause[96] = {};
    std::snprintf(cause, sizeof cause, "FIX order session down for %.1f s",
                  static_cast<double>(now - session_down_ns_) / 1e9);
    observe(kBookScope, Breaker::kSessionDown, true, false, cause, now, out);
  }
  // Automatic resets after the cooldown.
  for (std::size_t i = 0; i < scopes_.size(); ++i) {
    for (std::size_t b = 0; b < kBreakerCount; ++b) {
      const Cell& cell = scopes_[i].cells[b];
      const BreakerPolicy& policy = bs.policy[b];
      if (cell.tripped && policy.reset == ResetPolicy::kAuto && cell.clear_since_ns != 0 &&
          now - cell.clear_since_ns >= policy.cooldown_ns) {
        reset(scope_id(i), static_cast<Breaker>(b), "condition clear for the cooldown", out);
      }
    }
  }
}

// --- Operator -------------------------------------------------------------------------------

void RiskMonitor::kill(const char* cause, TimeNs now, ActionBuffer& out) noexcept {
  Cell& cell = scopes_.back().cells[static_cast<std::size_t>(Breaker::kKillSwitch)];
  if (cell.tripped) {
    // Already halted by the kill switch: the newest cause is the one an operator wants to see.
    cell.cause.assign(cause);
    update_state(kBookScope, out);
  } else {
    // The kill switch always acts, even when an operator disabled it in the limits file.
    const bool enabled = limits_.breakers[Breaker::kKillSwitch].enabled;
    limits_.breakers[Breaker::kKillSwitch].enabled = true;
    trip(kBookScope, Breaker::kKillSwitch, cause, now, out);
    limits_.breakers[Breaker::kKillSwitch].enabled = enabled;
  }
  if (!kill_flag_) {
    cell.momentary = true;
    cell.clear_since_ns = now;
  }
}

void RiskMonitor::set_kill_flag(bool engaged, const char* cause, TimeNs now,
                                ActionBuffer& out) noexcept {
  kill_flag_ = engaged;
  Cell& cell = scopes_.back().cells[static_cast<std::size_t>(Breaker::kKillSwitch)];
  if (engaged) {
    kill(cause, now, out);
    cell.momentary = false;
    cell.clear_since_ns = 0;
  } else if (cell.tripped) {
    cell.clear_since_ns = now;
  }
}

void RiskMonitor::resume(const char* cause, TimeNs now, ActionBuffer& out) noexcept {
  (void)now;
  for (std::size_t i = 0; i < scopes_.size(); ++i) {
    for (std::size_t b = 0; b < kBreakerCount; ++b) {
      const Cell& cell = scopes_[i].cells[b];
      if (!cell.tripped) continue;
      if (cell.clear_since_ns != 0 || cell.momentary) {
        reset(scope_id(i), static_cast<Breaker>(b), cause, out);
      } else {
        BreakerNotice notice;
        notice.underlying = scope_id(i);
        notice.breaker = static_cast<std::uint8_t>(b);
        notice.kind = BreakerNotice::Kind::kStillPresent;
        notice.cause = cell.cause;
        out.push(notice);
      }
    }
  }
}

// --- Orders -----------------------------------------------------------------------------------

CheckResult RiskMonitor::check_order(std::uint32_t u, const OrderCheck& order,
                                     TimeNs now) noexcept {
  CheckResult result = CheckResult::kAccepted;
  const TradingState st = state(u);
  if (st == TradingState::kHalted || (st == TradingState::kReducing && !order.reduces_risk)) {
    result = CheckResult::kRejectedTradingState;
  } else {
    result = risk::check_order(limits_.pre_trade[u], order);
  }
  if (result == CheckResult::kAccepted && !order.reduces_risk &&
      !markets_[u].orders.try_take(now)) {
    result = CheckResult::kRejectedOrderRate;
  }
  ++rejects_[static_cast<std::size_t>(result)];
  return result;
}

bool RiskMonitor::try_cancel(std::uint32_t u, TimeNs now) noexcept {
  return markets_[u].cancels.try_take(now);
}

}  // namespace hedged::risk
