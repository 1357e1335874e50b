// The risk limit set: exposure limits (soft and hard, per underlying and for the whole book),
// pre-trade limits per underlying, and circuit-breaker settings. A flat, trivially copyable
// value: the control thread builds and validates one off the engine thread and hands it over
// whole, so the engine switches between two limit sets atomically between two events.
// Every field's unit is in its name or its comment; 0 disables a limit unless noted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "core/model/types.hpp"

namespace hedged::risk {

// The exposures a limit can bound. Values are compared in absolute terms; kDailyLoss is the
// day's loss (minus realised + unrealised P&L, never negative).
enum class Measure : std::uint8_t {
  kDeltaShares,          // net delta of options and hedge, shares
  kDeltaNotional,        // net delta × spot, currency
  kGammaNotionalPerPct,  // change of delta notional for a 1% spot move, currency
  kVegaPerVolPoint,      // value change for +1 vol point, currency
  kThetaPerDay,          // value change per calendar day, currency
  kHedgePosition,        // filled hedge position, units of the hedge instrument
  kDailyLoss,            // loss since the start of the UTC day, currency
};
inline constexpr std::size_t kMeasureCount = 7;

// The limit file's key and the metrics' `greek` label of each measure.
[[nodiscard]] constexpr const char* key(Measure m) noexcept {
  switch (m) {
    case Measure::kDeltaShares: return "delta_shares";
    case Measure::kDeltaNotional: return "delta_notional";
    case Measure::kGammaNotionalPerPct: return "gamma_notional_per_pct";
    case Measure::kVegaPerVolPoint: return "vega_per_vol_point";
    case Measure::kThetaPerDay: return "theta_per_day";
    case Measure::kHedgePosition: return "hedge_position_units";
    case Measure::kDailyLoss: return "daily_loss_currency";
  }
  return "unknown";
}

struct Limit {
  double soft = 0.0;  // a breach logs and counts; 0 disables
  double hard = 0.0;  // a breach trips the hard_limit breaker; 0 disables
};

struct ExposureLimits {
  std::array<Limit, kMeasureCount> by_measure{};
  [[nodiscard]] const Limit& operator[](Measure m) const noexcept {
    return by_measure[static_cast<std::size_t>(m)];
  }
  [[nodiscard]] Limit& operator[](Measure m) noexcept {
    return by_measure[static_cast<std::size_t>(m)];
  }
};

// Checks on every child order of one underlying's hedge instrument.
struct PreTradeLimits {
  std::int64_t max_order_qty = 0;        // units per order (risk-adding orders only)
  double max_order_notional = 0.0;       // currency per order (risk-adding orders only)
  double price_band_pct = 0.0;           // max distance of the limit price from the reference, %
  std::int64_t price_band_ticks = 0;     // the same in ticks; both apply when both are set
  double max_orders_per_second = 0.0;    // token bucket rate (risk-adding orders only)
  double order_burst = 0.0;              // token bucket depth, orders (0: one second's worth)
  double max_cancels_per_second = 0.0;   // routine cancels (timeouts); halt cancels never wait
  double cancel_burst = 0.0;             // token bucket depth, cancels (0: one second's worth)
  std::uint32_t max_working_orders = 0;  // live child orders (risk-adding orders only)
  std::int64_t max_position = 0;         // |hedge position + working + order|, units; every order
};

enum class BreakerAction : std::uint8_t { kReduce, kHalt };
enum class ResetPolicy : std::uint8_t { kManual, kAuto };

enum class Breaker : std::uint8_t {
  kStaleData,      // per underlying: no spot quote for longer than the timeout
  kRejectStorm,    // book: N venue rejects within a window
  kSpreadBlowout,  // per underlying: hedge instrument's spread > k × its recent median
  kPriceJump,      // per underlying: |spot move| > x% within a window
  kSessionDown,    // book: the FIX order session is down (after having been up)
  kKillSwitch,     // book: operator halt (signal, file flag, command)
  kHardLimit,      // per underlying and book: a hard exposure limit is breached
  kBadMarketData,  // per underlying: a refused quote (non-finite, non-positive, crossed, absurd)
};
inline constexpr std::size_t kBreakerCount = 8;

// The limit file's key and the metrics' `breaker` label.
[[nodiscard]] constexpr const char* key(Breaker b) noexcept {
  switch (b) {
    case Breaker::kStaleData: return "stale_market_data";
    case Breaker::kRejectStorm: return "reject_storm";
    case Breaker::kSpreadBlowout: return "spread_blowout";
    case Breaker::kPriceJump: return "price_jump";
    case Breaker::kSessionDown: return "fix_session_down";
    case Breaker::kKillSwitch: return "kill_switch";
    case Breaker::kHardLimit: return "hard_limit";
    case Breaker::kBadMarketData: return "bad_market_data";
  }
  return "unknown";
}

[[nodiscard]] constexpr bool is_book_level(Breaker b) noexcept {
  return b == Breaker::kRejectStorm || b == Breaker::kSessionDown || b == Breaker::kKillSwitch;
}

[[nodiscard]] constexpr const char* to_string(BreakerAction a) noexcept {
  return a == BreakerAction::kHalt ? "halt" : "reduce";
}
[[nodiscard]] constexpr const char* to_string(ResetPolicy p) noexcept {
  return p == ResetPolicy::kAuto ? "auto" : "manual";
}

// What a breaker does when it trips and how it resets. An automatic reset needs the condition
// to have stayed clear for `cooldown_ns`, where clear means below the trip threshold by
// `hysteresis_pct` percent of it (so a value hovering at the threshold cannot flap).
struct BreakerPolicy {
  bool enabled = true;
  BreakerAction action = BreakerAction::kHalt;
  ResetPolicy reset = ResetPolicy::kManual;
  TimeNs cooldown_ns = 30 * kNanosPerSecond;
  double hysteresis_pct = 10.0;
};

struct BreakerSettings {
  std::array<BreakerPolicy, kBreakerCount> policy{};
  TimeNs stale_timeout_ns = 5 * kNanosPerSecond;
  std::uint32_t reject_storm_rejects = 5;  // at most kMaxRejectStorm
  TimeNs reject_storm_window_ns = 10 * kNanosPerSecond;
  double spread_max_multiple = 5.0;  // of the median spread
  TimeNs spread_median_window_ns = 60 * kNanosPerSecond;
  std::uint32_t spread_min_samples = 20;  // no trip before the median has this many samples
  double price_jump_pct = 5.0;
  TimeNs price_jump_window_ns = 10 * kNanosPerSecond;
  // The slower second window: a steady fall that never moves price_jump_pct within the short
  // window still trips once it moves this much within the long one. 0 disables it.
  double price_jump_long_pct = 8.0;
  TimeNs price_jump_long_window_ns = 120 * kNanosPerSecond;
  // A quote whose mid is this far (percent) from the last accepted mid of the instrument is
  // refused as implausible and trips bad_market_data; 0 disables the distance check (the
  // non-finite, non-positive and crossed checks always apply).
  double bad_quote_max_move_pct = 50.0;
  TimeNs session_down_grace_ns = 0;  // down this long before tripping

