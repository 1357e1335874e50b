// The execution algorithms: from a parent order, the market and the time, the next child order
// to send ("send q at p now") or when to look again, and whether a working child should be
// re-priced. Pure functions of their arguments: the engine calls them on its thread with the
// event's time, applies what they say, and records it with the record_* functions of
// parent_order.hpp. Nothing allocates.
//
// Schedules (cumulative quantity released by `now`, lot multiples, never above the total):
//   immediate       the total, at start;
//   twap            N = ceil(horizon / slice_interval) slices; slice j (1..N) is released at
//                   start + ceil(horizon·(j−1)/N) and brings the cumulative target to
//                   floor(lots·j/N) lots (slice N: the total), so the last slice goes out one
//                   slice before the horizon;
//   almgren_chriss  the same release times, cumulative target X − x_j with x_j the
//                   Almgren–Chriss holdings (almgren_chriss.hpp), floored to lots;
//   pov             floor(participation × (market volume − volume at start)) in lots, and never
//                   more committed (filled + working) than max_participation × that volume;
//                   with a horizon, the whole total once it has passed.
// A child is the released quantity not yet filled or working (so rejects and cancels are caught
// up), cut to max_child_qty. It is sent only if it is at least min_child_qty or is the whole
// unsent remainder; a child that would leave a remainder below min_child_qty takes it along, or
// leaves exactly min_child_qty when that would exceed max_child_qty. Children are spaced at
// least 1 / max_children_per_second apart.
#pragma once

#include <cstdint>

#include "core/execution/parent_order.hpp"
#include "core/execution/price_rules.hpp"
#include "core/model/types.hpp"

namespace hedged::execution {

struct MarketState {
  double bid = 0.0;  // the hedge instrument's touch, currency
  double ask = 0.0;
  // Cumulative market volume in units, from the same origin as ParentRequest::market_volume
  // (pov only; our own fills are part of it, as on the tape).
  std::int64_t cum_volume = 0;
};

enum class ChildAction : std::uint8_t {
  kSend,      // send qty at price_ticks now, record it, then ask again
  kWait,      // nothing yet: ask again at next_check_ns, or on the next fill, reject or quote
  kNoMarket,  // a child is due but the touch gives no price: ask again on the next quote
  kDone,      // everything filled and nothing working
};

struct ChildDecision {
  ChildAction action = ChildAction::kWait;
  std::int64_t qty = 0;
  std::int64_t price_ticks = 0;
  bool crossing = false;
  TimeNs next_check_ns = kNever;  // kNever: only an event (fill, reject, quote) changes anything
};

[[nodiscard]] ChildDecision next_child(const ParentOrder& parent, const MarketState& market,
                                       TimeNs now) noexcept;

enum class RepriceAction : std::uint8_t {
  kKeep,     // leave the child as it is
  kReprice,  // replace (or cancel and resend) the child's price with price_ticks
  kNoMarket,
};

struct RepriceDecision {
  RepriceAction action = RepriceAction::kKeep;
  std::int64_t price_ticks = 0;
  bool crossing = false;
  TimeNs next_check_ns = kNever;  // when a cross timeout may next fire
};

// For a working child (its limit and when it was sent): the price it should have now. A child
// is only ever moved to a more aggressive price — when the touch has moved away from it, or a
// cross timeout has fired (cross_after since it was sent, or since the parent fell behind) —
// and never beyond the slippage cap.
[[nodiscard]] RepriceDecision reprice_child(const ParentOrder& parent, const MarketState& market,
                                            std::int64_t price_ticks, TimeNs child_sent_ns,
                                            TimeNs now) noexcept;

// Schedule internals, exposed for tests and for the engine's reports.

// Cumulative quantity the schedule has released by `now`.
[[nodiscard]] std::int64_t scheduled_qty(const ParentOrder& parent, const MarketState& market,
                                         TimeNs now) noexcept;
// twap, almgren_chriss: the cumulative target once slice j (0..slices) is released.
[[nodiscard]] std::int64_t slice_target_qty(const ParentOrder& parent, std::int64_t j) noexcept;
// twap, almgren_chriss: start + ceil(horizon·j/slices); slice j+1 is released then.
[[nodiscard]] TimeNs slice_time_ns(const ParentOrder& parent, std::int64_t j) noexcept;
// When the parent fell behind schedule: the deadline of the earliest part of the schedule not
// yet filled (immediate: start; twap, almgren_chriss: the end of the earliest slice whose
// cumulative target exceeds the filled quantity; pov: the horizon, if any), if it has passed;
// kNever otherwise.
[[nodiscard]] TimeNs behind_since(const ParentOrder& parent, TimeNs now) noexcept;

// The child size rule on its own: desired and allowed (the most that may be committed now) cut
// to max_qty (0 = none) and a lot, sent only at >= min_qty or as the whole unsent remainder;
// 0 when nothing may go now.
[[nodiscard]] std::int64_t size_child(std::int64_t desired, std::int64_t unsent,
                                      std::int64_t allowed, std::int64_t min_qty,
                                      std::int64_t max_qty, std::int64_t lot_size) noexcept;

}  // namespace hedged::execution
