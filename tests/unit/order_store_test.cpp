// Order store: the FIX OrdStatus state machine, CumQty-based fill accounting and slot capacity.
#include "core/execution/order_store.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

namespace hedged::execution {
namespace {

ChildOrder child(OrderId id, Side side, std::int64_t qty) {
  ChildOrder o;
  o.id = id;
  o.instrument = 0;
  o.underlying = 0;
  o.side = side;
  o.qty = qty;
  o.price_ticks = 10'000;
  o.sent_ns = 1'000;
  return o;
}

ExecReportEvent report(OrderId id, ExecKind kind, OrdStatus status, std::int64_t cum_qty = 0,
                       std::int64_t last_qty = 0, double last_px = 0.0) {
  ExecReportEvent r;
  r.cl_ord_id = id;
  r.kind = kind;
  r.status = status;
  r.cum_qty = cum_qty;
  r.last_qty = last_qty;
  r.last_px = last_px;
  return r;
}

ExecReportEvent trade(OrderId id, std::int64_t cum_qty, std::int64_t last_qty, double last_px,
                      OrdStatus status = OrdStatus::kPartiallyFilled) {
  return report(id, ExecKind::kTrade, status, cum_qty, last_qty, last_px);
}

class OrderStoreTest : public ::testing::Test {
 protected:
  OrderStore store_{8};

  ChildOrder& add(OrderId id, std::int64_t qty = 1000, Side side = Side::kBuy) {
    ChildOrder* o = store_.add(child(id, side, qty));
    EXPECT_NE(o, nullptr);
    return *o;
  }
};

TEST_F(OrderStoreTest, add_registers_order_in_pending_new) {
  ChildOrder dirty = child(7, Side::kSell, 500);
  dirty.status = OrdStatus::kFilled;
  dirty.cum_qty = 123;
  dirty.avg_px = 9.0;
  dirty.cancel_requested = true;
  const ChildOrder* o = store_.add(dirty);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->id, 7u);
  EXPECT_EQ(o->side, Side::kSell);
  EXPECT_EQ(o->qty, 500);
  EXPECT_EQ(o->status, OrdStatus::kPendingNew);
  EXPECT_EQ(o->cum_qty, 0);
  EXPECT_EQ(o->avg_px, 0.0);
  EXPECT_FALSE(o->cancel_requested);
  EXPECT_EQ(o->leaves_qty(), 500);
  EXPECT_EQ(o->signed_leaves(), -500);
  EXPECT_EQ(store_.live_count(), 1u);
  EXPECT_EQ(store_.find(7), o);
  EXPECT_EQ(store_.capacity(), 8u);
}

TEST_F(OrderStoreTest, new_ack_moves_pending_new_to_new) {
  add(1);
  const ApplyOutcome out = store_.apply(report(1, ExecKind::kNew, OrdStatus::kNew));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.status, OrdStatus::kNew);
  EXPECT_EQ(out.fill_qty, 0);
  EXPECT_FALSE(out.became_terminal);
  EXPECT_EQ(store_.find(1)->status, OrdStatus::kNew);
  EXPECT_EQ(store_.live_count(), 1u);
  // A second ack changes nothing.
  EXPECT_EQ(store_.apply(report(1, ExecKind::kNew, OrdStatus::kNew)).result, ApplyResult::kStale);
}

TEST_F(OrderStoreTest, partial_then_full_fill_tracks_cum_qty_and_average_price) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(report(1, ExecKind::kNew, OrdStatus::kNew)).result, ApplyResult::kApplied);

  ApplyOutcome out = store_.apply(trade(1, 300, 300, 100.0));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.fill_qty, 300);
  EXPECT_DOUBLE_EQ(out.fill_px, 100.0);
  EXPECT_EQ(out.status, OrdStatus::kPartiallyFilled);
  EXPECT_FALSE(out.became_terminal);
  const ChildOrder* o = store_.find(1);
  EXPECT_EQ(o->cum_qty, 300);
  EXPECT_EQ(o->leaves_qty(), 700);
  EXPECT_DOUBLE_EQ(o->avg_px, 100.0);
  EXPECT_EQ(store_.live_count(), 1u);

  out = store_.apply(trade(1, 1000, 700, 101.0, OrdStatus::kFilled));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.fill_qty, 700);
  EXPECT_DOUBLE_EQ(out.fill_px, 101.0);
  EXPECT_EQ(out.status, OrdStatus::kFilled);
  EXPECT_TRUE(out.became_terminal);
  EXPECT_EQ(o->cum_qty, 1000);
  EXPECT_EQ(o->leaves_qty(), 0);
  EXPECT_NEAR(o->avg_px, (300.0 * 100.0 + 700.0 * 101.0) / 1000.0, 1e-12);
  EXPECT_EQ(store_.live_count(), 0u);

  // The final report again: terminal only once, no fill.
  out = store_.apply(trade(1, 1000, 700, 101.0, OrdStatus::kFilled));
  EXPECT_EQ(out.result, ApplyResult::kStale);
  EXPECT_EQ(out.fill_qty, 0);
  EXPECT_FALSE(out.became_terminal);
  EXPECT_EQ(store_.live_count(), 0u);
}

