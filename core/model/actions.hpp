// Actions the engine emits: orders for the gateway and notices for logging and observers.
// Trivially copyable so they can cross SPSC rings.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <variant>

#include "core/model/events.hpp"
#include "core/model/types.hpp"

namespace hedged {

struct NewChildOrder {
  OrderId cl_ord_id = 0;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  std::int64_t qty = 0;
  std::int64_t price_ticks = 0;
  double price = 0.0;          // price_ticks * tick_size, for the wire
  TimeNs quote_source_ns = 0;  // source time of the quote that triggered it
  TimeNs decision_ns = 0;
};

struct CancelOrder {
  OrderId cl_ord_id = 0;       // id of the cancel request itself
  OrderId orig_cl_ord_id = 0;  // order to cancel
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  std::int64_t qty = 0;
};

// Moves a working order to a new price and/or total quantity in place (FIX
// OrderCancelReplaceRequest, 35=G). The order keeps its place in the engine; at the venue it is
// known by cl_ord_id once the replace is acknowledged.
struct ReplaceOrder {
  OrderId cl_ord_id = 0;       // the order's new ClOrdID
  OrderId orig_cl_ord_id = 0;  // the ClOrdID the venue knows the order by now
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  std::int64_t qty = 0;  // new total quantity, filled part included (FIX OrderQty)
  std::int64_t price_ticks = 0;
  double price = 0.0;
};

// Asks the venue for an order's state (FIX OrderStatusRequest, 35=H): sent for an order the
// venue has not answered within the configured time (a lost order or a lost report).
struct StatusRequest {
  OrderId cl_ord_id = 0;  // the ClOrdID the venue knows the order by
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
};

// Why the engine decided to trade, for the log and for observers.
struct HedgeDecision {
  std::uint32_t underlying = 0;  // index into the engine's underlyings
  OrderId cl_ord_id = 0;
  Side side = Side::kBuy;
  std::int64_t qty = 0;
  double price = 0.0;
  double spot = 0.0;
  double portfolio_delta_shares = 0.0;
  std::int64_t hedge_position = 0;
  std::int64_t working_qty = 0;  // signed quantity already in the market before this order
  double band_delta_shares = 0.0;
  double unit_delta_shares = 1.0;  // delta of one unit of the hedge instrument, shares
};

struct FillNotice {
  std::uint32_t underlying = 0;
  OrderId cl_ord_id = 0;
  Side side = Side::kBuy;
  std::int64_t last_qty = 0;
  double last_px = 0.0;
  bool order_complete = false;      // no quantity left on this order
  std::int64_t hedge_position = 0;  // after this fill
  std::int64_t working_qty = 0;     // signed, after this fill, all orders of the underlying
  double portfolio_delta_shares = 0.0;
  double band_delta_shares = 0.0;
  double unit_delta_shares = 1.0;  // delta of one unit of the hedge instrument, shares
};

enum class OrderOutcome : std::uint8_t { kSubmitted, kFilled, kRejected, kCanceled, kBlocked };

inline constexpr std::size_t kOrderOutcomeCount = 5;

[[nodiscard]] constexpr const char* to_string(OrderOutcome outcome) noexcept {
  switch (outcome) {
    case OrderOutcome::kSubmitted: return "submitted";
    case OrderOutcome::kFilled: return "filled";
    case OrderOutcome::kRejected: return "rejected";
    case OrderOutcome::kCanceled: return "canceled";
    case OrderOutcome::kBlocked: return "blocked";
  }
  return "unknown";
}

// An order reached a terminal state other than filled, or was blocked before sending.
struct OrderNotice {
  std::uint32_t underlying = 0;
  OrderId cl_ord_id = 0;
  OrderOutcome outcome = OrderOutcome::kRejected;
  FixedText<96> text;
};

enum class TradingState : std::uint8_t { kActive, kReducing, kHalted };

[[nodiscard]] constexpr const char* to_string(TradingState state) noexcept {
  switch (state) {
    case TradingState::kActive: return "active";
    case TradingState::kReducing: return "reducing";
    case TradingState::kHalted: return "halted";
  }
  return "unknown";
}

// The scope of a trading state, breaker or limit: an underlying's index, or the whole book.
inline constexpr std::uint32_t kBookScope = 0xFFFF'FFFFu;

// A trading-state change of one underlying or of the whole book (underlying == kBookScope).
struct StateNotice {
  std::uint32_t underlying = kBookScope;
  TradingState from = TradingState::kActive;
  TradingState to = TradingState::kActive;
  // Some breaker behind this state clears only on an operator's resume (the kill switch, a price
  // jump, a reject storm): a restart must come back in this state.
  bool manual_resume = false;
  FixedText<96> cause;
};

// A circuit breaker tripped or reset (or a manual resume left it tripped).
struct BreakerNotice {
  enum class Kind : std::uint8_t { kTripped, kReset, kStillPresent };
  std::uint32_t underlying = kBookScope;
  std::uint8_t breaker = 0;  // risk::Breaker
  Kind kind = Kind::kTripped;
  FixedText<96> cause;
};

// An exposure crossed a soft limit (or came back inside it). Hard breaches trip a breaker.
struct LimitNotice {
  std::uint32_t underlying = kBookScope;
  std::uint8_t measure = 0;  // risk::Measure
  bool breached = true;      // false: back inside the limit (by the hysteresis margin)
  double value = 0.0;
  double limit = 0.0;
};

// A parent order finished (filled, amended away, replaced or dropped) after some fills: its
// execution quality against the arrival mid.
struct ParentDone {
  std::uint32_t underlying = 0;
  Side side = Side::kBuy;
  std::int64_t total_qty = 0;
  std::int64_t filled_qty = 0;
  double arrival_price = 0.0;
  double average_price = 0.0;
  double slippage_bps = 0.0;        // positive: a cost against the arrival mid
  double shortfall_currency = 0.0;  // (average - arrival) x filled x multiplier, as a cost
  std::uint64_t children = 0;
};

// An option trade from the drop copy was applied to the book (or ignored, with why).
struct OptionTradeNotice {
  std::uint32_t underlying = 0;
  InstrumentId instrument = kNoInstrument;
  std::int64_t qty = 0;  // contracts, signed (+ the desk bought)
  double price = 0.0;
  std::int64_t position = 0;  // the book's position in the option after the trade, contracts
  double portfolio_delta_shares = 0.0;  // the underlying's option delta after the trade
  bool applied = true;                  // false: ignored (duplicate ExecID, unknown instrument)
  bool from_hedge = false;              // a fill of the daemon's own gamma/vega hedge order
  FixedText<40> exec_id;
  FixedText<64> reason;  // why it was ignored
};

// The option hedger decided an option order to bring gamma and/or vega back inside limits.
struct OptionHedgeDecision {
  std::uint32_t underlying = 0;
  OrderId cl_ord_id = 0;
  InstrumentId instrument = kNoInstrument;
  std::int64_t contracts = 0;  // signed: + buy
  double price = 0.0;
  double gamma_before = 0.0;  // the underlying's gamma_notional_per_pct
  double gamma_after = 0.0;   // planned, once this and its companion order fill
  double vega_before = 0.0;   // vega_per_vol_point
  double vega_after = 0.0;
};

// Reconciliation found the venue's CumQty for an order different from the engine's (after a
// restart or reconnect, in the answer to a status request). The venue's quantity is applied.
struct ReconcileNotice {
  std::uint32_t underlying = 0;
  OrderId cl_ord_id = 0;
  InstrumentId instrument = kNoInstrument;
  std::int64_t engine_cum_qty = 0;
  std::int64_t venue_cum_qty = 0;
  std::uint64_t total_difference_qty = 0;  // |differences| summed since start, units
  bool halted = false;                     // the sum passed the tolerance: the book halts
};

// A new limit set is in force from this event on.
struct LimitsApplied {
  std::uint64_t version = 0;
};

// The day's P&L baseline of an underlying, taken at its first valuation of a UTC day. Journaled:
// a restart on the same day continues the day's P&L from it.
struct PnlDayOpen {
  std::uint32_t underlying = 0;
  std::int64_t day = 0;        // UTC day: days since the Unix epoch
  double open_value = 0.0;     // options at model value + hedge at mark + all cash, currency
  double open_realised = 0.0;  // realised hedge P&L at that moment, currency
};

// A fill of the daemon's own order or a drop-copy trade whose price is implausible (far outside
// the pre-trade price band around the reference): its quantity was applied, its cash and
// average cost use the reference price instead. Journaled, so a restart values it the same way.
struct FillRepriced {
  std::uint32_t underlying = 0;
  InstrumentId instrument = kNoInstrument;
  OrderId cl_ord_id = 0;  // the order filled; 0 for a drop-copy trade
  std::int64_t qty = 0;   // signed: + bought
  double reported_px = 0.0;
  double used_px = 0.0;    // the reference price applied
  bool drop_copy = false;  // a desk trade from the drop copy (else a fill of an own order)
  FixedText<40> exec_id;
};

using Action =
    std::variant<NewChildOrder, CancelOrder, ReplaceOrder, StatusRequest, HedgeDecision, FillNotice,
                 OrderNotice, StateNotice, BreakerNotice, LimitNotice, LimitsApplied, ParentDone,
                 OptionTradeNotice, OptionHedgeDecision, ReconcileNotice, PnlDayOpen, FillRepriced>;

static_assert(std::is_trivially_copyable_v<Action>, "actions cross SPSC rings by copy");

// Bounded output buffer the engine appends to; the driver drains it after each event.
class ActionBuffer {
 public:
  static constexpr std::size_t kCapacity = 256;

  // Returns false (and drops the action) when full; the engine sizes its work so it never is.
  bool push(const Action& action) noexcept {
    if (size_ == kCapacity) {
      ++dropped_;
      return false;
    }
    actions_[size_++] = action;
    return true;
  }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] const Action& operator[](std::size_t i) const noexcept { return actions_[i]; }
  [[nodiscard]] const Action* begin() const noexcept { return actions_.data(); }
  [[nodiscard]] const Action* end() const noexcept { return actions_.data() + size_; }
  [[nodiscard]] std::uint64_t dropped() const noexcept { return dropped_; }
  void clear() noexcept { size_ = 0; }

 private:
  std::array<Action, kCapacity> actions_{};
  std::size_t size_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace hedged
