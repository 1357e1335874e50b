// Order book: price-time priority, partial fills and sweeps, IOC/FOK/market handling,
// self-trade prevention, cancel and replace, provider re-seeding and square-root impact.
#include "core/sim/order_book.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace hedged::sim {
namespace {

constexpr TimeNs kT0 = 1'700'000'000LL * kNanosPerSecond;
constexpr OwnerId kAlice = 1;
constexpr OwnerId kBob = 2;
constexpr OwnerId kCarol = 3;
constexpr OwnerId kDave = 4;

NewOrder limit(OrderId id, OwnerId owner, Side side, std::int64_t price_ticks, std::int64_t qty,
               TimeInForce tif = TimeInForce::kDay) {
  return {id, owner, side, OrderType::kLimit, tif, price_ticks, qty};
}

NewOrder market(OrderId id, OwnerId owner, Side side, std::int64_t qty,
                TimeInForce tif = TimeInForce::kIoc) {
  return {id, owner, side, OrderType::kMarket, tif, 0, qty};
}

OrderBookConfig config(StpPolicy stp = StpPolicy::kCancelResting, ImpactParams impact = {}) {
  OrderBookConfig c;
  c.tick_size = 0.01;
  c.stp = stp;
  c.impact = impact;
  return c;
}

class OrderBookTest : public ::testing::Test {
 protected:
  // Submits with fresh events and expects the book to accept the order.
  SubmitResult put(const NewOrder& order) {
    events.clear();
    const SubmitResult r = book.submit(kT0, order, events);
    EXPECT_EQ(r.status, SubmitStatus::kAccepted) << to_string(r.status);
    return r;
  }
  ReplaceResult amend(OrderId id, std::int64_t price_ticks, std::int64_t qty) {
    events.clear();
    return book.replace(kT0, id, price_ticks, qty, events);
  }

