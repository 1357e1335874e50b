// Delta band hedge policy: the no-trade band, lot rounding, minimum size and in-flight orders.
#include "core/hedging/delta_band.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

namespace hedged::hedging {
namespace {

DeltaBandPolicy policy(double band, std::int64_t lot = 1, std::int64_t min_trade = 1) {
  DeltaBandPolicy p;
  p.band_delta_shares = band;
  p.lot_size = lot;
  p.min_trade_qty = min_trade;
  return p;
}

HedgeInputs inputs(double options_delta, std::int64_t position = 0, std::int64_t working = 0) {
  HedgeInputs in;
  in.portfolio_delta_shares = options_delta;
  in.hedge_position = position;
  in.working_qty = working;
  return in;
}

TEST(DeltaBand, net_delta_sums_options_position_and_working) {
  EXPECT_DOUBLE_EQ(net_delta_shares(inputs(1234.5, -300, -400)), 534.5);
  EXPECT_DOUBLE_EQ(net_delta_shares(inputs(-10.25, 7, 3)), -0.25);
}

TEST(DeltaBand, stays_flat_inside_band) {
  const DeltaBandPolicy p = policy(500.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(0.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(300.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-499.9)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(2000.0, -1700)), 0);  // net 300
}

TEST(DeltaBand, stays_flat_exactly_at_band_edge) {
  const DeltaBandPolicy p = policy(500.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(500.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-500.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1000.0, -500)), 0);
}

TEST(DeltaBand, sells_long_delta_back_to_zero) {
  const DeltaBandPolicy p = policy(100.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(500.01)), -500);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1234.4)), -1234);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1234.6)), -1235);
}

TEST(DeltaBand, buys_short_delta_back_to_zero) {
  const DeltaBandPolicy p = policy(100.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-777.2)), 777);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-100.5)), 101);
}

TEST(DeltaBand, counts_filled_hedge_position) {
  const DeltaBandPolicy p = policy(100.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1000.0, -600)), -400);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1000.0, -1300)), 300);  // over-hedged: buy back
}

TEST(DeltaBand, rounds_to_nearest_lot) {
  const DeltaBandPolicy p = policy(100.0, 100);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1249.0)), -1200);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1251.0)), -1300);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-860.0)), 900);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-149.0)), 100);
  // Residual after the trade is at most half a lot.
  for (double delta = 101.0; delta < 5000.0; delta += 37.3) {
    const std::int64_t qty = decide_hedge_qty(p, inputs(delta));
    EXPECT_EQ(qty % 100, 0) << delta;
    EXPECT_LE(std::abs(delta + static_cast<double>(qty)), 50.0) << delta;
  }
}

TEST(DeltaBand, rounds_to_zero_lots_when_outside_band_by_less_than_half_a_lot) {
  const DeltaBandPolicy p = policy(10.0, 100);
  EXPECT_EQ(decide_hedge_qty(p, inputs(40.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-49.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(51.0)), -100);
}

TEST(DeltaBand, treats_non_positive_lot_as_one) {
  EXPECT_EQ(decide_hedge_qty(policy(10.0, 0), inputs(123.4)), -123);
  EXPECT_EQ(decide_hedge_qty(policy(10.0, -5), inputs(-123.6)), 124);
}

TEST(DeltaBand, min_trade_qty_suppresses_small_trades) {
  const DeltaBandPolicy p = policy(10.0, 1, 50);
  EXPECT_EQ(decide_hedge_qty(p, inputs(40.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-49.4)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(50.0)), -50);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-60.0)), 60);

  const DeltaBandPolicy lots = policy(100.0, 100, 200);
  EXPECT_EQ(decide_hedge_qty(lots, inputs(140.0)), 0);  // one lot is below the minimum
  EXPECT_EQ(decide_hedge_qty(lots, inputs(160.0)), -200);
}

TEST(DeltaBand, working_buy_that_covers_delta_means_no_new_order) {
  const DeltaBandPolicy p = policy(100.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-800.0, 0, 800)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-800.0, 300, 500)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-850.0, 0, 800)), 0);  // residual 50 inside band
}

TEST(DeltaBand, working_orders_reduce_the_new_quantity) {
  const DeltaBandPolicy p = policy(100.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1000.0, 0, -600)), -400);
  EXPECT_EQ(decide_hedge_qty(p, inputs(1000.0, -200, -300)), -500);
  // A working order larger than needed is offset by one the other way.
  EXPECT_EQ(decide_hedge_qty(p, inputs(1000.0, 0, -1500)), 500);
}

TEST(DeltaBand, non_finite_delta_never_trades) {
  const DeltaBandPolicy p = policy(100.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(std::numeric_limits<double>::quiet_NaN())), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(std::numeric_limits<double>::quiet_NaN(), -500, 200)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(std::numeric_limits<double>::infinity())), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-std::numeric_limits<double>::infinity())), 0);
}

TEST(DeltaBand, zero_band_hedges_any_whole_lot) {
  const DeltaBandPolicy p = policy(0.0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(0.0)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(0.4)), 0);
  EXPECT_EQ(decide_hedge_qty(p, inputs(0.6)), -1);
  EXPECT_EQ(decide_hedge_qty(p, inputs(-3.0)), 3);
}

}  // namespace
}  // namespace hedged::hedging