TEST_F(OrderStoreTest, fills_learnt_from_a_status_answer_are_priced_from_avg_px) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(trade(1, 300, 300, 100.0)).fill_qty, 300);
  // Two fills (400 @ 101, 100 @ 102) were missed; the status answer has no LastPx, only
  // CumQty 800 and AvgPx (300 x 100 + 400 x 101 + 100 x 102) / 800.
  ExecReportEvent status = report(1, ExecKind::kOrderStatus, OrdStatus::kPartiallyFilled, 800);
  status.avg_px = (300 * 100.0 + 400 * 101.0 + 100 * 102.0) / 800.0;
  const ApplyOutcome out = store_.apply(status);
  EXPECT_EQ(out.fill_qty, 500);
  EXPECT_NEAR(out.fill_px, (400 * 101.0 + 100 * 102.0) / 500.0, 1e-9);
  EXPECT_NEAR(store_.find(1)->avg_px, status.avg_px, 1e-9);
}

TEST_F(OrderStoreTest, fill_before_ack_is_taken) {
  add(1, 100, Side::kSell);
  const ApplyOutcome out = store_.apply(trade(1, 100, 100, 50.0, OrdStatus::kFilled));
  EXPECT_EQ(out.fill_qty, 100);
  EXPECT_EQ(out.status, OrdStatus::kFilled);
  EXPECT_TRUE(out.became_terminal);
  // The late ack does not resurrect it.
  EXPECT_EQ(store_.apply(report(1, ExecKind::kNew, OrdStatus::kNew)).result, ApplyResult::kStale);
  EXPECT_EQ(store_.find(1)->status, OrdStatus::kFilled);
}

TEST_F(OrderStoreTest, duplicate_report_is_stale_and_adds_no_fill) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(trade(1, 400, 400, 10.0)).fill_qty, 400);
  const ApplyOutcome dup = store_.apply(trade(1, 400, 400, 10.0));
  EXPECT_EQ(dup.result, ApplyResult::kStale);
  EXPECT_EQ(dup.fill_qty, 0);
  EXPECT_EQ(dup.status, OrdStatus::kPartiallyFilled);
  EXPECT_EQ(store_.find(1)->cum_qty, 400);
  EXPECT_DOUBLE_EQ(store_.find(1)->avg_px, 10.0);
}

TEST_F(OrderStoreTest, out_of_order_report_with_lower_cum_qty_adds_nothing) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(trade(1, 600, 600, 10.0)).fill_qty, 600);
  const ApplyOutcome late = store_.apply(trade(1, 300, 300, 12.0));
  EXPECT_EQ(late.result, ApplyResult::kStale);
  EXPECT_EQ(late.fill_qty, 0);
  EXPECT_EQ(store_.find(1)->cum_qty, 600);
  EXPECT_DOUBLE_EQ(store_.find(1)->avg_px, 10.0);
  EXPECT_EQ(store_.find(1)->status, OrdStatus::kPartiallyFilled);
  // The next real fill is the increment over 600.
  const ApplyOutcome next = store_.apply(trade(1, 700, 100, 11.0));
  EXPECT_EQ(next.fill_qty, 100);
  EXPECT_NEAR(store_.find(1)->avg_px, (600.0 * 10.0 + 100.0 * 11.0) / 700.0, 1e-12);
}

