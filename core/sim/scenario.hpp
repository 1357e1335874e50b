// Market scenarios: a timeline of phases laid over the simulator's GBM (more or less volatility,
// a drift, wider spreads, thinner books, a one-off jump, a flash crash path, a venue outage).
// Plain data plus pure functions of time; MarketSimulator applies them in step(now). Built off
// the hot path (daemon/config/scenario_loader.cpp reads them from YAML); any thread may read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model/types.hpp"

namespace hedged::sim {

enum class PhaseKind : std::uint8_t {
  kCalm,              // no change: a named quiet stretch of the timeline
  kVolatile,          // vol_multiple
  kTrending,          // drift_per_year added to the model's drift
  kFlashCrash,        // move_pct over duration, back over recover; spreads and depth as set
  kLiquidityDrought,  // spread_multiple, depth_divisor
  kPriceJump,         // jump_pct once, at the phase start
  kVenueOutage,       // the venue drops every session and refuses logons for the phase
  kOptionFlow,        // the desk's option flow (drop copy) skewed: desk_buy_share, rate_multiple
};

[[nodiscard]] std::string_view to_string(PhaseKind kind) noexcept;

struct ScenarioPhase {
  PhaseKind kind = PhaseKind::kCalm;
  std::string symbol;  // the underlying's spot symbol; empty: every underlying
  TimeNs at_ns = 0;    // start, offset from the scenario start
  TimeNs duration_ns = 0;
  TimeNs ramp_ns = 0;  // multipliers and drift ease in over the first ramp_ns, out over the last
  double vol_multiple = 1.0;
  double drift_per_year = 0.0;
  double spread_multiple = 1.0;
  double depth_divisor = 1.0;
  double jump_pct = 0.0;  // price_jump: +5 moves every price up 5% once
  double move_pct = 0.0;  // flash_crash: -9 takes prices 9% below the GBM path at the bottom
  TimeNs recover_ns = 0;  // flash_crash: from the bottom back to the GBM path
  // option_flow: for the phase, the share of desk purchases in the option flow (< 0: as
  // configured) and a multiple of its rate.
  double desk_buy_share = -1.0;
  double flow_rate_multiple = 1.0;

  // The phase covers [at_ns, end_ns()) from the scenario start; a flash crash includes its
  // recovery.
  [[nodiscard]] TimeNs end_ns() const noexcept {
    return at_ns + duration_ns + (kind == PhaseKind::kFlashCrash ? recover_ns : 0);
  }
  [[nodiscard]] bool active(TimeNs offset_ns) const noexcept {
    return offset_ns >= at_ns && offset_ns < end_ns();
  }
  // 0..1: how much of the multipliers and drift applies at `offset_ns` (0 outside the phase,
  // ramping linearly over ramp_ns at each end).
  [[nodiscard]] double weight(TimeNs offset_ns) const noexcept;
  // The flash crash's factor on the GBM price at `offset_ns`: 1 outside, 1 + move_pct/100 at
  // the bottom, log-linear down over duration_ns and back up over recover_ns.
  [[nodiscard]] double crash_factor(TimeNs offset_ns) const noexcept;
  // What the phase does, for logs: "-9% over 60s, back over 120s, spreads x20, depth /10".
  [[nodiscard]] std::string details() const;
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<ScenarioPhase> phases;  // in file order; they may overlap

  // Whether a venue_outage phase covers `offset_ns`, and if so when the last overlapping one
  // ends (offset from the scenario start); -1 when none does.
  [[nodiscard]] TimeNs outage_end(TimeNs offset_ns) const noexcept;
};

}  // namespace hedged::sim
