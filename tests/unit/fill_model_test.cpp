// The venue fill and cost model (core/sim/fill_model.hpp), against hand-computed numbers.
#include "core/sim/fill_model.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hedged::sim {
namespace {

TEST(FillModelTest, half_spread_is_half_the_quoted_bps_of_mid) {
  // 10 bp of 100 is 0.10; half of it each side.
  EXPECT_DOUBLE_EQ(half_spread_from_bps(100.0, 10.0), 0.05);
  EXPECT_EQ(half_spread_from_bps(100.0, 0.0), 0.0);
}

TEST(FillModelTest, square_root_impact_grows_with_the_root_of_the_participation) {
  // 10,000 of a 1,000,000 daily volume: sqrt(0.01) = 0.1, times the coefficient 0.1.
  EXPECT_DOUBLE_EQ(sqrt_impact_fraction(0.1, 10'000.0, 1e6), 0.01);
  // Four times the size, twice the impact.
  EXPECT_DOUBLE_EQ(sqrt_impact_fraction(0.1, 40'000.0, 1e6), 0.02);
  EXPECT_EQ(sqrt_impact_fraction(0.0, 10'000.0, 1e6), 0.0);
  EXPECT_EQ(sqrt_impact_fraction(0.1, 10'000.0, 0.0), 0.0);
}

TEST(FillModelTest, a_limit_within_a_tick_of_the_far_touch_takes_it) {
  // Bid 99.5, ask 100.5, tick 0.25 (exact in binary, so the one-tick edge is exact too).
  EXPECT_EQ(take_price(Side::kBuy, 100.5, 99.5, 100.5, 0.25), 100.5);
  EXPECT_EQ(take_price(Side::kBuy, 101.0, 99.5, 100.5, 0.25), 100.5);  // fills at the touch
  EXPECT_EQ(take_price(Side::kBuy, 100.3, 99.5, 100.5, 0.25), 100.5);  // less than a tick away
  EXPECT_FALSE(take_price(Side::kBuy, 100.25, 99.5, 100.5, 0.25));     // a full tick away: rests
  EXPECT_FALSE(take_price(Side::kBuy, 99.5, 99.5, 100.5, 0.25));
  EXPECT_EQ(take_price(Side::kSell, 99.5, 99.5, 100.5, 0.25), 99.5);
  EXPECT_EQ(take_price(Side::kSell, 99.7, 99.5, 100.5, 0.25), 99.5);
  EXPECT_FALSE(take_price(Side::kSell, 99.75, 99.5, 100.5, 0.25));
}

TEST(FillModelTest, a_resting_order_is_crossed_when_the_touch_reaches_its_limit) {
  EXPECT_TRUE(crossed(Side::kBuy, 100.0, 99.5, 100.0));
  EXPECT_TRUE(crossed(Side::kBuy, 100.0, 99.0, 99.5));
  EXPECT_FALSE(crossed(Side::kBuy, 99.99, 99.5, 100.0));
  EXPECT_TRUE(crossed(Side::kSell, 100.0, 100.0, 100.5));
  EXPECT_FALSE(crossed(Side::kSell, 100.0, 99.9, 100.5));
}

TEST(FillModelTest, costs_of_a_share_fill) {
  FillModelParams p;
  p.fee_per_unit = 0.005;
  p.fee_bps = 10.0;
  p.impact_coefficient = 0.1;
  p.daily_volume = 1e6;
  // 10,000 shares bought at 50.05 against a mid of 50.
  const FillCosts c = fill_costs(p, 10'000.0, 50.05, 50.0, 1.0);
  EXPECT_NEAR(c.notional, 500'500.0, 1e-6);
  EXPECT_NEAR(c.fee, 50.0 + 500.5, 1e-9);         // 0.005 x 10,000 + 10 bp of 500,500
  EXPECT_NEAR(c.impact, 500'500.0 * 0.01, 1e-6);  // 0.1 x sqrt(0.01) of the notional
  EXPECT_NEAR(c.spread, 10'000.0 * 0.05, 1e-6);   // 0.05 a share above the mid
}

TEST(FillModelTest, costs_of_an_option_fill_are_per_contract_and_on_premium) {
  FillModelParams p;
  p.fee_per_unit = 0.65;  // a contract
  p.fee_bps = 10.0;
  p.impact_coefficient = 0.1;
  p.daily_volume = 1e6;
  // 20 contracts of 100 sold at 2.40 against a mid of 2.50.
  const FillCosts c = fill_costs(p, 20.0, 2.40, 2.50, 100.0);
  EXPECT_NEAR(c.notional, 4'800.0, 1e-9);
  EXPECT_NEAR(c.fee, 13.0 + 4.8, 1e-9);
  EXPECT_NEAR(c.impact, 4'800.0 * 0.1 * std::sqrt(20.0 / 1e6), 1e-12);  // 2.1466...
  EXPECT_NEAR(c.impact, 2.146625258, 1e-9);
  EXPECT_NEAR(c.spread, 20.0 * 0.10 * 100.0, 1e-9);
}

TEST(FillModelTest, a_free_venue_charges_nothing_and_answers_at_once) {
  const FillModelParams p;
  const FillCosts c = fill_costs(p, 300.0, 10.0, 10.0, 1.0);
  EXPECT_EQ(c.notional, 3'000.0);
  EXPECT_EQ(c.fee, 0.0);
  EXPECT_EQ(c.impact, 0.0);
  EXPECT_EQ(c.spread, 0.0);
  EXPECT_EQ(answer_time(p, 1'000), 1'000);
  FillModelParams slow;
  slow.latency_ns = 5 * kNanosPerMilli;
  EXPECT_EQ(answer_time(slow, 1'000), 5'001'000);
}

}  // namespace
}  // namespace hedged::sim