  [[nodiscard]] const BreakerPolicy& operator[](Breaker b) const noexcept {
    return policy[static_cast<std::size_t>(b)];
  }
  [[nodiscard]] BreakerPolicy& operator[](Breaker b) noexcept {
    return policy[static_cast<std::size_t>(b)];
  }
};

inline constexpr std::uint32_t kMaxRejectStorm = 1024;

// How the hedger trades while liquidity is gone: while a stress breaker (spread_blowout,
// price_jump, stale_market_data, bad_market_data) is tripped on an underlying, its band widens
// to band_multiple x the normal band, capped at hard_limit_fraction of the hard delta limit (so
// the book is still hedged before the limit), and every child is priced passively: never more
// than max_slippage_bps from the mid, so it never crosses a blown-out spread.
struct StressHedging {
  bool enabled = true;
  double band_multiple = 4.0;        // stress half-width / normal half-width, >= 1
  double hard_limit_fraction = 0.8;  // stress half-width <= this x the hard delta limit (shares)
  double max_slippage_bps = 5.0;     // child limit price within this of the mid, basis points
};

struct RiskLimits {
  std::uint64_t version = 0;  // set by whoever loads it; shown in logs and metrics
  ExposureLimits book;
  std::array<ExposureLimits, kMaxUnderlyings> underlying{};
  std::array<PreTradeLimits, kMaxUnderlyings> pre_trade{};
  BreakerSettings breakers;
  StressHedging stress;
};

static_assert(std::is_trivially_copyable_v<RiskLimits>, "limit sets cross threads by copy");

// The limits in force when no limits file is given (README "Limits reference"): no exposure
// limits, a 5% price band, and every breaker on with its documented policy.
[[nodiscard]] inline RiskLimits default_risk_limits() noexcept {
  RiskLimits l;
  for (PreTradeLimits& p : l.pre_trade) p.price_band_pct = 5.0;
  BreakerSettings& b = l.breakers;
  b[Breaker::kStaleData] = {true, BreakerAction::kHalt, ResetPolicy::kAuto, 5 * kNanosPerSecond,
                            10.0};
  b[Breaker::kRejectStorm] = {true, BreakerAction::kHalt, ResetPolicy::kManual,
                              30 * kNanosPerSecond, 10.0};
  b[Breaker::kSpreadBlowout] = {true, BreakerAction::kReduce, ResetPolicy::kAuto,
                                30 * kNanosPerSecond, 10.0};
  b[Breaker::kPriceJump] = {true, BreakerAction::kHalt, ResetPolicy::kManual, 30 * kNanosPerSecond,
                            10.0};
  b[Breaker::kSessionDown] = {true, BreakerAction::kHalt, ResetPolicy::kAuto, 5 * kNanosPerSecond,
                              10.0};
  b[Breaker::kKillSwitch] = {true, BreakerAction::kHalt, ResetPolicy::kManual, 0, 0.0};
  b[Breaker::kHardLimit] = {true, BreakerAction::kReduce, ResetPolicy::kAuto, 10 * kNanosPerSecond,
                            10.0};
  b[Breaker::kBadMarketData] = {true, BreakerAction::kHalt, ResetPolicy::kAuto,
                                10 * kNanosPerSecond, 10.0};
  return l;
}

}  // namespace hedged::risk
