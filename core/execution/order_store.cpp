#include "core/execution/order_store.hpp"

namespace hedged::execution {

OrderStore::OrderStore(std::size_t capacity) : slots_(capacity) {}

ChildOrder* OrderStore::add(const ChildOrder& order) noexcept {
  // A free slot is taken first, then the slot of the oldest terminal order (ids increase):
  // a finished order stays findable as long as possible, so a fill reported after its cancel
  // is still matched and counted (see apply()).
  ChildOrder* target = nullptr;
  for (auto& slot : slots_) {
    if (slot.id != 0 && !is_terminal(slot.status)) continue;
    if (target == nullptr || slot.id < target->id) target = &slot;
    if (slot.id == 0) break;
  }
  if (target == nullptr) return nullptr;
  *target = order;
  target->status = OrdStatus::kPendingNew;
  target->cum_qty = 0;
  target->avg_px = 0.0;
  target->cancel_requested = false;
  ++live_;
  return target;
}

ChildOrder* OrderStore::find(OrderId id) noexcept {
  for (auto& slot : slots_) {
    if (slot.id == id && id != 0) return &slot;
  }
  return nullptr;
}

const ChildOrder* OrderStore::find(OrderId id) const noexcept {
  for (const auto& slot : slots_) {
    if (slot.id == id && id != 0) return &slot;
  }
  return nullptr;
}

bool OrderStore::mark_cancel_requested(OrderId id) noexcept {
  ChildOrder* order = find(id);
  if (order == nullptr || is_terminal(order->status) || order->cancel_requested) return false;
  order->cancel_requested = true;
  return true;
}

ApplyOutcome OrderStore::apply(const ExecReportEvent& report) noexcept {
  ApplyOutcome out;
  ChildOrder* order = find(report.cl_ord_id);
  if (order == nullptr) {
    out.result = ApplyResult::kUnknownOrder;
    return out;
  }
  out.status = order->status;
  if (is_terminal(order->status)) {
    // Late or duplicate report for a finished order. A fill reported after a cancel would
    // still be real, so a larger CumQty is taken even here.
    if (report.cum_qty <= order->cum_qty) {
      out.result = ApplyResult::kStale;
      return out;
    }
  }
  if (report.cum_qty < 0 || report.cum_qty > order->qty || report.last_qty < 0) {
    out.result = ApplyResult::kInvalid;
    return out;
  }

  // New quantity: CumQty is authoritative and monotone.
  std::int64_t new_cum = report.cum_qty;
  if (new_cum == 0 && report.kind == ExecKind::kTrade && report.last_qty > 0) {
    new_cum = order->cum_qty + report.last_qty;  // a venue that omits CumQty
    if (new_cum > order->qty) {
      out.result = ApplyResult::kInvalid;
      return out;
    }
  }
  bool changed = false;
  if (new_cum > order->cum_qty) {
    const std::int64_t fill = new_cum - order->cum_qty;
    // LastPx prices the whole increment; a venue that merged fills into one report gives
    // their average there.
    const double px = report.last_px;
    order->avg_px =
        (order->avg_px * static_cast<double>(order->cum_qty) + px * static_cast<double>(fill)) /
        static_cast<double>(new_cum);
    order->cum_qty = new_cum;
    out.fill_qty = fill;
    out.fill_px = px;
    changed = true;
  }

  const OrdStatus before = order->status;
  OrdStatus next = before;
  switch (report.kind) {
    case ExecKind::kNew:
      if (before == OrdStatus::kPendingNew) next = OrdStatus::kNew;
      break;
    case ExecKind::kTrade:
    case ExecKind::kOrderStatus:
    case ExecKind::kReplaced:
    case ExecKind::kPendingReplace:
    case ExecKind::kRestated:
      next = order->cum_qty >= order->qty ? OrdStatus::kFilled
             : order->cum_qty > 0         ? OrdStatus::kPartiallyFilled
                                  : (before == OrdStatus::kPendingNew ? OrdStatus::kNew : before);
      // Status-only reports (order status, replaced, pending replace, restated) may carry a
      // terminal state the order reached without a separate report.
      if (report.kind != ExecKind::kTrade && is_terminal(report.status)) next = report.status;
      break;
    case ExecKind::kCanceled:
      next = order->cum_qty >= order->qty ? OrdStatus::kFilled : OrdStatus::kCanceled;
      break;
    case ExecKind::kExpired:
      next = order->cum_qty >= order->qty ? OrdStatus::kFilled : OrdStatus::kExpired;
      break;
    case ExecKind::kDoneForDay:
      next = order->cum_qty >= order->qty ? OrdStatus::kFilled : OrdStatus::kDoneForDay;
      break;
    case ExecKind::kRejected: next = OrdStatus::kRejected; break;
    case ExecKind::kPendingCancel:
      if (!is_terminal(before)) next = OrdStatus::kPendingCancel;
      break;
    case ExecKind::kCancelReject:
      // The cancel failed; the order stays as the venue last described it.
      order->cancel_requested = false;
      if (before == OrdStatus::kPendingCancel) {
        next = order->cum_qty > 0 ? OrdStatus::kPartiallyFilled : OrdStatus::kNew;
      }
      if (is_terminal(report.status)) next = report.status;
      break;
  }
  // A fill on a pending-cancel order keeps it pending-cancel unless it completed the order.
  if (before == OrdStatus::kPendingCancel && report.kind == ExecKind::kTrade &&
      next != OrdStatus::kFilled) {
    next = OrdStatus::kPendingCancel;
  }
  if (is_terminal(before) && !is_terminal(next)) next = before;  // never resurrect

  if (next != before) {
    order->status = next;
    changed = true;
    if (is_terminal(next) && !is_terminal(before)) {
      out.became_terminal = true;
      --live_;
    }
  }
  out.status = order->status;
  out.result = changed ? ApplyResult::kApplied : ApplyResult::kStale;
  return out;
}

}  // namespace hedged::execution