  OrderBook book{config()};
  BookEvents events;
};

TEST_F(OrderBookTest, rests_non_marketable_orders_and_aggregates_levels) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 10));
  put(limit(2, kBob, Side::kBuy, 10'000, 4));
  put(limit(3, kBob, Side::kBuy, 9'900, 5));
  put(limit(4, kCarol, Side::kSell, 10'200, 7));
  EXPECT_TRUE(events.fills.empty());
  EXPECT_EQ(book.resting_count(), 4u);

  ASSERT_TRUE(book.best_bid().has_value());
  EXPECT_EQ(book.best_bid()->price_ticks, 10'000);
  EXPECT_EQ(book.best_bid()->qty, 14);  // 10 + 4
  EXPECT_EQ(book.best_bid()->order_count, 2u);
  EXPECT_EQ(book.best_ask()->price_ticks, 10'200);
  EXPECT_EQ(book.best_ask()->qty, 7);

  std::vector<LevelView> bids;
  std::vector<LevelView> asks;
  book.depth(5, bids, asks);
  ASSERT_EQ(bids.size(), 2u);
  EXPECT_EQ(bids[1].price_ticks, 9'900);
  EXPECT_EQ(bids[1].qty, 5);
  ASSERT_EQ(asks.size(), 1u);
  EXPECT_DOUBLE_EQ(book.to_price(10'200), 102.0);
  EXPECT_EQ(book.to_ticks(101.999999), 10'200);
}

TEST_F(OrderBookTest, refuses_invalid_or_duplicate_orders) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 10));
  EXPECT_EQ(book.submit(kT0, limit(1, kBob, Side::kBuy, 9'000, 1), events).status,
            SubmitStatus::kDuplicateId);
  EXPECT_EQ(book.submit(kT0, limit(2, kBob, Side::kBuy, 9'000, 0), events).status,
            SubmitStatus::kInvalidQty);
  EXPECT_EQ(book.submit(kT0, limit(3, kBob, Side::kBuy, 0, 5), events).status,
            SubmitStatus::kInvalidPrice);
  EXPECT_EQ(
      book.submit(kT0, limit(kFirstProviderOrderId, kBob, Side::kBuy, 9'000, 5), events).status,
      SubmitStatus::kReservedId);
  EXPECT_EQ(book.resting_count(), 1u);
  EXPECT_TRUE(events.fills.empty());
  EXPECT_TRUE(events.cancellations.empty());
}

TEST_F(OrderBookTest, matches_best_price_first_then_fifo_within_a_level) {
  put(limit(1, kAlice, Side::kSell, 10'100, 5));
  put(limit(2, kBob, Side::kSell, 10'000, 5));
  put(limit(3, kCarol, Side::kSell, 10'000, 5));
  const SubmitResult r = put(limit(4, kDave, Side::kBuy, 10'100, 12));

  // 100.00 first (Bob before Carol: earlier arrival), then 2 of Alice's 5 at 101.00.
  ASSERT_EQ(events.fills.size(), 3u);
  EXPECT_EQ(events.fills[0].maker_id, 2u);
  EXPECT_EQ(events.fills[0].price_ticks, 10'000);
  EXPECT_EQ(events.fills[0].qty, 5);
  EXPECT_EQ(events.fills[0].taker_leaves, 7);
  EXPECT_EQ(events.fills[1].maker_id, 3u);
  EXPECT_EQ(events.fills[1].taker_leaves, 2);
  EXPECT_EQ(events.fills[2].maker_id, 1u);
  EXPECT_EQ(events.fills[2].price_ticks, 10'100);
  EXPECT_EQ(events.fills[2].qty, 2);
  EXPECT_EQ(events.fills[2].taker_leaves, 0);
  EXPECT_EQ(events.fills[2].maker_leaves, 3);
  EXPECT_EQ(events.fills[2].maker_cum, 2);
  // (5*10000 + 5*10000 + 2*10100) / 12 = 120200 / 12
  EXPECT_NEAR(events.fills[2].taker_avg_px_ticks, 120'200.0 / 12.0, 1e-9);
  EXPECT_EQ(events.fills[0].taker_owner, kDave);
  EXPECT_EQ(events.fills[0].maker_owner, kBob);
  EXPECT_EQ(events.fills[0].taker_side, Side::kBuy);
  EXPECT_LT(events.fills[0].seq, events.fills[1].seq);
  EXPECT_EQ(r.filled_qty, 12);
  EXPECT_EQ(r.resting_qty, 0);
  EXPECT_EQ(book.resting_count(), 1u);
  EXPECT_EQ(book.best_ask()->qty, 3);
}

TEST_F(OrderBookTest, partial_fill_leaves_both_sides_consistent) {
  put(limit(1, kAlice, Side::kSell, 10'000, 10));
  put(limit(2, kBob, Side::kBuy, 10'000, 4));
  ASSERT_EQ(events.fills.size(), 1u);
  EXPECT_EQ(events.fills[0].maker_leaves, 6);
  const auto maker = book.find(1);
  ASSERT_TRUE(maker.has_value());
  EXPECT_EQ(maker->leaves, 6);
  EXPECT_EQ(maker->cum, 4);
  EXPECT_EQ(maker->qty, 10);
  EXPECT_DOUBLE_EQ(maker->avg_px_ticks, 10'000.0);
  EXPECT_FALSE(book.find(2).has_value());  // filled: gone

  // A larger buy takes the 6 and rests its 9 as the best bid.
  const SubmitResult r = put(limit(3, kCarol, Side::kBuy, 10'000, 15));
  EXPECT_EQ(r.filled_qty, 6);
  EXPECT_EQ(r.resting_qty, 9);
  EXPECT_FALSE(book.best_ask().has_value());
  EXPECT_EQ(book.best_bid()->price_ticks, 10'000);
  EXPECT_EQ(book.best_bid()->qty, 9);
  EXPECT_EQ(book.find(3)->cum, 6);
}

TEST_F(OrderBookTest, sweeps_several_levels_at_the_volume_weighted_price) {
  for (int k = 0; k < 4; ++k) put(limit(1 + k, kAlice, Side::kSell, 10'000 + k, 3));
  const SubmitResult r = put(limit(10, kBob, Side::kBuy, 10'002, 8));
  // 3 @ 10000, 3 @ 10001, 2 @ 10002: (30000 + 30003 + 20004) / 8 = 80007 / 8 = 10000.875
  ASSERT_EQ(events.fills.size(), 3u);
  EXPECT_EQ(r.filled_qty, 8);
  EXPECT_DOUBLE_EQ(events.fills.back().taker_avg_px_ticks, 10'000.875);
  EXPECT_EQ(book.best_ask()->price_ticks, 10'002);
  EXPECT_EQ(book.best_ask()->qty, 1);
  EXPECT_FALSE(book.best_bid().has_value());
}

TEST_F(OrderBookTest, ioc_cancels_its_unfilled_remainder) {
  put(limit(1, kAlice, Side::kSell, 10'000, 3));
  const SubmitResult r = put(limit(2, kBob, Side::kBuy, 10'100, 5, TimeInForce::kIoc));
  EXPECT_EQ(r.filled_qty, 3);
  EXPECT_EQ(r.canceled_qty, 2);
  ASSERT_EQ(events.fills.size(), 1u);
  EXPECT_EQ(events.fills[0].taker_leaves, 2);  // before the remainder is canceled
  ASSERT_EQ(events.cancellations.size(), 1u);
  const Cancellation& c = events.cancellations[0];
  EXPECT_EQ(c.id, 2u);
  EXPECT_EQ(c.canceled_qty, 2);
  EXPECT_EQ(c.cum, 3);
  EXPECT_DOUBLE_EQ(c.avg_px_ticks, 10'000.0);
  EXPECT_EQ(c.reason, CancelReason::kUnfilledRemainder);
  EXPECT_GT(c.seq, events.fills[0].seq);
  EXPECT_EQ(book.resting_count(), 0u);

  // Not marketable at all: canceled whole.
  put(limit(3, kAlice, Side::kSell, 10'500, 3));
  const SubmitResult none = put(limit(4, kBob, Side::kBuy, 10'400, 5, TimeInForce::kIoc));
  EXPECT_EQ(none.filled_qty, 0);
  EXPECT_EQ(none.canceled_qty, 5);
  EXPECT_EQ(book.resting_count(), 1u);
}

TEST_F(OrderBookTest, fok_fills_in_full_when_the_liquidity_is_there) {
  put(limit(1, kAlice, Side::kSell, 10'000, 3));
  put(limit(2, kBob, Side::kSell, 10'100, 4));
  const SubmitResult r = put(limit(3, kCarol, Side::kBuy, 10'100, 7, TimeInForce::kFok));
  EXPECT_EQ(r.filled_qty, 7);  // 3 + 4 exactly
  EXPECT_EQ(r.canceled_qty, 0);
  EXPECT_EQ(events.fills.size(), 2u);
  EXPECT_TRUE(events.cancellations.empty());
  EXPECT_EQ(book.resting_count(), 0u);
}

TEST_F(OrderBookTest, fok_kills_without_trading_when_short) {
  put(limit(1, kAlice, Side::kSell, 10'000, 3));
  put(limit(2, kBob, Side::kSell, 10'100, 4));
  put(limit(3, kBob, Side::kSell, 10'200, 10));  // beyond the limit: does not count
  const SubmitResult r = put(limit(4, kCarol, Side::kBuy, 10'100, 8, TimeInForce::kFok));
  EXPECT_EQ(r.filled_qty, 0);  // 3 + 4 = 7 < 8 within the limit
  EXPECT_EQ(r.canceled_qty, 8);
  EXPECT_TRUE(events.fills.empty());
  ASSERT_EQ(events.cancellations.size(), 1u);
  EXPECT_EQ(events.cancellations[0].reason, CancelReason::kFillOrKill);
  EXPECT_EQ(events.cancellations[0].canceled_qty, 8);
  EXPECT_EQ(book.best_ask()->qty, 3);  // untouched
  EXPECT_EQ(book.resting_count(), 3u);
}

TEST_F(OrderBookTest, fok_does_not_count_own_orders_it_could_not_trade_with) {
  put(limit(1, kAlice, Side::kSell, 10'000, 5));
  put(limit(2, kBob, Side::kSell, 10'100, 3));
  // 8 rest within the limit but 5 are Alice's own: only 3 tradable, so the 5-lot FOK dies and
  // her resting order is left alone.
  const SubmitResult r = put(limit(3, kAlice, Side::kBuy, 10'100, 5, TimeInForce::kFok));
  EXPECT_EQ(r.filled_qty, 0);
  ASSERT_EQ(events.cancellations.size(), 1u);
  EXPECT_EQ(events.cancellations[0].id, 3u);
  EXPECT_TRUE(book.find(1).has_value());
  EXPECT_EQ(book.resting_count(), 2u);
}

TEST_F(OrderBookTest, market_order_into_empty_side_is_canceled_with_no_fill) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 5));  // only the other side has orders
  const SubmitResult r = put(market(2, kBob, Side::kBuy, 10, TimeInForce::kDay));
  EXPECT_EQ(r.filled_qty, 0);
  EXPECT_EQ(r.canceled_qty, 10);
  EXPECT_EQ(r.resting_qty, 0);
  EXPECT_TRUE(events.fills.empty());
  ASSERT_EQ(events.cancellations.size(), 1u);
  EXPECT_EQ(events.cancellations[0].reason, CancelReason::kUnfilledRemainder);
  EXPECT_EQ(events.cancellations[0].cum, 0);
  EXPECT_FALSE(book.find(2).has_value());
}

TEST_F(OrderBookTest, market_order_into_thin_book_takes_all_and_never_rests) {
  put(limit(1, kAlice, Side::kSell, 10'000, 2));
  put(limit(2, kBob, Side::kSell, 10'500, 3));
  const SubmitResult r = put(market(3, kCarol, Side::kBuy, 10, TimeInForce::kDay));
  // 2 @ 10000 + 3 @ 10500 = 51500 over 5; 5 canceled
  EXPECT_EQ(r.filled_qty, 5);
  EXPECT_EQ(r.canceled_qty, 5);
  ASSERT_EQ(events.fills.size(), 2u);
  EXPECT_EQ(events.fills[1].price_ticks, 10'500);
  EXPECT_DOUBLE_EQ(events.cancellations.at(0).avg_px_ticks, 10'300.0);
  EXPECT_EQ(book.resting_count(), 0u);
}

TEST_F(OrderBookTest, client_orders_trade_with_each_other) {
  put(limit(1, kAlice, Side::kSell, 10'000, 5));
  put(limit(2, kBob, Side::kBuy, 10'050, 5));
  ASSERT_EQ(events.fills.size(), 1u);
  const Fill& f = events.fills[0];
  EXPECT_EQ(f.taker_id, 2u);
  EXPECT_EQ(f.maker_id, 1u);
  EXPECT_EQ(f.taker_owner, kBob);
  EXPECT_EQ(f.maker_owner, kAlice);
  EXPECT_EQ(f.price_ticks, 10'000);  // the maker's price, not the taker's 10050
  EXPECT_EQ(f.qty, 5);
}

TEST_F(OrderBookTest, stp_cancel_resting_removes_own_order_and_keeps_matching) {
  put(limit(1, kAlice, Side::kSell, 10'000, 5));
  put(limit(2, kBob, Side::kSell, 10'000, 5));
  const SubmitResult r = put(limit(3, kAlice, Side::kBuy, 10'000, 6));
  ASSERT_EQ(events.cancellations.size(), 1u);
  EXPECT_EQ(events.cancellations[0].id, 1u);
  EXPECT_EQ(events.cancellations[0].owner, kAlice);
  EXPECT_EQ(events.cancellations[0].canceled_qty, 5);
  EXPECT_EQ(events.cancellations[0].reason, CancelReason::kSelfTradeResting);
  ASSERT_EQ(events.fills.size(), 1u);
  EXPECT_EQ(events.fills[0].maker_id, 2u);
  EXPECT_EQ(events.fills[0].qty, 5);
  EXPECT_LT(events.cancellations[0].seq, events.fills[0].seq);
  EXPECT_EQ(r.filled_qty, 5);
  EXPECT_EQ(r.resting_qty, 1);
  EXPECT_FALSE(book.best_ask().has_value());
  EXPECT_EQ(book.best_bid()->qty, 1);
}

TEST(OrderBookStp, cancel_incoming_stops_at_own_order_and_keeps_earlier_fills) {
  OrderBook book(config(StpPolicy::kCancelIncoming));
  BookEvents events;
  (void)book.submit(kT0, limit(1, kBob, Side::kSell, 10'000, 3), events);
  (void)book.submit(kT0, limit(2, kAlice, Side::kSell, 10'000, 5), events);
  (void)book.submit(kT0, limit(3, kCarol, Side::kSell, 10'100, 5), events);
  events.clear();
  const SubmitResult r = book.submit(kT0, limit(4, kAlice, Side::kBuy, 10'100, 10), events);
  // Bob's 3 trade; Alice's own order is next: her remainder of 7 is canceled.
  EXPECT_EQ(r.filled_qty, 3);
  EXPECT_EQ(r.canceled_qty, 7);
  EXPECT_EQ(r.resting_qty, 0);
  ASSERT_EQ(events.fills.size(), 1u);
  EXPECT_EQ(events.fills[0].maker_id, 1u);
  ASSERT_EQ(events.cancellations.size(), 1u);
  EXPECT_EQ(events.cancellations[0].id, 4u);
  EXPECT_EQ(events.cancellations[0].canceled_qty, 7);
  EXPECT_EQ(events.cancellations[0].cum, 3);
  EXPECT_EQ(events.cancellations[0].reason, CancelReason::kSelfTradeIncoming);
  EXPECT_EQ(book.find(2)->leaves, 5);  // Alice's resting order untouched
  EXPECT_EQ(book.find(3)->leaves, 5);
}

TEST_F(OrderBookTest, cancel_removes_the_order_and_refuses_unknown_ids) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 10));
  put(limit(2, kBob, Side::kSell, 10'000, 4));  // Alice's order now has 6 open, 4 filled
  events.clear();
  EXPECT_EQ(book.cancel(1, events), CancelStatus::kCanceled);
  ASSERT_EQ(events.cancellations.size(), 1u);
  EXPECT_EQ(events.cancellations[0].canceled_qty, 6);
  EXPECT_EQ(events.cancellations[0].cum, 4);
  EXPECT_EQ(events.cancellations[0].reason, CancelReason::kRequested);
  EXPECT_FALSE(book.best_bid().has_value());
  EXPECT_EQ(book.resting_count(), 0u);
  EXPECT_EQ(book.cancel(1, events), CancelStatus::kUnknownOrder);
  EXPECT_EQ(book.cancel(99, events), CancelStatus::kUnknownOrder);
  EXPECT_EQ(events.cancellations.size(), 1u);
}

TEST_F(OrderBookTest, replace_to_lower_qty_keeps_queue_place) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 10));
  put(limit(2, kBob, Side::kBuy, 10'000, 10));
  const ReplaceResult r = amend(1, 10'000, 4);
  EXPECT_EQ(r.status, ReplaceStatus::kReplaced);
  EXPECT_TRUE(r.priority_kept);
  EXPECT_EQ(r.resting_qty, 4);
  EXPECT_EQ(book.best_bid()->qty, 14);
  put(limit(3, kCarol, Side::kSell, 10'000, 5));
  ASSERT_EQ(events.fills.size(), 2u);
  EXPECT_EQ(events.fills[0].maker_id, 1u);  // still first
  EXPECT_EQ(events.fills[0].qty, 4);
  EXPECT_EQ(events.fills[1].maker_id, 2u);
  EXPECT_EQ(events.fills[1].qty, 1);
}

TEST_F(OrderBookTest, replace_to_higher_qty_loses_queue_place) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 10));
  put(limit(2, kBob, Side::kBuy, 10'000, 10));
  const ReplaceResult r = amend(1, 10'000, 15);
  EXPECT_EQ(r.status, ReplaceStatus::kReplaced);
  EXPECT_FALSE(r.priority_kept);
  EXPECT_EQ(book.best_bid()->qty, 25);
  EXPECT_EQ(book.find(1)->qty, 15);
  put(limit(3, kCarol, Side::kSell, 10'000, 5));
  ASSERT_EQ(events.fills.size(), 1u);
  EXPECT_EQ(events.fills[0].maker_id, 2u);
}

TEST_F(OrderBookTest, replace_to_new_price_loses_queue_place) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 10));
  put(limit(2, kBob, Side::kBuy, 10'000, 10));
  EXPECT_FALSE(amend(1, 9'990, 10).priority_kept);
  EXPECT_EQ(book.best_bid()->order_count, 1u);
  EXPECT_FALSE(amend(1, 10'000, 10).priority_kept);  // back to 100.00, behind Bob now
  put(limit(3, kCarol, Side::kSell, 10'000, 12));
  ASSERT_EQ(events.fills.size(), 2u);
  EXPECT_EQ(events.fills[0].maker_id, 2u);
  EXPECT_EQ(events.fills[0].qty, 10);
  EXPECT_EQ(events.fills[1].maker_id, 1u);
  EXPECT_EQ(events.fills[1].qty, 2);
}

TEST_F(OrderBookTest, replace_to_marketable_price_trades_at_once) {
  put(limit(1, kCarol, Side::kSell, 10'100, 4));
  put(limit(2, kAlice, Side::kBuy, 10'000, 10));
  const ReplaceResult r = amend(2, 10'100, 10);
  EXPECT_EQ(r.status, ReplaceStatus::kReplaced);
  EXPECT_EQ(r.filled_qty, 4);
  EXPECT_EQ(r.resting_qty, 6);
  ASSERT_EQ(events.fills.size(), 1u);
  EXPECT_EQ(events.fills[0].taker_id, 2u);
  EXPECT_EQ(events.fills[0].maker_id, 1u);
  EXPECT_EQ(events.fills[0].price_ticks, 10'100);
  EXPECT_EQ(book.best_bid()->price_ticks, 10'100);
  EXPECT_EQ(book.best_bid()->qty, 6);
  EXPECT_FALSE(book.best_ask().has_value());
}

TEST_F(OrderBookTest, replace_refuses_qty_not_above_filled_and_unknown_orders) {
  put(limit(1, kAlice, Side::kBuy, 10'000, 10));
  put(limit(2, kBob, Side::kSell, 10'000, 4));  // 4 filled, 6 open
  EXPECT_EQ(amend(1, 10'000, 4).status, ReplaceStatus::kQtyNotAboveCum);
  EXPECT_EQ(amend(1, 10'000, 3).status, ReplaceStatus::kQtyNotAboveCum);
  EXPECT_EQ(amend(1, 0, 8).status, ReplaceStatus::kInvalidPrice);
  EXPECT_EQ(amend(77, 10'000, 8).status, ReplaceStatus::kUnknownOrder);
  EXPECT_EQ(book.find(1)->leaves, 6);
  EXPECT_TRUE(events.fills.empty());

  const ReplaceResult r = amend(1, 10'000, 5);  // total 5 with 4 filled: 1 open
  EXPECT_EQ(r.status, ReplaceStatus::kReplaced);
  EXPECT_TRUE(r.priority_kept);
  EXPECT_EQ(book.find(1)->leaves, 1);
  EXPECT_EQ(book.best_bid()->qty, 1);
}

TEST_F(OrderBookTest, cancel_all_cancels_one_owners_orders_best_first) {
  put(limit(1, kAlice, Side::kBuy, 9'900, 1));
  put(limit(2, kAlice, Side::kBuy, 10'000, 2));
  put(limit(3, kBob, Side::kBuy, 10'000, 3));
  put(limit(4, kAlice, Side::kSell, 10'100, 4));
  events.clear();
  EXPECT_EQ(book.cancel_all(kAlice, events), 3u);
  ASSERT_EQ(events.cancellations.size(), 3u);
  EXPECT_EQ(events.cancellations[0].id, 2u);  // best bid first
  EXPECT_EQ(events.cancellations[1].id, 1u);
  EXPECT_EQ(events.cancellations[2].id, 4u);
  EXPECT_EQ(book.resting_count(), 1u);
  EXPECT_TRUE(book.find(3).has_value());
  std::vector<OrderId> left;
  book.orders_of(kAlice, left);
  EXPECT_TRUE(left.empty());
  EXPECT_EQ(book.cancel_all(kAlice, events), 0u);
}

TEST_F(OrderBookTest, set_fair_quotes_levels_rounded_outward_with_sizes) {
  LiquidityShape shape;
  shape.half_spread = 0.015;
  shape.level_size = 100;
  shape.levels = 3;
  shape.size_growth = 2.0;
  shape.depth_multiplier = 0.5;
  events.clear();
  book.set_fair(kT0, 100.0, shape, events);
  // bid 99.985 -> floor 9998, ask 100.015 -> ceil 10002; sizes 100*0.5*2^k = 50, 100, 200
  std::vector<LevelView> bids;
  std::vector<LevelView> asks;
  book.depth(10, bids, asks);
  ASSERT_EQ(bids.size(), 3u);
  ASSERT_EQ(asks.size(), 3u);
  EXPECT_EQ(bids[0].price_ticks, 9'998);
  EXPECT_EQ(bids[2].price_ticks, 9'996);
  EXPECT_EQ(asks[0].price_ticks, 10'002);
  EXPECT_EQ(asks[2].price_ticks, 10'004);
  EXPECT_EQ(bids[0].qty, 50);
  EXPECT_EQ(bids[1].qty, 100);
  EXPECT_EQ(asks[2].qty, 200);
  EXPECT_TRUE(events.fills.empty());

  // Re-seeding replaces the quotes: a flash crash at a tenth of the depth, 2-tick spacing,
  // a half-spread that lands exactly on ticks (99.98 and 100.02 stay 9998 and 10002).
  shape.half_spread = 0.02;
  shape.depth_multiplier = 0.1;
  shape.size_growth = 1.0;
  shape.level_size = 1'000;
  shape.level_spacing_ticks = 2;
  book.set_fair(kT0, 100.0, shape, events);
  bids.clear();
  asks.clear();
  book.depth(10, bids, asks);
  ASSERT_EQ(bids.size(), 3u);
  EXPECT_EQ(bids[0].price_ticks, 9'998);
  EXPECT_EQ(bids[1].price_ticks, 9'996);
  EXPECT_EQ(asks[0].price_ticks, 10'002);
  EXPECT_EQ(asks[2].price_ticks, 10'006);
  EXPECT_EQ(asks[0].qty, 100);  // 1000 * 0.1
  EXPECT_EQ(book.resting_count(), 6u);

  // Lots: 30 shares in lots of 100 rounds to one lot, never to nothing.
  shape.level_size = 300;
  shape.lot_size = 100;
  book.set_fair(kT0, 100.0, shape, events);
  EXPECT_EQ(book.best_bid()->qty, 100);
}

TEST_F(OrderBookTest, reseed_keeps_client_priority_at_equal_price) {
  LiquidityShape shape;
  shape.half_spread = 0.02;
  shape.level_size = 100;
  shape.levels = 2;
  book.set_fair(kT0, 100.0, shape, events);      // bids 9998, 9997
  put(limit(1, kAlice, Side::kBuy, 9'998, 10));  // behind the provider's 100
  book.set_fair(kT0, 100.0, shape, events);      // the fresh provider order joins behind Alice
  EXPECT_EQ(book.best_bid()->qty, 110);
  const SubmitResult r = put(market(2, kBob, Side::kSell, 50));
  EXPECT_EQ(r.filled_qty, 50);
  ASSERT_EQ(events.fills.size(), 2u);
  EXPECT_EQ(events.fills[0].maker_owner, kAlice);
  EXPECT_EQ(events.fills[0].qty, 10);
  EXPECT_EQ(events.fills[1].maker_owner, kLiquidityProvider);
  EXPECT_GE(events.fills[1].maker_id, kFirstProviderOrderId);
  EXPECT_EQ(events.fills[1].qty, 40);
}

TEST(OrderBookReseed, fills_crossed_client_orders_at_the_client_limit) {
  ImpactParams impact;
  impact.permanent_impact = 0.1;
  impact.temporary_impact = 0.5;
  impact.daily_volume = 1e6;
  OrderBook book(config(StpPolicy::kCancelResting, impact));
  BookEvents events;
  LiquidityShape shape;
  shape.half_spread = 0.02;
  shape.level_size = 100;
  shape.levels = 3;
  book.set_fair(kT0, 100.0, shape, events);  // asks 10002.., bids 9998..
  (void)book.submit(kT0, limit(1, kAlice, Side::kBuy, 10'001, 150), events);
  EXPECT_TRUE(events.fills.empty());  // inside the spread: best bid

  events.clear();
  book.set_fair(kT0, 99.95, shape, events);
  // New asks 99.97 / 99.98 / 99.99 (9997, 9998, 9999) x 100, bids from 99.93 (9993).
  // Ask 9997 trades 100 with Alice at her 10001, ask 9998 trades her last 50; 50 of it rests.
  ASSERT_EQ(events.fills.size(), 2u);
  for (const Fill& f : events.fills) {
    EXPECT_EQ(f.price_ticks, 10'001);
    EXPECT_EQ(f.maker_id, 1u);
    EXPECT_EQ(f.maker_owner, kAlice);
    EXPECT_EQ(f.taker_owner, kLiquidityProvider);
    EXPECT_EQ(f.taker_side, Side::kSell);
  }
  EXPECT_EQ(events.fills[0].qty, 100);
  EXPECT_EQ(events.fills[0].maker_leaves, 50);
  EXPECT_EQ(events.fills[1].qty, 50);
  EXPECT_EQ(events.fills[1].maker_leaves, 0);
  EXPECT_EQ(events.fills[1].maker_cum, 150);
  EXPECT_FALSE(book.find(1).has_value());
  EXPECT_EQ(book.best_ask()->price_ticks, 9'998);
  EXPECT_EQ(book.best_ask()->qty, 50);
  EXPECT_EQ(book.best_bid()->price_ticks, 9'993);
  // The provider took the other side: no client-initiated volume, no impact.
  EXPECT_EQ(book.impact(kT0).total(), 0.0);
}

TEST(OrderBookImpact, square_root_offsets_and_temporary_half_life) {
  ImpactParams impact;
  impact.permanent_impact = 0.1;
  impact.temporary_impact = 0.5;
  impact.daily_volume = 1e6;
  impact.temporary_half_life_s = 60.0;
  OrderBook book(config(StpPolicy::kCancelResting, impact));
  BookEvents events;
  LiquidityShape shape;
  shape.half_spread = 0.02;
  shape.level_size = 10'000;
  shape.levels = 5;
  book.set_fair(kT0, 100.0, shape, events);

  const SubmitResult r = book.submit(kT0, market(1, kBob, Side::kBuy, 10'000), events);
  ASSERT_EQ(r.filled_qty, 10'000);
  // sqrt(10000 / 1e6) = 0.1: permanent 0.1 * 0.1 * 100 = 1.0, temporary 0.5 * 0.1 * 100 = 5.0
  EXPECT_NEAR(book.impact(kT0).permanent, 1.0, 1e-12);
  EXPECT_NEAR(book.impact(kT0).temporary, 5.0, 1e-12);
  const TimeNs one_half_life = kT0 + 60 * kNanosPerSecond;
  EXPECT_NEAR(book.impact(one_half_life).temporary, 2.5, 1e-12);
  EXPECT_NEAR(book.impact(kT0 + 120 * kNanosPerSecond).temporary, 1.25, 1e-12);
  EXPECT_NEAR(book.impact(one_half_life).permanent, 1.0, 1e-12);

  // The next reseed centres on 100 + 1 + 2.5 = 103.5: bid 103.48, ask 103.52.
  book.set_fair(one_half_life, 100.0, shape, events);
  EXPECT_EQ(book.best_bid()->price_ticks, 10'348);
  EXPECT_EQ(book.best_ask()->price_ticks, 10'352);

  // Selling 2500: sqrt(0.0025) = 0.05; permanent 1.0 - 0.1*0.05*100 = 0.5,
  // temporary 2.5 - 0.5*0.05*100 = 0.
  (void)book.submit(one_half_life, market(2, kBob, Side::kSell, 2'500), events);
  EXPECT_NEAR(book.impact(one_half_life).permanent, 0.5, 1e-12);
  EXPECT_NEAR(book.impact(one_half_life).temporary, 0.0, 1e-12);
}

TEST(OrderBookImpact, zero_coefficients_mean_no_impact) {
  OrderBook book(config());
  BookEvents events;
  LiquidityShape shape;
  shape.level_size = 1'000;
  book.set_fair(kT0, 50.0, shape, events);
  (void)book.submit(kT0, market(1, kBob, Side::kBuy, 3'000), events);
  EXPECT_EQ(book.impact(kT0).permanent, 0.0);
  EXPECT_EQ(book.impact(kT0).temporary, 0.0);
  // The sweep itself moved the book: 3000 took the first three 1000-lots (ask 5001..5003).
  EXPECT_EQ(book.best_ask()->price_ticks, 5'004);
  book.set_fair(kT0, 50.0, shape, events);  // depth comes back, same place
  EXPECT_EQ(book.best_ask()->price_ticks, 5'001);
  EXPECT_EQ(book.best_ask()->qty, 1'000);
}

}  // namespace
}  // namespace hedged::sim