TEST_F(OrderStoreTest, overfill_and_negative_quantities_are_invalid) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(trade(1, 200, 200, 10.0)).fill_qty, 200);
  const ApplyOutcome over = store_.apply(trade(1, 1001, 801, 10.0));
  EXPECT_EQ(over.result, ApplyResult::kInvalid);
  EXPECT_EQ(over.fill_qty, 0);
  EXPECT_EQ(store_.apply(trade(1, -5, 0, 10.0)).result, ApplyResult::kInvalid);
  EXPECT_EQ(store_.apply(trade(1, 300, -100, 10.0)).result, ApplyResult::kInvalid);
  const ChildOrder* o = store_.find(1);
  EXPECT_EQ(o->cum_qty, 200);
  EXPECT_EQ(o->status, OrdStatus::kPartiallyFilled);
  EXPECT_EQ(store_.live_count(), 1u);
}

TEST_F(OrderStoreTest, last_qty_is_used_when_cum_qty_is_absent) {
  add(1, 500);
  ApplyOutcome out = store_.apply(trade(1, 0, 200, 10.0));
  EXPECT_EQ(out.fill_qty, 200);
  EXPECT_EQ(store_.find(1)->cum_qty, 200);
  out = store_.apply(trade(1, 0, 300, 20.0, OrdStatus::kFilled));
  EXPECT_EQ(out.fill_qty, 300);
  EXPECT_TRUE(out.became_terminal);
  EXPECT_EQ(store_.find(1)->cum_qty, 500);
  EXPECT_NEAR(store_.find(1)->avg_px, 16.0, 1e-12);

  add(2, 100);
  EXPECT_EQ(store_.apply(trade(2, 0, 101, 10.0)).result, ApplyResult::kInvalid);
  EXPECT_EQ(store_.find(2)->cum_qty, 0);
}

TEST_F(OrderStoreTest, reject_from_pending_new_is_terminal) {
  add(1);
  const ApplyOutcome out = store_.apply(report(1, ExecKind::kRejected, OrdStatus::kRejected));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.status, OrdStatus::kRejected);
  EXPECT_TRUE(out.became_terminal);
  EXPECT_EQ(out.fill_qty, 0);
  EXPECT_EQ(store_.live_count(), 0u);
  EXPECT_FALSE(store_.mark_cancel_requested(1));
}

TEST_F(OrderStoreTest, cancel_request_then_canceled_keeps_cum_qty) {
  add(1, 1000, Side::kSell);
  ASSERT_EQ(store_.apply(report(1, ExecKind::kNew, OrdStatus::kNew)).result, ApplyResult::kApplied);
  ASSERT_EQ(store_.apply(trade(1, 400, 400, 10.0)).fill_qty, 400);

  EXPECT_TRUE(store_.mark_cancel_requested(1));
  EXPECT_FALSE(store_.mark_cancel_requested(1));  // already requested
  EXPECT_TRUE(store_.find(1)->cancel_requested);

  ApplyOutcome out =
      store_.apply(report(1, ExecKind::kPendingCancel, OrdStatus::kPendingCancel, 400));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.status, OrdStatus::kPendingCancel);
  EXPECT_EQ(store_.live_count(), 1u);

  out = store_.apply(report(1, ExecKind::kCanceled, OrdStatus::kCanceled, 400));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.status, OrdStatus::kCanceled);
  EXPECT_TRUE(out.became_terminal);
  EXPECT_EQ(out.fill_qty, 0);
  EXPECT_EQ(store_.find(1)->cum_qty, 400);
  EXPECT_DOUBLE_EQ(store_.find(1)->avg_px, 10.0);
  EXPECT_EQ(store_.live_count(), 0u);
  EXPECT_FALSE(store_.mark_cancel_requested(1));
}

TEST_F(OrderStoreTest, canceled_report_for_fully_filled_order_is_filled) {
  add(1, 100);
  const ApplyOutcome out =
      store_.apply(report(1, ExecKind::kCanceled, OrdStatus::kCanceled, 100, 100, 5.0));
  EXPECT_EQ(out.fill_qty, 100);
  EXPECT_EQ(out.status, OrdStatus::kFilled);
  EXPECT_TRUE(out.became_terminal);
}

