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
  OrderId id = 0;
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

  [[nodiscard]] ChildOrder* find(OrderId id) noexcept;
  [[nodiscard]] const ChildOrder* find(OrderId id) const noexcept;

  // Applies an execution report. Fills are taken from CumQty, which only grows, so a duplicate
  // or re-ordered report never double counts; LastQty is used only when CumQty is absent (0).
  ApplyOutcome apply(const ExecReportEvent& report) noexcept;

  // Marks a cancel as sent; PendingCancel until the venue answers.
  bool mark_cancel_requested(OrderId id) noexcept;

  [[nodiscard]] std::size_t live_count() const noexcept { return live_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }

  template <typename F>
  void for_each_live(F&& f) {
    for (auto& order : slots_) {
      if (order.id != 0 && !is_terminal(order.status)) f(order);
    }
  }

 private:
  std::vector<ChildOrder> slots_;  // id == 0 marks a free slot
  std::size_t live_ = 0;
};

}  // namespace hedged::execution
