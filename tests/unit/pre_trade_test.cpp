// Pre-trade checks: price band, quantity and notional caps, risk-reducing exemption, reference.
#include "core/risk/pre_trade.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace hedged::risk {
namespace {

PreTradeLimits limits(std::int64_t max_qty, double max_notional, double band_pct) {
  PreTradeLimits l;
  l.max_order_qty = max_qty;
  l.max_order_notional = max_notional;
  l.price_band_pct = band_pct;
  return l;
}

OrderCheck order(std::int64_t qty, double price, double reference, bool reduces_risk,
                 double multiplier = 1.0, Side side = Side::kBuy) {
  OrderCheck o;
  o.side = side;
  o.qty = qty;
  o.price = price;
  o.multiplier = multiplier;
  o.reference_price = reference;
  o.reduces_risk = reduces_risk;
  return o;
}

TEST(PreTrade, accepts_order_within_every_limit) {
  const PreTradeLimits l = limits(1000, 200'000.0, 5.0);
  EXPECT_EQ(check_order(l, order(1000, 100.01, 100.0, false)), CheckResult::kAccepted);
  EXPECT_EQ(check_order(l, order(1, 99.0, 100.0, false, 1.0, Side::kSell)), CheckResult::kAccepted);
}

TEST(PreTrade, price_band_rejects_far_price_even_when_reducing_risk) {
  const PreTradeLimits l = limits(0, 0.0, 5.0);
  EXPECT_EQ(check_order(l, order(10, 106.0, 100.0, true)), CheckResult::kRejectedPriceBand);
  EXPECT_EQ(check_order(l, order(10, 94.0, 100.0, true, 1.0, Side::kSell)),
            CheckResult::kRejectedPriceBand);
  EXPECT_EQ(check_order(l, order(10, 106.0, 100.0, false)), CheckResult::kRejectedPriceBand);
}

TEST(PreTrade, price_band_edge_is_inclusive) {
  const PreTradeLimits l = limits(0, 0.0, 5.0);
  EXPECT_EQ(check_order(l, order(10, 105.0, 100.0, false)), CheckResult::kAccepted);
  EXPECT_EQ(check_order(l, order(10, 95.0, 100.0, false)), CheckResult::kAccepted);
  EXPECT_EQ(check_order(l, order(10, 105.01, 100.0, false)), CheckResult::kRejectedPriceBand);
}

TEST(PreTrade, price_band_is_relative_to_reference) {
  const PreTradeLimits l = limits(0, 0.0, 1.0);
  // 0.5 away: 0.5% of 100 but 5% of 10.
  EXPECT_EQ(check_order(l, order(1, 100.5, 100.0, false)), CheckResult::kAccepted);
  EXPECT_EQ(check_order(l, order(1, 10.5, 10.0, false)), CheckResult::kRejectedPriceBand);
}

TEST(PreTrade, zero_price_band_disables_the_check) {
  const PreTradeLimits l = limits(0, 0.0, 0.0);
  EXPECT_EQ(check_order(l, order(10, 250.0, 100.0, false)), CheckResult::kAccepted);
}

TEST(PreTrade, max_qty_blocks_risk_adding_order) {
  const PreTradeLimits l = limits(500, 0.0, 0.0);
  EXPECT_EQ(check_order(l, order(500, 100.0, 100.0, false)), CheckResult::kAccepted);
  EXPECT_EQ(check_order(l, order(501, 100.0, 100.0, false)), CheckResult::kRejectedQuantity);
  EXPECT_EQ(check_order(l, order(501, 100.0, 100.0, false, 1.0, Side::kSell)),
            CheckResult::kRejectedQuantity);
}

TEST(PreTrade, max_qty_does_not_block_risk_reducing_order) {
  const PreTradeLimits l = limits(500, 0.0, 0.0);
  EXPECT_EQ(check_order(l, order(50'000, 100.0, 100.0, true)), CheckResult::kAccepted);
}

TEST(PreTrade, max_notional_blocks_risk_adding_order) {
  const PreTradeLimits l = limits(0, 100'000.0, 0.0);
  EXPECT_EQ(check_order(l, order(1000, 100.0, 100.0, false)), CheckResult::kAccepted);  // exactly
  EXPECT_EQ(check_order(l, order(1000, 100.01, 100.0, false)), CheckResult::kRejectedNotional);
  // The multiplier scales notional: 11 contracts x 100 x 100.0 = 110,000.
  EXPECT_EQ(check_order(l, order(10, 100.0, 100.0, false, 100.0)), CheckResult::kAccepted);
  EXPECT_EQ(check_order(l, order(11, 100.0, 100.0, false, 100.0)), CheckResult::kRejectedNotional);
}

TEST(PreTrade, max_notional_does_not_block_risk_reducing_order) {
  const PreTradeLimits l = limits(0, 100'000.0, 0.0);
  EXPECT_EQ(check_order(l, order(5000, 100.0, 100.0, true)), CheckResult::kAccepted);
}

TEST(PreTrade, quantity_is_checked_before_notional) {
  const PreTradeLimits l = limits(100, 1000.0, 0.0);
  EXPECT_EQ(check_order(l, order(200, 100.0, 100.0, false)), CheckResult::kRejectedQuantity);
  EXPECT_EQ(check_order(l, order(50, 100.0, 100.0, false)), CheckResult::kRejectedNotional);
}

TEST(PreTrade, missing_reference_price_is_rejected) {
  const PreTradeLimits l = limits(0, 0.0, 0.0);  // every other check disabled
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(check_order(l, order(10, 100.0, 0.0, false)), CheckResult::kRejectedNoReference);
  EXPECT_EQ(check_order(l, order(10, 100.0, -1.0, false)), CheckResult::kRejectedNoReference);
  EXPECT_EQ(check_order(l, order(10, 100.0, kNaN, false)), CheckResult::kRejectedNoReference);
  EXPECT_EQ(check_order(l, order(10, 100.0, kInf, false)), CheckResult::kRejectedNoReference);
  // Risk-reducing orders need a reference too.
  EXPECT_EQ(check_order(l, order(10, 100.0, 0.0, true)), CheckResult::kRejectedNoReference);
}

TEST(PreTrade, price_band_in_ticks_applies_with_the_percent_band) {
  PreTradeLimits l = limits(0, 0.0, 5.0);
  l.price_band_ticks = 10;
  OrderCheck o = order(10, 100.10, 100.0, false);
  o.tick_size = 0.01;
  EXPECT_EQ(check_order(l, o), CheckResult::kAccepted);  // exactly 10 ticks away
  o.price = 100.11;
  EXPECT_EQ(check_order(l, o), CheckResult::kRejectedPriceBand);  // 11 ticks, 0.11%: ticks bind
  o.reduces_risk = true;
  EXPECT_EQ(check_order(l, o), CheckResult::kRejectedPriceBand);  // reducing orders too
  o.tick_size = 0.0;  // no tick size known: only the percent band applies
  EXPECT_EQ(check_order(l, o), CheckResult::kAccepted);
}

TEST(PreTrade, position_cap_blocks_orders_that_grow_the_position_past_it) {
  PreTradeLimits l = limits(0, 0.0, 0.0);
  l.max_position = 1000;
  OrderCheck o = order(300, 100.0, 100.0, false);
  o.position = 700;
  EXPECT_EQ(check_order(l, o), CheckResult::kAccepted);  // to exactly 1000
  o.qty = 301;
  EXPECT_EQ(check_order(l, o), CheckResult::kRejectedPosition);
  o.reduces_risk = true;  // a cap on what is held applies to reducing orders as well
  EXPECT_EQ(check_order(l, o), CheckResult::kRejectedPosition);
  // An order that brings a position beyond the cap closer to zero is allowed.
  o.position = 1500;
  o.side = Side::kSell;
  o.qty = 200;
  EXPECT_EQ(check_order(l, o), CheckResult::kAccepted);
  // Selling through zero to beyond the cap on the other side is not.
  o.position = 100;
  o.qty = 1200;
  EXPECT_EQ(check_order(l, o), CheckResult::kRejectedPosition);
}

TEST(PreTrade, working_order_cap_applies_to_risk_adding_orders_only) {
  PreTradeLimits l = limits(0, 0.0, 0.0);
  l.max_working_orders = 3;
  OrderCheck o = order(10, 100.0, 100.0, false);
  o.working_orders = 2;
  EXPECT_EQ(check_order(l, o), CheckResult::kAccepted);
  o.working_orders = 3;
  EXPECT_EQ(check_order(l, o), CheckResult::kRejectedWorkingOrders);
  o.reduces_risk = true;
  EXPECT_EQ(check_order(l, o), CheckResult::kAccepted);
}

TEST(TokenBucket, allows_the_burst_then_the_rate) {
  TokenBucket bucket;
  bucket.configure(10.0, 3.0, 0);  // 10 per second, 3 deep, starts full
  EXPECT_TRUE(bucket.try_take(0));
  EXPECT_TRUE(bucket.try_take(0));
  EXPECT_TRUE(bucket.try_take(0));
  EXPECT_FALSE(bucket.try_take(0));
  EXPECT_FALSE(bucket.try_take(99 * kNanosPerMilli));  // 0.99 token earned
  EXPECT_TRUE(bucket.try_take(100 * kNanosPerMilli));  // one token per 100 ms
  EXPECT_FALSE(bucket.try_take(100 * kNanosPerMilli));
  // A long pause refills only up to the depth.
  EXPECT_NEAR(bucket.tokens(100 * kNanosPerSecond), 3.0, 1e-12);
}

TEST(TokenBucket, zero_rate_disables_it_and_default_depth_is_one_second) {
  TokenBucket off;
  off.configure(0.0, 0.0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(off.try_take(0));
  TokenBucket on;
  on.configure(5.0, 0.0, 0);  // depth defaults to one second's worth
  int taken = 0;
  while (on.try_take(0)) ++taken;
  EXPECT_EQ(taken, 5);
}

TEST(TokenBucket, reconfiguring_keeps_earned_tokens_within_the_new_depth) {
  TokenBucket bucket;
  bucket.configure(10.0, 10.0, 0);
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(bucket.try_take(0));  // 2 left
  bucket.configure(100.0, 5.0, 0);
  EXPECT_NEAR(bucket.tokens(0), 2.0, 1e-12);
  bucket.configure(100.0, 1.0, 0);
  EXPECT_NEAR(bucket.tokens(0), 1.0, 1e-12);
}

TEST(PreTrade, every_result_has_a_description_and_a_label) {
  for (std::size_t k = 0; k < kCheckResultCount; ++k) {
    const auto r = static_cast<CheckResult>(k);
    EXPECT_STRNE(to_string(r), "unknown");
    EXPECT_STRNE(check_label(r), "unknown");
  }
}

}  // namespace
}  // namespace hedged::risk