TEST_F(OrderStoreTest, cancel_reject_restores_previous_status) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(report(1, ExecKind::kNew, OrdStatus::kNew)).result, ApplyResult::kApplied);
  ASSERT_TRUE(store_.mark_cancel_requested(1));
  ASSERT_EQ(store_.apply(report(1, ExecKind::kPendingCancel, OrdStatus::kPendingCancel)).status,
            OrdStatus::kPendingCancel);
  ApplyOutcome out = store_.apply(report(1, ExecKind::kCancelReject, OrdStatus::kNew));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.status, OrdStatus::kNew);
  EXPECT_FALSE(out.became_terminal);
  EXPECT_FALSE(store_.find(1)->cancel_requested);
  EXPECT_TRUE(store_.mark_cancel_requested(1));  // may be asked again

  // With a partial fill the restored status is PartiallyFilled.
  ASSERT_EQ(store_.apply(trade(1, 250, 250, 10.0)).fill_qty, 250);
  ASSERT_EQ(
      store_.apply(report(1, ExecKind::kPendingCancel, OrdStatus::kPendingCancel, 250)).status,
      OrdStatus::kPendingCancel);
  out = store_.apply(report(1, ExecKind::kCancelReject, OrdStatus::kPartiallyFilled, 250));
  EXPECT_EQ(out.status, OrdStatus::kPartiallyFilled);
  EXPECT_EQ(store_.find(1)->cum_qty, 250);
  EXPECT_EQ(store_.live_count(), 1u);
}

TEST_F(OrderStoreTest, fill_while_pending_cancel_stays_pending_cancel_until_complete) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(report(1, ExecKind::kPendingCancel, OrdStatus::kPendingCancel)).status,
            OrdStatus::kPendingCancel);
  ApplyOutcome out = store_.apply(trade(1, 300, 300, 10.0));
  EXPECT_EQ(out.fill_qty, 300);
  EXPECT_EQ(out.status, OrdStatus::kPendingCancel);
  out = store_.apply(trade(1, 1000, 700, 10.0, OrdStatus::kFilled));
  EXPECT_EQ(out.fill_qty, 700);
  EXPECT_EQ(out.status, OrdStatus::kFilled);
  EXPECT_TRUE(out.became_terminal);
  EXPECT_EQ(store_.live_count(), 0u);
}

TEST_F(OrderStoreTest, fill_after_cancel_is_still_counted) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(trade(1, 400, 400, 10.0)).fill_qty, 400);
  ASSERT_TRUE(
      store_.apply(report(1, ExecKind::kCanceled, OrdStatus::kCanceled, 400)).became_terminal);
  ASSERT_EQ(store_.live_count(), 0u);

  ApplyOutcome out = store_.apply(trade(1, 600, 200, 11.0));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.fill_qty, 200);
  EXPECT_DOUBLE_EQ(out.fill_px, 11.0);
  EXPECT_FALSE(out.became_terminal);
  EXPECT_EQ(out.status, OrdStatus::kCanceled);  // never resurrected
  EXPECT_EQ(store_.find(1)->cum_qty, 600);
  EXPECT_NEAR(store_.find(1)->avg_px, (400.0 * 10.0 + 200.0 * 11.0) / 600.0, 1e-12);
  EXPECT_EQ(store_.live_count(), 0u);

  // The same late fill again is stale; a lower one too.
  EXPECT_EQ(store_.apply(trade(1, 600, 200, 11.0)).result, ApplyResult::kStale);
  EXPECT_EQ(store_.apply(trade(1, 500, 100, 11.0)).result, ApplyResult::kStale);
  // An overfill of a terminal order is still invalid.
  EXPECT_EQ(store_.apply(trade(1, 1200, 600, 11.0)).result, ApplyResult::kInvalid);
  EXPECT_EQ(store_.find(1)->cum_qty, 600);
  EXPECT_EQ(store_.live_count(), 0u);
}

TEST_F(OrderStoreTest, expired_order_is_terminal_with_its_fills) {
  add(1, 1000);
  ASSERT_EQ(store_.apply(trade(1, 100, 100, 10.0)).fill_qty, 100);
  const ApplyOutcome out = store_.apply(report(1, ExecKind::kExpired, OrdStatus::kExpired, 100));
  EXPECT_EQ(out.status, OrdStatus::kExpired);
  EXPECT_TRUE(out.became_terminal);
  EXPECT_EQ(store_.find(1)->cum_qty, 100);
  EXPECT_EQ(store_.live_count(), 0u);
}

