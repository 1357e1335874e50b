// The risk monitor: exposure limits, circuit breakers and the trading state of every underlying
// and of the whole book, plus the stateful pre-trade checks (trading-state gate, order and
// cancel token buckets). Owned by the engine, called on its thread; deterministic (time comes
// in every call), no allocation after construction.
//
// Trading state of a scope (an underlying, or the book) = the strongest action of its tripped
// breakers: none → Active, reduce → Reducing, halt → Halted. An underlying trades under the
// stronger of its own state and the book's. Every trip, reset and state change is reported as a
// notice with its cause.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/model/actions.hpp"
#include "core/model/events.hpp"
#include "core/risk/limits.hpp"
#include "core/risk/pre_trade.hpp"

namespace hedged::risk {

// Signed exposure values, indexed by Measure (kDailyLoss is a loss: >= 0).
using Exposure = std::array<double, kMeasureCount>;

class RiskMonitor {
 public:
  static constexpr std::size_t kSamples = 128;  // spread and price-jump window samples

  RiskMonitor(std::size_t underlyings, const RiskLimits& limits);

  // A new limit set, effective at once. Breakers it disables are reset; exposures are
  // re-checked on the next on_exposure call.
  void set_limits(const RiskLimits& limits, TimeNs now, ActionBuffer& out) noexcept;
  [[nodiscard]] const RiskLimits& limits() const noexcept { return limits_; }

