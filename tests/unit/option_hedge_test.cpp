// Gamma/vega hedging with options: the plan's quantities against hand-solved linear systems.
#include "core/hedging/option_hedge.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>

namespace hedged::hedging {
namespace {

OptionHedgeParams on() {
  OptionHedgeParams p;
  p.enabled = true;
  p.trigger_fraction = 1.0;
  p.target_fraction = 0.5;
  p.max_contracts = 1000;
  return p;
}

TEST(OptionHedge, nothing_to_do_inside_the_trigger_or_when_off) {
  const std::array<OptionHedgeCandidate, 1> c = {{{7, 100.0, 20.0}}};
  OptionHedgeInput in{-9'000.0, 500.0, 10'000.0, 1'000.0};
  EXPECT_EQ(plan_option_hedge(on(), in, c).count, 0u);
  in.gamma_notional_per_pct = -12'000.0;
  OptionHedgeParams off = on();
  off.enabled = false;
  EXPECT_EQ(plan_option_hedge(off, in, c).count, 0u);
  // A limit of 0 means the measure is not managed, however large.
  in.gamma_limit = 0.0;
  EXPECT_EQ(plan_option_hedge(on(), in, c).count, 0u);
}

TEST(OptionHedge, one_option_brings_gamma_to_the_target) {
  // Short gamma -12,000 against a 10,000 limit: the target is -5,000, so +7,000 of gamma is
  // needed; at 100 per contract that is 70 contracts, which also add 70 x 20 = 1,400 of vega.
  const std::array<OptionHedgeCandidate, 1> c = {{{7, 100.0, 20.0}}};
  const OptionHedgePlan plan = plan_option_hedge(on(), {-12'000.0, 300.0, 10'000.0, 5'000.0}, c);
  ASSERT_EQ(plan.count, 1u);
  EXPECT_TRUE(plan.gamma_breached);
  EXPECT_FALSE(plan.vega_breached);
  EXPECT_EQ(plan.orders[0].instrument, 7u);
  EXPECT_EQ(plan.orders[0].contracts, 70);
  EXPECT_DOUBLE_EQ(plan.gamma_after, -5'000.0);
  EXPECT_DOUBLE_EQ(plan.vega_after, 1'700.0);
}

TEST(OptionHedge, two_options_solve_gamma_and_vega_together) {
  // Gamma -12,000 (limit 10,000 -> target -5,000: +7,000), vega -3,000 (limit 2,000 -> target
  // -1,000: +2,000). A short-dated option (g 100, v 10) and a long-dated one (g 20, v 50):
  //   100 a + 20 b = 7000,  10 a + 50 b = 2000  =>  det = 4800,
  //   a = (7000 x 50 - 20 x 2000) / 4800 = 64.583..., b = (100 x 2000 - 7000 x 10) / 4800
  //   = 27.083...
  // rounded to 65 and 27 contracts.
  const std::array<OptionHedgeCandidate, 2> c = {{{3, 100.0, 10.0}, {4, 20.0, 50.0}}};
  const OptionHedgePlan plan = plan_option_hedge(on(), {-12'000.0, -3'000.0, 10'000.0, 2'000.0}, c);
  ASSERT_EQ(plan.count, 2u);
  EXPECT_EQ(plan.orders[0].instrument, 3u);
  EXPECT_EQ(plan.orders[0].contracts, 65);
  EXPECT_EQ(plan.orders[1].instrument, 4u);
  EXPECT_EQ(plan.orders[1].contracts, 27);
  EXPECT_DOUBLE_EQ(plan.gamma_after, -12'000.0 + 65 * 100.0 + 27 * 20.0);
  EXPECT_DOUBLE_EQ(plan.vega_after, -3'000.0 + 65 * 10.0 + 27 * 50.0);
  EXPECT_LT(std::fabs(plan.gamma_after), 10'000.0);
  EXPECT_LT(std::fabs(plan.vega_after), 2'000.0);
}

TEST(OptionHedge, a_measure_not_breached_is_held_where_it_is) {
  // Only vega is breached (+5,000 vs 2,000 -> target +1,000: -4,000); gamma stays at -3,000.
  //   100 a + 20 b = 0,  10 a + 50 b = -4000  =>  a = 20 x 4000 / 4800 = 16.67, b = -83.33.
  const std::array<OptionHedgeCandidate, 2> c = {{{3, 100.0, 10.0}, {4, 20.0, 50.0}}};
  const OptionHedgePlan plan = plan_option_hedge(on(), {-3'000.0, 5'000.0, 10'000.0, 2'000.0}, c);
  ASSERT_EQ(plan.count, 2u);
  EXPECT_EQ(plan.orders[0].contracts, 17);
  EXPECT_EQ(plan.orders[1].contracts, -83);
  EXPECT_NEAR(plan.gamma_after, -3'000.0, 100.0);
}

TEST(OptionHedge, best_separated_pair_is_chosen_and_alike_options_fall_back_to_one) {
  // Candidates 1 and 2 are nearly the same option; 3 differs: the pair uses 3.
  const std::array<OptionHedgeCandidate, 3> c = {
      {{1, 100.0, 10.0}, {2, 101.0, 10.1}, {3, 20.0, 50.0}}};
  const OptionHedgePlan plan = plan_option_hedge(on(), {-12'000.0, -3'000.0, 10'000.0, 2'000.0}, c);
  ASSERT_EQ(plan.count, 2u);
  EXPECT_EQ(plan.orders[1].instrument, 3u);
  // Two alike options only: one of them, for gamma: 7,000 / 101 = 69.3 -> 69 of the larger.
  const std::array<OptionHedgeCandidate, 2> alike = {{{1, 100.0, 10.0}, {2, 101.0, 10.1}}};
  const OptionHedgePlan single =
      plan_option_hedge(on(), {-12'000.0, -3'000.0, 10'000.0, 2'000.0}, alike);
  ASSERT_EQ(single.count, 1u);
  EXPECT_EQ(single.orders[0].instrument, 2u);
  EXPECT_EQ(single.orders[0].contracts, 69);
}

TEST(OptionHedge, orders_are_capped_at_max_contracts) {
  OptionHedgeParams p = on();
  p.max_contracts = 25;
  const std::array<OptionHedgeCandidate, 1> c = {{{7, 100.0, 20.0}}};
  const OptionHedgePlan plan = plan_option_hedge(p, {-12'000.0, 0.0, 10'000.0, 0.0}, c);
  ASSERT_EQ(plan.count, 1u);
  EXPECT_EQ(plan.orders[0].contracts, 25);
  EXPECT_DOUBLE_EQ(plan.gamma_after, -9'500.0);
}

TEST(OptionHedge, parameters_are_checked) {
  OptionHedgeParams p = on();
  EXPECT_EQ(validate(p), nullptr);
  p.target_fraction = 1.0;
  EXPECT_NE(validate(p), nullptr);
  p = on();
  p.max_contracts = 0;
  EXPECT_NE(validate(p), nullptr);
  p = on();
  p.trigger_fraction = 0.0;
  EXPECT_NE(validate(p), nullptr);
}

}  // namespace
}  // namespace hedged::hedging