TEST_F(OrderStoreTest, order_status_report_with_terminal_status_closes_order) {
  add(1, 1000);
  const ApplyOutcome out =
      store_.apply(report(1, ExecKind::kOrderStatus, OrdStatus::kCanceled, 300, 300, 9.5));
  EXPECT_EQ(out.fill_qty, 300);
  EXPECT_EQ(out.status, OrdStatus::kCanceled);
  EXPECT_TRUE(out.became_terminal);
  EXPECT_EQ(store_.live_count(), 0u);
}

TEST_F(OrderStoreTest, unknown_order_id_is_reported) {
  add(1);
  const ApplyOutcome out = store_.apply(trade(42, 10, 10, 1.0));
  EXPECT_EQ(out.result, ApplyResult::kUnknownOrder);
  EXPECT_EQ(out.fill_qty, 0);
  EXPECT_EQ(store_.find(42), nullptr);
  EXPECT_EQ(store_.find(0), nullptr);  // free slots carry id 0 and are never found
  EXPECT_EQ(store_.apply(trade(0, 10, 10, 1.0)).result, ApplyResult::kUnknownOrder);
  EXPECT_FALSE(store_.mark_cancel_requested(42));
  EXPECT_EQ(store_.find(1)->cum_qty, 0);
}

TEST(OrderStore, add_fails_when_all_slots_live_and_succeeds_after_one_terminates) {
  OrderStore store(2);
  ASSERT_NE(store.add(child(1, Side::kBuy, 100)), nullptr);
  ASSERT_NE(store.add(child(2, Side::kBuy, 100)), nullptr);
  EXPECT_EQ(store.live_count(), 2u);
  EXPECT_EQ(store.add(child(3, Side::kBuy, 100)), nullptr);
  EXPECT_EQ(store.live_count(), 2u);
  EXPECT_EQ(store.find(3), nullptr);

  // A partial fill does not free the slot.
  ASSERT_EQ(store.apply(trade(2, 50, 50, 1.0)).fill_qty, 50);
  EXPECT_EQ(store.add(child(3, Side::kBuy, 100)), nullptr);

  ASSERT_TRUE(store.apply(report(1, ExecKind::kRejected, OrdStatus::kRejected)).became_terminal);
  EXPECT_EQ(store.live_count(), 1u);
  ChildOrder* third = store.add(child(3, Side::kSell, 300));
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->status, OrdStatus::kPendingNew);
  EXPECT_EQ(third->qty, 300);
  EXPECT_EQ(store.live_count(), 2u);
  EXPECT_EQ(store.find(1), nullptr);  // its slot was reused
  EXPECT_EQ(store.find(3), third);
  EXPECT_EQ(store.find(2)->cum_qty, 50);
  EXPECT_EQ(store.add(child(4, Side::kBuy, 100)), nullptr);
}

TEST(OrderStore, add_prefers_free_slots_then_the_oldest_finished_order) {
  OrderStore store(3);
  ASSERT_NE(store.add(child(1, Side::kBuy, 100)), nullptr);
  ASSERT_NE(store.add(child(2, Side::kBuy, 100)), nullptr);
  ASSERT_TRUE(store.apply(report(1, ExecKind::kCanceled, OrdStatus::kCanceled)).became_terminal);

  // A free slot is used before the finished order's, so order 1 stays findable and a fill
  // reported after its cancel is still counted.
  ASSERT_NE(store.add(child(3, Side::kBuy, 100)), nullptr);
  ASSERT_NE(store.find(1), nullptr);
  const ApplyOutcome late = store.apply(trade(1, 40, 40, 1.0, OrdStatus::kCanceled));
  EXPECT_EQ(late.result, ApplyResult::kApplied);
  EXPECT_EQ(late.fill_qty, 40);

  // With no free slot left, the oldest finished order makes room first.
  ASSERT_TRUE(store.apply(report(3, ExecKind::kRejected, OrdStatus::kRejected)).became_terminal);
  ASSERT_TRUE(store.apply(report(2, ExecKind::kCanceled, OrdStatus::kCanceled)).became_terminal);
  ASSERT_NE(store.add(child(4, Side::kSell, 100)), nullptr);
  EXPECT_EQ(store.find(1), nullptr);
  EXPECT_NE(store.find(2), nullptr);
  EXPECT_NE(store.find(3), nullptr);
  ASSERT_NE(store.add(child(5, Side::kSell, 100)), nullptr);
  EXPECT_EQ(store.find(2), nullptr);
  EXPECT_NE(store.find(3), nullptr);
  EXPECT_EQ(store.live_count(), 2u);
  ASSERT_NE(store.add(child(6, Side::kSell, 100)), nullptr);  // order 3's slot, the last one
  EXPECT_EQ(store.find(3), nullptr);
  EXPECT_EQ(store.live_count(), 3u);
  EXPECT_EQ(store.add(child(7, Side::kSell, 100)), nullptr);
}

