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

TEST(PreTrade, every_result_has_a_description) {
  for (const CheckResult r :
       {CheckResult::kAccepted, CheckResult::kRejectedQuantity, CheckResult::kRejectedNotional,
        CheckResult::kRejectedPriceBand, CheckResult::kRejectedNoReference}) {
    EXPECT_STRNE(to_string(r), "unknown");
  }
}

}  // namespace
}  // namespace hedged::risk
