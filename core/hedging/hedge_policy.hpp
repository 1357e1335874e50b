// Hedge policies (fixed band in shares or notional, Whalley–Wilmott band, time-based rebalancing)
// and the spot/futures hedge-instrument conversions. Pure, allocation-free functions of their
// inputs; callable from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

#include "core/hedging/delta_band.hpp"
#include "core/model/types.hpp"

namespace hedged::hedging {

// ---------------------------------------------------------------------------------------------
// Hedge instrument: spot or a future on the same underlying.

enum class HedgeInstrumentKind : std::uint8_t { kSpot, kFuture };

struct HedgeInstrument {
  HedgeInstrumentKind kind = HedgeInstrumentKind::kSpot;
  double multiplier = 1.0;            // shares of the underlying per unit (contract); 1 for a share
  double time_to_expiry_years = 0.0;  // futures only: T of e^{(r-q)T}, ACT/365 years
};

// Delta of one unit of the instrument, in shares of the underlying. Spot: the multiplier (1 for
// a share). Future: multiplier * e^{(r-q)T}, because F = S e^{(r-q)T} so dF/dS = e^{(r-q)T}
// per share (Hull; background article "What is Dynamic Hedging?", futures vs spot). NaN when the
// multiplier is not positive or an input is not finite.
[[nodiscard]] double unit_delta_shares(const HedgeInstrument& instrument, double rate,
                                       double dividend_yield) noexcept;

// Signed quantity of the instrument, a whole number of lots, whose delta is nearest to
// `qty_shares` (shares-equivalent). For a future this is qty_shares * e^{-(r-q)T} / multiplier
// contracts, rounded to the nearest lot (an exact half lot rounds toward zero). A lot_size <= 0
// counts as 1. 0 for a non-finite or out-of-range input.
[[nodiscard]] std::int64_t to_instrument_qty(const HedgeInstrument& instrument, double rate,
                                             double dividend_yield, double qty_shares,
                                             std::int64_t lot_size) noexcept;

// Shares-equivalent delta of `qty` units of the instrument (the inverse of to_instrument_qty up
// to lot rounding). Use it to express a futures position and working quantity for decide().
[[nodiscard]] double to_shares_equivalent(const HedgeInstrument& instrument, double rate,
                                          double dividend_yield, std::int64_t qty) noexcept;

// ---------------------------------------------------------------------------------------------
// Policy: one per underlying, an immutable trivially copyable value from the config snapshot.

enum class HedgePolicyKind : std::uint8_t {
  kBandShares,      // fixed half-width band_delta_shares
  kBandNotional,    // fixed half-width band_delta_notional / spot
  kWhalleyWilmott,  // half-width from gamma, spot, cost and risk aversion, clamped
  kTime,            // every rebalance_interval_ns, hedge whatever is worth a trade; no band
};

// Where a trade takes the net delta. kTime has no band, so both targets hedge it to zero.
enum class HedgeTarget : std::uint8_t {
  kZero,      // trade the net delta back to zero (nearest lot)
  kBandEdge,  // trade only to the nearest band edge (least trading; the book ends inside)
};

struct HedgePolicy {
  HedgePolicyKind kind = HedgePolicyKind::kBandShares;
  HedgeTarget target = HedgeTarget::kZero;
  double band_delta_shares = 0.0;    // kBandShares: half-width, shares of underlying
  double band_delta_notional = 0.0;  // kBandNotional: half-width, currency (delta_shares * spot)
  // kWhalleyWilmott. Risk aversion λ is the coefficient of the exponential utility -e^{-λW}, per
  // unit of currency (1/currency). Cost k is the proportional cost of a trade as a fraction of
  // the notional traded: trading n shares at S costs k * S * |n| (5 bps = 0.0005).
  double risk_aversion = 0.0;    // λ, 1/currency
  double cost_fraction = 0.0;    // k, dimensionless fraction of traded notional
  double min_band_shares = 0.0;  // floor on the half-width (a flat book has zero gamma), shares
  double max_band_shares = std::numeric_limits<double>::infinity();  // ceiling, shares
  // kTime: a rebalance is due when now - last_rebalance >= this (<= 0: at every decision).
  TimeNs rebalance_interval_ns = 0;
  // Both in units of the hedge instrument (shares for spot, contracts for a future).
  std::int64_t lot_size = 1;       // traded quantity is a multiple of this (<= 0 counts as 1)
  std::int64_t min_trade_qty = 1;  // smaller trades are not sent
};

// First problem with a policy (a static string naming the field), or nullptr when it is usable.
// For the config boundary. decide() itself does not trade when the band it gets from the policy
// is negative or not finite.
[[nodiscard]] const char* validate(const HedgePolicy& policy) noexcept;

// The existing fixed band (DeltaBandPolicy) as a HedgePolicy: kBandShares, target zero.
[[nodiscard]] HedgePolicy from_delta_band(const DeltaBandPolicy& band) noexcept;

// Whalley–Wilmott half-width of the no-trade band around the target delta, in shares:
//
//   H = ( 3 k S e^{-r(T-t)} Γ² / (2 λ) )^{1/3}
//
// Whalley, A.E. and Wilmott, P. (1997), "An asymptotic analysis of an optimal hedging model for
// option pricing with transaction costs", Mathematical Finance 7(3), 307–324: the optimal
// no-transaction band of the Hodges–Neuberger / Davis–Panas–Zariphopoulou utility model for
// small proportional costs. (The background articles describe the gamma/cost trade-off but not
// the formula; the same form is pfhedge's `ww_width`.)
// Units: k dimensionless, S currency per share, Γ shares per unit of spot (shares² / currency),
// λ 1/currency: k S Γ² / λ is shares³, so H is in shares.
// Γ is the book's gamma_shares; for a book of options its aggregate |Γ| is used. The discount
// e^{-r(T-t)} (≈ 1 for the weeks-to-months tenors of a hedging book, and different for each
// option of a book) is dropped: the band is wider by e^{r(T-t)/3}, 0.25% for r = 3% and 90 days.
// Grows with |Γ|, S and k (as their cube roots, Γ as Γ^{2/3}); shrinks as λ^{-1/3}.
// NaN when spot <= 0, cost < 0, risk_aversion <= 0 or an input is not finite. Unclamped.
[[nodiscard]] double whalley_wilmott_half_width_shares(double cost_fraction, double spot,
                                                       double gamma_shares,
                                                       double risk_aversion) noexcept;

// Half-width the policy uses for this spot and gamma, in shares, after the floor and ceiling
// (Whalley–Wilmott). 0 for kTime. NaN when it cannot be computed (spot or gamma not finite,
// spot <= 0 for a notional or Whalley–Wilmott band).
[[nodiscard]] double band_half_width_shares(const HedgePolicy& policy, double spot,
                                            double gamma_shares) noexcept;

// ---------------------------------------------------------------------------------------------
// Decision.

// Every field must be finite, or decide() does not trade: NaN or inf means broken market data
// or Greeks, and a hedge computed from them would be a guess.
struct HedgeState {
  double option_delta_shares = 0.0;    // options book delta, shares of underlying
  double hedge_position_shares = 0.0;  // filled hedge position, shares-equivalent
  double working_shares = 0.0;         // signed live hedge orders, shares-equivalent
  double spot = 0.0;                   // currency per share
  double gamma_shares = 0.0;           // book gamma, shares per unit of spot
  TimeNs now_ns = 0;
  TimeNs last_rebalance_ns = 0;  // kTime: when the last due rebalance was acted on
  // Shares-equivalent delta of one unit of the hedge instrument: 1 for a share,
  // unit_delta_shares(instrument, r, q) for a future. Sets the lot in shares.
  double unit_delta_shares = 1.0;
};

// Net delta the desk would hold if every working order filled, shares(-equivalent).
[[nodiscard]] constexpr double net_delta_shares(const HedgeState& in) noexcept {
  return in.option_delta_shares + in.hedge_position_shares + in.working_shares;
}

enum class HedgeReason : std::uint8_t {
  kInsideBand,           // |net| <= half-width: nothing to do
  kOutsideBand,          // band policy: trade to the target
  kRebalanceTime,        // time policy: the interval elapsed and a trade is worth sending
  kBelowMinTrade,        // a trade is due but rounds to zero lots or fewer than min_trade_qty
  kBeforeRebalanceTime,  // time policy: the interval has not elapsed yet
  kInvalidInput,         // a non-finite or out-of-range input or policy: never trade on it
};
inline constexpr std::size_t kHedgeReasonCount = 6;

[[nodiscard]] const char* to_string(HedgeReason reason) noexcept;
[[nodiscard]] const char* to_string(HedgePolicyKind kind) noexcept;
[[nodiscard]] const char* to_string(HedgeTarget target) noexcept;

struct HedgeDecision {
  std::int64_t qty = 0;            // signed, units of the hedge instrument, whole lots; 0: none
  double qty_shares = 0.0;         // the same trade in shares-equivalent: qty * unit_delta_shares
  double net_delta_shares = 0.0;   // net delta before the trade, working orders included
  double half_width_shares = 0.0;  // band used (0 for kTime or invalid input), for logs/metrics
  HedgeReason reason = HedgeReason::kInsideBand;
  // kTime: the interval has elapsed. The caller sets last_rebalance_ns = now when it acts on
  // such a decision, whether or not it trades.
  bool rebalance_due = false;
};

// The trade the policy wants now. Working orders count as filled, so repeating the decision
// after the trade is sent (added to working_shares) gives 0: a slow fill is never hedged twice.
// Never overshoots: |net after| <= |net before|. Target zero rounds to the nearest lot (an exact
// half lot toward zero, so a residual half lot never flips back and forth); target edge trades
// the fewest whole lots that bring |net| inside the band, but never more than target zero would.
// Floating-point hysteresis: a net within 1e-8 lot of the band edge (or of half a lot) counts as
// inside, while a trade may leave up to 1e-9 lot beyond it, so the recomputed residual of a trade
// never triggers another.
[[nodiscard]] HedgeDecision decide(const HedgePolicy& policy, const HedgeState& in) noexcept;

}  // namespace hedged::hedging
