#include "core/execution/order_store.hpp"

#include <algorithm>

namespace hedged::execution {

OrderStore::OrderStore(std::size_t capacity) : slots_(capacity) {}

ChildOrder* OrderStore::free_slot() noexcept {
  // A free slot is taken first, then the slot of the oldest terminal order (ids increase):
  // a finished order stays findable as long as possible, so a fill reported after its cancel
  // is still matched and counted (see apply()).
  ChildOrder* target = nullptr;
  for (auto& slot : slots_) {
    if (slot.id != 0 && !is_terminal(slot.status)) continue;
    if (target == nullptr || slot.id < target->id) target = &slot;
    if (slot.id == 0) break;
  }
  return target;
}

ChildOrder* OrderStore::add(const ChildOrder& order) noexcept {
  ChildOrder* target = free_slot();
  if (target == nullptr) return nullptr;
  *target = order;
  target->status = OrdStatus::kPendingNew;
  target->cum_qty = 0;
  target->avg_px = 0.0;
  target->cancel_requested = false;
  target->wire_id = order.id;
  target->prev_wire_id = 0;
  target->replace_id = 0;
  target->replace_qty = 0;
  target->replace_price_ticks = 0;
  target->request_ns = 0;
  target->status_requests = 0;
  target->last_status_request_ns = 0;
  target->reconcile = false;
  ++live_;
  return target;
}

ChildOrder* OrderStore::restore(const ChildOrder& order) noexcept {
  ChildOrder* target = free_slot();
  if (target == nullptr) return nullptr;
  *target = order;
  if (!is_terminal(order.status)) ++live_;
  return target;
}

namespace {

bool known_as(const ChildOrder& order, OrderId id) noexcept {
  return id != 0 && (order.id == id || order.wire_id == id || order.prev_wire_id == id ||
                     order.replace_id == id);
}

}  // namespace

ChildOrder* OrderStore::find(OrderId id) noexcept {
  for (auto& slot : slots_) {
    if (known_as(slot, id)) return &slot;
  }
  return nullptr;
}

const ChildOrder* OrderStore::find(OrderId id) const noexcept {
  for (const auto& slot : slots_) {
    if (known_as(slot, id)) return &slot;
  }
  return nullptr;
}

bool OrderStore::mark_cancel_requested(OrderId id, TimeNs now) noexcept {
  ChildOrder* order = find(id);
  if (order == nullptr || is_terminal(order->status) || order->cancel_requested) return false;
  order->cancel_requested = true;
  order->request_ns = now;
  return true;
}

bool OrderStore::mark_replace_requested(OrderId id, OrderId new_id, std::int64_t qty,
                                        std::int64_t price_ticks, TimeNs now) noexcept {
  ChildOrder* order = find(id);
  if (order == nullptr || is_terminal(order->status) || order->cancel_requested ||
      order->replace_pending() || new_id == 0 || qty <= order->cum_qty) {
    return false;
  }
  order->replace_id = new_id;
  order->replace_qty = qty;
  order->replace_price_ticks = price_ticks;
  order->request_ns = now;
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
  // A replace the venue applied takes effect before anything else in the report is read: a
  // Replaced report says so, and so does any report under the replace's ClOrdID (a fill under
  // it may overtake the Replaced report itself).
  bool replaced = false;
  if (order->replace_pending() && !is_terminal(order->status) &&
      (report.kind == ExecKind::kReplaced ||
       (report.cl_ord_id == order->replace_id && report.kind != ExecKind::kReplaceReject &&
        report.kind != ExecKind::kCancelReject))) {
    order->qty = order->replace_qty;
    order->price_ticks = order->replace_price_ticks;
    order->prev_wire_id = order->wire_id;
    order->wire_id = order->replace_id;
    order->replace_id = 0;
    replaced = true;
  }
  if (is_terminal(order->status)) {
    // Late or duplicate report for a finished order. A fill reported after a cancel would
    // still be real, so a larger CumQty is taken even here.
    if (report.cum_qty <= order->cum_qty) {
      out.result = ApplyResult::kStale;
      return out;
    }
  }
  // While a replace is pending the venue may already report against the new total.
  const std::int64_t max_qty =
      order->replace_pending() ? std::max(order->qty, order->replace_qty) : order->qty;

  if (report.cum_qty < 0 || report.cum_qty > max_qty || report.last_qty < 0) {
    out.result = ApplyResult::kInvalid;
    return out;
  }

  // New quantity: CumQty is authoritative and monotone.
  std::int64_t new_cum = report.cum_qty;
  if (new_cum == 0 && report.kind == ExecKind::kTrade && report.last_qty > 0) {
    new_cum = order->cum_qty + report.last_qty;  // a venue that omits CumQty
    if (new_cum > max_qty) {
      out.result = ApplyResult::kInvalid;
      return out;
    }
  }
  bool changed = false;
  if (new_cum > order->cum_qty) {
    const std::int64_t fill = new_cum - order->cum_qty;
    // LastPx prices the increment when it is one fill (a venue that merged fills into one
    // report gives their average there). An increment that spans fills this store never saw
    // (learnt from a status answer, which carries no LastPx) is priced from AvgPx: what the
    // order's average says the missing quantity cost.
    double px = report.last_px;
    if ((report.last_qty != fill || px <= 0.0) && report.avg_px > 0.0) {
      px = (report.avg_px * static_cast<double>(new_cum) -
            order->avg_px * static_cast<double>(order->cum_qty)) /
           static_cast<double>(fill);
    }
    order->avg_px =
        (order->avg_px * static_cast<double>(order->cum_qty) + px * static_cast<double>(fill)) /
        static_cast<double>(new_cum);
    order->cum_qty = new_cum;
    out.fill_qty = fill;
    out.fill_px = px;
    changed = true;
  }

  if (replaced) changed = true;
  if (report.kind == ExecKind::kReplaceReject && order->replace_pending()) {
    order->replace_id = 0;  // refused: the order stays as it was
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
    case ExecKind::kReplaceReject:
      if (is_terminal(report.status)) next = report.status;
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