TEST(OrderStore, live_count_tracks_every_terminal_transition_once) {
  OrderStore store(4);
  for (OrderId id = 1; id <= 4; ++id) ASSERT_NE(store.add(child(id, Side::kBuy, 100)), nullptr);
  EXPECT_EQ(store.live_count(), 4u);

  ASSERT_TRUE(store.apply(trade(1, 100, 100, 1.0, OrdStatus::kFilled)).became_terminal);
  EXPECT_EQ(store.live_count(), 3u);
  ASSERT_TRUE(store.apply(report(2, ExecKind::kCanceled, OrdStatus::kCanceled)).became_terminal);
  EXPECT_EQ(store.live_count(), 2u);
  // Repeated terminal reports do not count again.
  EXPECT_FALSE(store.apply(report(2, ExecKind::kCanceled, OrdStatus::kCanceled)).became_terminal);
  EXPECT_FALSE(
      store.apply(report(1, ExecKind::kCanceled, OrdStatus::kCanceled, 100)).became_terminal);
  EXPECT_EQ(store.live_count(), 2u);
  ASSERT_TRUE(store.apply(report(3, ExecKind::kRejected, OrdStatus::kRejected)).became_terminal);
  ASSERT_TRUE(store.apply(report(4, ExecKind::kExpired, OrdStatus::kExpired)).became_terminal);
  EXPECT_EQ(store.live_count(), 0u);

  std::vector<OrderId> visited;
  store.for_each_live([&](ChildOrder& o) { visited.push_back(o.id); });
  EXPECT_TRUE(visited.empty());
}

TEST(OrderStore, for_each_live_visits_only_live_orders) {
  OrderStore store(4);
  ASSERT_NE(store.add(child(1, Side::kBuy, 100)), nullptr);
  ASSERT_NE(store.add(child(2, Side::kSell, 200)), nullptr);
  ASSERT_NE(store.add(child(3, Side::kSell, 300)), nullptr);
  ASSERT_TRUE(store.apply(report(2, ExecKind::kRejected, OrdStatus::kRejected)).became_terminal);
  ASSERT_EQ(store.apply(trade(3, 100, 100, 1.0)).fill_qty, 100);
  std::vector<OrderId> visited;
  std::int64_t working = 0;
  store.for_each_live([&](ChildOrder& o) {
    visited.push_back(o.id);
    working += o.signed_leaves();
  });
  EXPECT_EQ(visited, (std::vector<OrderId>{1, 3}));
  EXPECT_EQ(working, 100 - 200);
}

