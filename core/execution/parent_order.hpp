// Parent orders: a hedge to trade (side, total, arrival price, start time) with its execution
// algorithm and parameters, its progress (filled, working, unsent), and the replace/amend rule
// for a new hedge target. Plain values owned by the engine thread; nothing here allocates or
// reads a clock.
#pragma once

#include <cstdint>
#include <limits>

#include "core/execution/price_rules.hpp"
#include "core/model/types.hpp"

namespace hedged::execution {

inline constexpr TimeNs kNever = std::numeric_limits<TimeNs>::max();
inline constexpr TimeNs kMaxHorizonNs = 86'400 * kNanosPerSecond;
inline constexpr std::int64_t kMaxSlices = 10'000;
inline constexpr std::int64_t kMaxParentQty = 1'000'000'000'000;  // units

enum class Algorithm : std::uint8_t {
  kImmediate,      // everything at once, split only by max_child_qty
  kTwap,           // equal slices every slice_interval over horizon
  kPov,            // participation_pct of the market volume traded since start
  kAlmgrenChriss,  // the Almgren–Chriss risk-averse trajectory over horizon
};

[[nodiscard]] constexpr const char* to_string(Algorithm algorithm) noexcept {
  switch (algorithm) {
    case Algorithm::kImmediate: return "immediate";
    case Algorithm::kTwap: return "twap";
    case Algorithm::kPov: return "pov";
    case Algorithm::kAlmgrenChriss: return "almgren_chriss";
  }
  return "unknown";
}

// One underlying's execution settings (config `underlyings[].execution`). Quantities are units
// of the hedge instrument (contracts for a future).
struct ExecutionParams {
  Algorithm algorithm = Algorithm::kTwap;
  // twap, almgren_chriss: the schedule's length; pov: after it the rest is released at once
  // (0 = pov has no deadline). Ignored by immediate.
  TimeNs horizon_ns = 60 * kNanosPerSecond;
  // twap, almgren_chriss: slices = ceil(horizon / slice_interval), released at equal times.
  TimeNs slice_interval_ns = 5 * kNanosPerSecond;
  double participation_pct = 10.0;      // pov: target share of market volume, (0, 100]
  double max_participation_pct = 20.0;  // pov: never committed beyond this share, >= target
  // almgren_chriss, in the units of almgren_chriss.hpp.
  double risk_aversion_per_currency = 1e-6;  // λ
  double temporary_impact = 0.0;    // η; 0 = estimate from the square-root law and the ADV
  double permanent_impact = 0.0;    // γ
  double impact_coefficient = 1.0;  // c of the square-root law, for the η estimate
  PriceRule price_rule = PriceRule::kJoin;
  // Cross once a child has worked this long, or the parent has been behind schedule this long.
  // 0 = never cross on a timeout.
  TimeNs cross_after_ns = 10 * kNanosPerSecond;
  double max_slippage_bps = 50.0;  // from arrival; kNoSlippageCap disables
  std::int64_t min_child_qty = 0;  // rounded up to a lot; 0 = one lot
  // Rounded down to a lot; 0 = no maximum. Must be >= 2 × min − one lot, so that any
  // remainder splits into children within both bounds.
  std::int64_t max_child_qty = 0;
  double max_children_per_second = 0.0;  // children are spaced 1/rate apart; 0 = no spacing
};

enum class ExecError : std::uint8_t {
  kOk,
  kBadHorizon,
  kBadSliceInterval,
  kTooManySlices,
  kBadParticipation,
  kBadImpact,
  kBadRiskAversion,
  kBadCrossAfter,
  kBadSlippageCap,
  kBadChildSize,
  kBadChildRate,
  kBadInstrument,
  kBadQuantity,
  kBadArrivalPrice,
  kNoLiquidityEstimate,
  kInconsistentImpact,
};

[[nodiscard]] constexpr const char* to_string(ExecError error) noexcept {
  switch (error) {
    case ExecError::kOk: return "ok";
    case ExecError::kBadHorizon:
      return "horizon must be in (0, 24h] for twap/almgren_chriss, >= 0 for pov";
    case ExecError::kBadSliceInterval: return "slice_interval must be positive and at most horizon";
    case ExecError::kTooManySlices: return "horizon / slice_interval exceeds 10000 slices";
    case ExecError::kBadParticipation:
      return "need 0 < participation_pct <= max_participation_pct <= 100";
    case ExecError::kBadImpact:
      return "temporary_impact, permanent_impact and impact_coefficient must be >= 0";
    case ExecError::kBadRiskAversion: return "risk_aversion must be >= 0";
    case ExecError::kBadCrossAfter: return "cross_after must be >= 0";
    case ExecError::kBadSlippageCap: return "max_slippage_bps must be in [0, 10000)";
    case ExecError::kBadChildSize:
      return "need 0 <= min_child_qty <= max_child_qty and max_child_qty >= 2 x min_child_qty - "
             "lot_size (after lot rounding)";
    case ExecError::kBadChildRate: return "max_children_per_second must be >= 0";
    case ExecError::kBadInstrument: return "tick_size must be > 0 and lot_size >= 1";
    case ExecError::kBadQuantity: return "quantity rounds to zero lots or exceeds 1e12";
    case ExecError::kBadArrivalPrice: return "arrival price must be positive and finite";
    case ExecError::kNoLiquidityEstimate:
      return "almgren_chriss without temporary_impact needs a positive ADV and volatility";
    case ExecError::kInconsistentImpact:
      return "almgren_chriss needs permanent_impact < 2 x temporary_impact / slice time";
  }
  return "unknown";
}

// Checks what does not depend on the instrument or the market (the daemon's config check).
[[nodiscard]] ExecError validate(const ExecutionParams& params) noexcept;

// Everything make_parent needs: the hedge, the instrument's grid and the market at start.
struct ParentRequest {
  InstrumentId instrument = kNoInstrument;
  std::uint32_t underlying = 0;
  Side side = Side::kBuy;
  std::int64_t qty = 0;        // units; rounded to the nearest lot
  double arrival_price = 0.0;  // currency; the mid when the hedge was decided
  TimeNs start_ns = 0;
  double tick_size = 0.01;
  std::int64_t lot_size = 1;
  std::int64_t market_volume = 0;  // cumulative market volume at start (pov's origin)
  double vol_annual = 0.0;         // almgren_chriss: annualised volatility, fraction
  double adv_units = 0.0;          // almgren_chriss with η = 0: average daily volume, units
  ExecutionParams params;
};

struct ParentOrder {
  InstrumentId instrument = kNoInstrument;
  std::uint32_t underlying = 0;
  Side side = Side::kBuy;
  std::int64_t total_qty = 0;  // lot multiple; changed only by apply_amend
  double arrival_price = 0.0;
  TimeNs start_ns = 0;
  double tick_size = 0.01;
  std::int64_t lot_size = 1;
  std::int64_t start_market_volume = 0;
  ExecutionParams params;  // min/max child rounded to lots
  // Derived at start.
  std::int64_t slices = 1;           // twap, almgren_chriss
  double ac_kappa_per_second = 0.0;  // almgren_chriss; 0 is the linear trajectory
  double ac_temporary_impact = 0.0;  // the η used (given or estimated), for reports
  TimeNs child_spacing_ns = 0;       // from max_children_per_second
  // Progress, kept by the record_* functions below.
  std::int64_t filled_qty = 0;
  std::int64_t working_qty = 0;  // sent and not yet filled, canceled, rejected or expired
  std::uint32_t children_sent = 0;
  TimeNs last_child_ns = 0;  // valid when children_sent > 0

