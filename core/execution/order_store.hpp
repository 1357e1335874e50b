// Child orders and their state machine, mirroring FIX OrdStatus. Owned by the engine thread.
// Capacity is fixed at construction; nothing allocates afterwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/model/events.hpp"
#include "core/model/types.hpp"

namespace hedged::execution {

struct ChildOrder {
  OrderId id = 0;            // the engine's key: the ClOrdID the order was first sent with
  OrderId wire_id = 0;       // the ClOrdID the venue knows it by now (changes with each replace)
  OrderId prev_wire_id = 0;  // the one before the last replace, for late reports that use it
  InstrumentId instrument = kNoInstrument;
  std::uint32_t underlying = 0;
  Side side = Side::kBuy;
  std::int64_t qty = 0;
  std::int64_t cum_qty = 0;
  double avg_px = 0.0;
  std::int64_t price_ticks = 0;
  OrdStatus status = OrdStatus::kPendingNew;
  TimeNs sent_ns = 0;
  bool cancel_requested = false;
  // A replace (35=G) sent and not yet answered: its ClOrdID (0: none), new total and price.
  OrderId replace_id = 0;
  std::int64_t replace_qty = 0;
  std::int64_t replace_price_ticks = 0;
  TimeNs request_ns = 0;  // when the pending cancel or replace was sent
  // Order status requests (35=H) sent for this order and when the last went out.
  std::uint32_t status_requests = 0;
  TimeNs last_status_request_ns = 0;
  // Its state must be confirmed with the venue (after a restart or a reconnect): a status
  // request goes out at once, and the answer's CumQty is compared with ours.
  bool reconcile = false;

  [[nodiscard]] bool replace_pending() const noexcept { return replace_id != 0; }
  [[nodiscard]] std::int64_t leaves_qty() const noexcept { return qty - cum_qty; }
  [[nodiscard]] std::int64_t signed_leaves() const noexcept {
    return signed_qty(side, leaves_qty());
  }
};

[[nodiscard]] constexpr bool is_terminal(OrdStatus status) noexcept {
  return status == OrdStatus::kFilled || status == OrdStatus::kCanceled ||
         status == OrdStatus::kRejected || status == OrdStatus::kExpired ||
         status == OrdStatus::kDoneForDay;
}

enum class ApplyResult : std::uint8_t {
  kApplied,       // state and/or quantities changed
  kStale,         // duplicate or out-of-order report: nothing new in it, ignored
  kUnknownOrder,  // no such live order
  kInvalid,       // inconsistent report (overfill, negative quantity): ignored, counted
};

// What applying one report did, for the engine to account for.
struct ApplyOutcome {
  ApplyResult result = ApplyResult::kStale;
  std::int64_t fill_qty = 0;  // newly filled quantity (>= 0)
  double fill_px = 0.0;       // average price of the newly filled quantity
  bool became_terminal = false;
  OrdStatus status = OrdStatus::kPendingNew;
};

class OrderStore {
 public:
  explicit OrderStore(std::size_t capacity);

  // Registers a new order in PendingNew. Returns nullptr when every slot is live.
  [[nodiscard]] ChildOrder* add(const ChildOrder& order) noexcept;

  // Puts back an order as it was (status, filled quantity, pending requests), for recovery
  // after a restart. Returns nullptr when every slot is live.
  [[nodiscard]] ChildOrder* restore(const ChildOrder& order) noexcept;

  // By any ClOrdID the order has had: its first, its current, the one before the last replace,
  // or that of a pending replace. Ids come from one increasing counter, so none is shared.
  [[nodiscard]] ChildOrder* find(OrderId id) noexcept;
  [[nodiscard]] const ChildOrder* find(OrderId id) const noexcept;

  // Applies an execution report. Fills are taken from CumQty, which only grows, so a duplicate
  // or re-ordered report never double counts; LastQty is used only when CumQty is absent (0).
  ApplyOutcome apply(const ExecReportEvent& report) noexcept;

  // Marks a cancel as sent; PendingCancel until the venue answers.
  bool mark_cancel_requested(OrderId id, TimeNs now = 0) noexcept;

  // Marks a replace as sent under `new_id` (to `qty` in total at `price_ticks`). Refused (false)
  // for a finished order, one with a cancel or replace already pending, or a total at or below
  // what has filled. Until the venue answers, the order keeps its old quantity and price; a
  // Replaced report (150=5) applies the new ones, an OrderCancelReject drops them.
  bool mark_replace_requested(OrderId id, OrderId new_id, std::int64_t qty,
                              std::int64_t price_ticks, TimeNs now) noexcept;

  [[nodiscard]] std::size_t live_count() const noexcept { return live_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

  template <typename F>
  void for_each_live(F&& f) {
    for (auto& order : slots_) {
      if (order.id != 0 && !is_terminal(order.status)) f(order);
    }
  }
  template <typename F>
  void for_each_live(F&& f) const {
    for (const auto& order : slots_) {
      if (order.id != 0 && !is_terminal(order.status)) f(order);
    }
  }

 private:
  ChildOrder* free_slot() noexcept;

  std::vector<ChildOrder> slots_;  // id == 0 marks a free slot
  std::size_t live_ = 0;
};

}  // namespace hedged::execution