// The transition table: from each live state, what each kind of execution report (every FIX
// ExecType the gateway maps) leads to, for an order of 1000 with 400 filled where it matters.
TEST(OrderStoreTable, every_exec_type_from_every_live_state) {
  struct Row {
    OrdStatus from;
    ExecKind kind;
    OrdStatus reported;  // OrdStatus (39) on the report
    std::int64_t cum;    // CumQty on the report
    OrdStatus expected;
    bool terminal;
  };
  const Row rows[] = {
      {OrdStatus::kPendingNew, ExecKind::kNew, OrdStatus::kNew, 0, OrdStatus::kNew, false},
      {OrdStatus::kPendingNew, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 400,
       OrdStatus::kPartiallyFilled, false},
      {OrdStatus::kPendingNew, ExecKind::kRejected, OrdStatus::kRejected, 0, OrdStatus::kRejected,
       true},
      {OrdStatus::kNew, ExecKind::kTrade, OrdStatus::kFilled, 1000, OrdStatus::kFilled, true},
      {OrdStatus::kNew, ExecKind::kPendingCancel, OrdStatus::kPendingCancel, 0,
       OrdStatus::kPendingCancel, false},
      {OrdStatus::kNew, ExecKind::kCanceled, OrdStatus::kCanceled, 0, OrdStatus::kCanceled, true},
      {OrdStatus::kNew, ExecKind::kExpired, OrdStatus::kExpired, 0, OrdStatus::kExpired, true},
      {OrdStatus::kNew, ExecKind::kDoneForDay, OrdStatus::kDoneForDay, 0, OrdStatus::kDoneForDay,
       true},
      {OrdStatus::kNew, ExecKind::kPendingReplace, OrdStatus::kPendingReplace, 0, OrdStatus::kNew,
       false},
      {OrdStatus::kNew, ExecKind::kReplaced, OrdStatus::kNew, 0, OrdStatus::kNew, false},
      {OrdStatus::kNew, ExecKind::kRestated, OrdStatus::kNew, 0, OrdStatus::kNew, false},
      {OrdStatus::kNew, ExecKind::kOrderStatus, OrdStatus::kCanceled, 0, OrdStatus::kCanceled,
       true},
      {OrdStatus::kPartiallyFilled, ExecKind::kCanceled, OrdStatus::kCanceled, 400,
       OrdStatus::kCanceled, true},  // unsolicited cancel of the rest
      {OrdStatus::kPartiallyFilled, ExecKind::kDoneForDay, OrdStatus::kDoneForDay, 400,
       OrdStatus::kDoneForDay, true},
      {OrdStatus::kPartiallyFilled, ExecKind::kRestated, OrdStatus::kPartiallyFilled, 600,
       OrdStatus::kPartiallyFilled, false},  // a restatement can carry a fill we missed
      {OrdStatus::kPendingCancel, ExecKind::kCancelReject, OrdStatus::kNew, 0, OrdStatus::kNew,
       false},
      {OrdStatus::kPendingCancel, ExecKind::kTrade, OrdStatus::kPartiallyFilled, 400,
       OrdStatus::kPendingCancel, false},
      {OrdStatus::kPendingCancel, ExecKind::kCanceled, OrdStatus::kCanceled, 0,
       OrdStatus::kCanceled, true},
      {OrdStatus::kNew, ExecKind::kReplaceReject, OrdStatus::kNew, 0, OrdStatus::kNew, false},
      {OrdStatus::kPartiallyFilled, ExecKind::kReplaceReject, OrdStatus::kFilled, 1000,
       OrdStatus::kFilled, true},  // refused because it filled meanwhile
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(::testing::Message() << "from " << static_cast<int>(row.from) << " kind "
                                      << static_cast<int>(row.kind));
    OrderStore store(4);
    ChildOrder* o = store.add(child(1, Side::kBuy, 1000));
    ASSERT_NE(o, nullptr);
    // Bring the order to `from` with real reports.
    if (row.from != OrdStatus::kPendingNew) {
      store.apply(report(1, ExecKind::kNew, OrdStatus::kNew));
    }
    if (row.from == OrdStatus::kPartiallyFilled) store.apply(trade(1, 400, 400, 10.0));
    if (row.from == OrdStatus::kPendingCancel) {
      ASSERT_TRUE(store.mark_cancel_requested(1));
      store.apply(report(1, ExecKind::kPendingCancel, OrdStatus::kPendingCancel));
    }
    ASSERT_EQ(store.find(1)->status, row.from);
    const std::int64_t filled_before = store.find(1)->cum_qty;
    ExecReportEvent r = report(1, row.kind, row.reported, row.cum);
    r.exec_id.assign("E-table");
    if (row.kind == ExecKind::kTrade || row.cum > filled_before) {
      r.last_qty = row.cum - filled_before;
      r.last_px = 10.0;
    }
    const ApplyOutcome out = store.apply(r);
    EXPECT_EQ(store.find(1)->status, row.expected);
    EXPECT_EQ(out.became_terminal, row.terminal);
    EXPECT_EQ(is_terminal(store.find(1)->status), row.terminal);
    EXPECT_EQ(out.fill_qty, std::max<std::int64_t>(row.cum - filled_before, 0));
    EXPECT_EQ(store.live_count(), row.terminal ? 0u : 1u);
  }
}

// --- Cancel/replace ----------------------------------------------------------------------