  // Not yet sent: what the algorithm may still schedule.
  [[nodiscard]] std::int64_t unsent_qty() const noexcept {
    const std::int64_t unsent = total_qty - filled_qty - working_qty;
    return unsent > 0 ? unsent : 0;
  }
  [[nodiscard]] std::int64_t remaining_qty() const noexcept {
    return total_qty > filled_qty ? total_qty - filled_qty : 0;
  }
  [[nodiscard]] bool complete() const noexcept {
    return filled_qty >= total_qty && working_qty == 0;
  }
};

struct ParentResult {
  ExecError error = ExecError::kOk;
  ParentOrder parent;
};

// Validates the request, rounds quantities to lots and derives the schedule constants (slice
// count, Almgren–Chriss κ, child spacing).
[[nodiscard]] ParentResult make_parent(const ParentRequest& request) noexcept;

// Progress bookkeeping, called by the engine as it sends children and applies their reports.
void record_child_sent(ParentOrder& parent, std::int64_t qty, TimeNs now) noexcept;
void record_fill(ParentOrder& parent, std::int64_t qty) noexcept;
// A child ended unfilled (canceled, rejected, expired): its leaves go back to unsent.
void record_child_closed(ParentOrder& parent, std::int64_t leaves_qty) noexcept;

// A new hedge target while a parent is working: amend it, never stack a second parent.
enum class AmendAction : std::uint8_t {
  kNone,              // same total: nothing to do
  kAmend,             // same side: new total; cancel cancel_working_qty of working children
  kCancel,            // nothing more to trade: cancel every working child
  kCancelAndReplace,  // opposite side: cancel every working child, then start a new parent
};

struct AmendDecision {
  AmendAction action = AmendAction::kNone;
  std::int64_t new_total_qty = 0;       // the parent's total after apply_amend
  std::int64_t cancel_working_qty = 0;  // at least this much working quantity must be canceled
  Side new_side = Side::kBuy;           // kCancelAndReplace: the new parent's side
  std::int64_t new_parent_qty = 0;      // kCancelAndReplace: its size as of now (recompute)
};

// signed_qty_to_trade: what the hedge still needs to trade from now, + buy / − sell, counting
// this parent's fills as done (they are in the position) but not its working children; that
// is, hedge target − current position. Rounded to the nearest lot. Same side: the new total is
// filled + |qty| (amend); zero: cancel the rest; opposite side: cancel the rest and, once no
// child is working, start a new parent for the need recomputed then.
[[nodiscard]] AmendDecision decide_new_target(const ParentOrder& parent,
                                              std::int64_t signed_qty_to_trade) noexcept;

// Sets the parent's total from the decision (kCancel, kCancelAndReplace: total = filled, so it
// completes when its working children end). The schedule keeps its start, horizon and shape.
void apply_amend(ParentOrder& parent, const AmendDecision& decision) noexcept;

}  // namespace hedged::execution