  // --- Inputs ---------------------------------------------------------------------------------
  void on_spot(std::uint32_t u, double mid, TimeNs now, ActionBuffer& out) noexcept;
  void on_hedge_quote(std::uint32_t u, double bid, double ask, TimeNs now,
                      ActionBuffer& out) noexcept;
  // A quote of underlying u's spot or hedge instrument that the engine refused (non-finite,
  // non-positive, crossed, implausibly far from the last one): trips bad_market_data with the
  // cause. An accepted quote starts the breaker's cooldown.
  void on_bad_quote(std::uint32_t u, const char* cause, TimeNs now, ActionBuffer& out) noexcept;
  void on_good_quote(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept;
  void on_reject(TimeNs now, ActionBuffer& out) noexcept;
  void on_session(bool up, TimeNs now, ActionBuffer& out) noexcept;
  // scope: an underlying index or kBookScope.
  void on_exposure(std::uint32_t scope, const Exposure& exposure, TimeNs now,
                   ActionBuffer& out) noexcept;
  // Staleness, session grace, window samples and automatic resets.
  void on_timer(TimeNs now, ActionBuffer& out) noexcept;
  // Manual kill (signal, admin API): halts the book. A momentary trip: a manual resume clears it.
  void kill(const char* cause, TimeNs now, ActionBuffer& out) noexcept;
  // The kill-switch file flag: while engaged, the book stays halted and resume is refused.
  void set_kill_flag(bool engaged, const char* cause, TimeNs now, ActionBuffer& out) noexcept;
  // Manual reset of every tripped breaker whose condition has cleared; the others stay tripped
  // and are reported.
  void resume(const char* cause, TimeNs now, ActionBuffer& out) noexcept;

  // --- Checks -----------------------------------------------------------------------------------
  // The full pre-trade check of a child order of underlying u: trading-state gate, the pure
  // checks of check_order, then the order token bucket for risk-adding orders. Counts rejects.
  [[nodiscard]] CheckResult check_order(std::uint32_t u, const OrderCheck& order,
                                        TimeNs now) noexcept;
  // A routine cancel (order timeout) of underlying u may go now; false means try again later.
  [[nodiscard]] bool try_cancel(std::uint32_t u, TimeNs now) noexcept;

  // --- State ------------------------------------------------------------------------------------
  // Effective state of underlying u: the stronger of its own and the book's.
  [[nodiscard]] TradingState state(std::uint32_t u) const noexcept;
  [[nodiscard]] TradingState scope_state(std::uint32_t scope) const noexcept;
  [[nodiscard]] const char* scope_cause(std::uint32_t scope) const noexcept;
  // Underlyings (bit u) whose effective state became Halted since the last call.
  [[nodiscard]] std::uint32_t take_newly_halted() noexcept;

  [[nodiscard]] bool breaker_tripped(std::uint32_t scope, Breaker b) const noexcept;
  // A stress breaker (spread_blowout, price_jump, stale_market_data, bad_market_data) is
  // tripped on underlying u: the hedger uses its stress band and passive prices.
  [[nodiscard]] bool stressed(std::uint32_t u) const noexcept;
  [[nodiscard]] std::uint64_t bad_quotes() const noexcept { return bad_quotes_; }
  [[nodiscard]] std::uint64_t trips(Breaker b) const noexcept {
    return trips_[static_cast<std::size_t>(b)];
  }
  [[nodiscard]] std::uint64_t pretrade_rejects(CheckResult c) const noexcept {
    return rejects_[static_cast<std::size_t>(c)];
  }
  [[nodiscard]] std::uint64_t soft_breaches() const noexcept { return soft_breaches_; }
  // |exposure| / hard limit (or / soft when there is no hard limit); 0 when unlimited.
  [[nodiscard]] double utilization(std::uint32_t scope, Measure m) const noexcept;
  [[nodiscard]] const Exposure& exposure(std::uint32_t scope) const noexcept {
    return scopes_[index(scope)].exposure;
  }
  [[nodiscard]] double median_spread(std::uint32_t u) const noexcept {
    return markets_[u].spread_median;
  }

 private:
  struct Cell {
    bool tripped = false;
    bool momentary = false;     // clear as soon as tripped (manual kill)
    TimeNs clear_since_ns = 0;  // 0: the condition is present (or unknown)
    FixedText<96> cause;
  };

  struct Scope {
    std::array<Cell, kBreakerCount> cells{};
    std::array<bool, kMeasureCount> soft_breached{};
    Exposure exposure{};
    TradingState state = TradingState::kActive;
    FixedText<96> cause;
  };

  struct Samples {
    std::array<double, kSamples> value{};
    std::array<TimeNs, kSamples> time{};
    std::size_t count = 0;
    std::size_t next = 0;
    TimeNs last_ns = 0;
    void push(double v, TimeNs t) noexcept;
  };

  struct Market {
    TimeNs last_spot_ns = 0;
    double mid = 0.0;
    double spread = -1.0;  // latest hedge-instrument spread; < 0 until quoted
    Samples spreads;
    double spread_median = 0.0;
    Samples mids;
    double window_low = 0.0;
    double window_high = 0.0;
    Samples mids_long;  // the price jump's long window
    double long_low = 0.0;
    double long_high = 0.0;
    TokenBucket orders;
    TokenBucket cancels;
  };

  [[nodiscard]] std::size_t index(std::uint32_t scope) const noexcept {
    return scope == kBookScope ? markets_.size() : scope;
  }
  [[nodiscard]] std::uint32_t scope_id(std::size_t i) const noexcept {
    return i == markets_.size() ? kBookScope : static_cast<std::uint32_t>(i);
  }
  // One observation of a breaker's condition: over trips it, clear (below the threshold by the
  // hysteresis margin) starts the cooldown clock.
  void observe(std::uint32_t scope, Breaker b, bool over, bool clear, const char* cause, TimeNs now,
               ActionBuffer& out) noexcept;
  void trip(std::uint32_t scope, Breaker b, const char* cause, TimeNs now,
            ActionBuffer& out) noexcept;
  void reset(std::uint32_t scope, Breaker b, const char* why, ActionBuffer& out) noexcept;
  void update_state(std::uint32_t scope, ActionBuffer& out) noexcept;
  void check_stale(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept;
  void check_jump(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept;
  void check_spread(std::uint32_t u, TimeNs now, ActionBuffer& out) noexcept;
  [[nodiscard]] std::uint32_t rejects_in_window(TimeNs now) const noexcept;
  void configure_buckets(TimeNs now) noexcept;
  [[nodiscard]] double keep_fraction(Breaker b) const noexcept;

  RiskLimits limits_;
  std::vector<Market> markets_;
  std::vector<Scope> scopes_;  // underlyings, then the book
  std::array<TimeNs, kMaxRejectStorm> reject_ns_{};
  std::size_t reject_count_ = 0;  // total ever (ring index)
  bool session_up_ = false;
  bool session_was_up_ = false;
  TimeNs session_down_ns_ = 0;
  bool kill_flag_ = false;
  TimeNs first_ns_ = 0;  // the first time seen: staleness counts from here before any quote
  std::array<std::uint64_t, kBreakerCount> trips_{};
  std::array<std::uint64_t, kCheckResultCount> rejects_{};
  std::uint64_t soft_breaches_ = 0;
  std::uint64_t bad_quotes_ = 0;
  std::uint32_t halted_mask_ = 0;  // effective Halted, as last reported by take_newly_halted
};

}  // namespace hedged::risk