TEST(OrderStoreReplace, replaced_report_applies_new_price_and_id_and_keeps_fills) {
  OrderStore store(4);
  ASSERT_NE(store.add(child(1, Side::kBuy, 1000)), nullptr);
  store.apply(report(1, ExecKind::kNew, OrdStatus::kNew));
  store.apply(trade(1, 300, 300, 100.0));
  ASSERT_TRUE(store.mark_replace_requested(1, 7, 1000, 10'005, 2'000));
  // Pending: a second replace or a cancel is refused until the venue answers.
  EXPECT_FALSE(store.mark_replace_requested(1, 8, 1000, 10'010, 2'001));
  EXPECT_EQ(store.find(7), store.find(1));
  EXPECT_EQ(store.find(1)->price_ticks, 10'000);
  // A fill under the old id before the replace is applied.
  EXPECT_EQ(store.apply(trade(1, 400, 100, 100.0)).fill_qty, 100);
  const ApplyOutcome out =
      store.apply(report(7, ExecKind::kReplaced, OrdStatus::kPartiallyFilled, 400));
  EXPECT_EQ(out.result, ApplyResult::kApplied);
  EXPECT_EQ(out.fill_qty, 0);
  const ChildOrder* o = store.find(7);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->id, 1u);
  EXPECT_EQ(o->wire_id, 7u);
  EXPECT_EQ(o->prev_wire_id, 1u);
  EXPECT_FALSE(o->replace_pending());
  EXPECT_EQ(o->price_ticks, 10'005);
  EXPECT_EQ(o->cum_qty, 400);
  EXPECT_EQ(o->status, OrdStatus::kPartiallyFilled);
  // The duplicate of the replace changes nothing; a fill under the new id counts once.
  EXPECT_EQ(store.apply(report(7, ExecKind::kReplaced, OrdStatus::kPartiallyFilled, 400)).result,
            ApplyResult::kStale);
  EXPECT_EQ(store.apply(trade(7, 1000, 600, 100.05, OrdStatus::kFilled)).fill_qty, 600);
  EXPECT_EQ(store.find(1)->status, OrdStatus::kFilled);
  EXPECT_EQ(store.live_count(), 0u);
}

TEST(OrderStoreReplace, replace_to_a_larger_total_accepts_cum_above_the_old_total) {
  OrderStore store(4);
  ASSERT_NE(store.add(child(1, Side::kSell, 500)), nullptr);
  store.apply(report(1, ExecKind::kNew, OrdStatus::kNew));
  ASSERT_TRUE(store.mark_replace_requested(1, 2, 800, 10'000, 5));
  // The venue fills 700 after applying the replace, and that report overtakes the Replaced.
  EXPECT_EQ(store.apply(trade(2, 700, 700, 100.0)).fill_qty, 700);
  store.apply(report(2, ExecKind::kReplaced, OrdStatus::kPartiallyFilled, 700));
  EXPECT_EQ(store.find(1)->qty, 800);
  EXPECT_EQ(store.find(1)->leaves_qty(), 100);
  // Without a pending replace the same report would be an overfill.
  OrderStore plain(4);
  ASSERT_NE(plain.add(child(1, Side::kSell, 500)), nullptr);
  EXPECT_EQ(plain.apply(trade(1, 700, 700, 100.0)).result, ApplyResult::kInvalid);
}

TEST(OrderStoreReplace, replace_reject_forgets_the_pending_replace) {
  OrderStore store(4);
  ASSERT_NE(store.add(child(1, Side::kBuy, 1000)), nullptr);
  store.apply(report(1, ExecKind::kNew, OrdStatus::kNew));
  ASSERT_TRUE(store.mark_replace_requested(1, 5, 1000, 10'001, 10));
  EXPECT_EQ(store.apply(report(1, ExecKind::kReplaceReject, OrdStatus::kNew)).result,
            ApplyResult::kApplied);
  const ChildOrder* o = store.find(1);
  EXPECT_FALSE(o->replace_pending());
  EXPECT_EQ(o->price_ticks, 10'000);
  EXPECT_EQ(o->wire_id, 1u);
  EXPECT_EQ(store.find(5), nullptr);  // the refused id is not the order's
  // Refused outright: a total at or below the filled quantity, or a finished order.
  store.apply(trade(1, 600, 600, 100.0));
  EXPECT_FALSE(store.mark_replace_requested(1, 6, 600, 10'001, 11));
  EXPECT_TRUE(store.mark_cancel_requested(1, 12));
  EXPECT_FALSE(store.mark_replace_requested(1, 6, 1000, 10'001, 13));
}

}  // namespace
}  // namespace hedged::execution
