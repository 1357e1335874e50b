// Execution algorithms: hand-computed schedules for immediate, TWAP, POV and Almgren–Chriss, the
// child price rules (join, improve, cross, slippage cap) on example books, tick and lot
// rounding, child sizing, cross timeouts, child spacing, the replace/amend rule, and that none
// of it allocates.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/execution/algorithms.hpp"
#include "core/execution/almgren_chriss.hpp"
#include "core/execution/parent_order.hpp"
#include "core/execution/price_rules.hpp"
#include "tests/support/allocation_counter.hpp"

namespace hedged::execution {
namespace {

constexpr TimeNs kT0 = 1'800'000'000LL * kNanosPerSecond;
constexpr TimeNs kSec = kNanosPerSecond;
constexpr TimeNs kMs = kNanosPerMilli;

ParentRequest request(Algorithm algorithm, Side side, std::int64_t qty) {
  ParentRequest r;
  r.instrument = 0;
  r.side = side;
  r.qty = qty;
  r.arrival_price = 100.0;
  r.start_ns = kT0;
  r.tick_size = 0.01;
  r.lot_size = 1;
  r.params.algorithm = algorithm;
  r.params.cross_after_ns = 0;
  r.params.max_slippage_bps = kNoSlippageCap;
  return r;
}

ParentOrder make(const ParentRequest& r) {
  const ParentResult result = make_parent(r);
  EXPECT_EQ(result.error, ExecError::kOk) << to_string(result.error);
  return result.parent;
}

MarketState book(double bid, double ask, std::int64_t volume = 0) {
  MarketState m;
  m.bid = bid;
  m.ask = ask;
  m.cum_volume = volume;
  return m;
}

const MarketState kBook = book(99.98, 100.02);

// Sends every child the algorithm wants at `now`, recording each, and returns their sizes.
std::vector<std::int64_t> send_due(ParentOrder& p, const MarketState& m, TimeNs now) {
  std::vector<std::int64_t> sizes;
  for (int guard = 0; guard < 1000; ++guard) {
    const ChildDecision d = next_child(p, m, now);
    if (d.action != ChildAction::kSend) break;
    sizes.push_back(d.qty);
    record_child_sent(p, d.qty, now);
  }
  return sizes;
}

void fill_all_working(ParentOrder& p) {
  record_fill(p, p.working_qty);
}

using Sizes = std::vector<std::int64_t>;

// --- rounding ------------------------------------------------------------------------------

TEST(ExecutionRounding, prices_within_a_nano_tick_of_the_grid_are_on_it) {
  EXPECT_EQ(price_to_ticks(1.15, 0.01, TickRounding::kDown), 115);  // 1.15/0.01 = 114.999…
  EXPECT_EQ(price_to_ticks(1.15, 0.01, TickRounding::kUp), 115);
  EXPECT_EQ(price_to_ticks(100.004, 0.01, TickRounding::kDown), 10000);
  EXPECT_EQ(price_to_ticks(100.004, 0.01, TickRounding::kUp), 10001);
  EXPECT_EQ(price_to_ticks(100.10, 0.05, TickRounding::kDown), 2002);
}

TEST(ExecutionRounding, quantities_round_to_lots) {
  EXPECT_EQ(round_down_to_lot(1049, 100), 1000);
  EXPECT_EQ(round_up_to_lot(1001, 100), 1100);
  EXPECT_EQ(round_up_to_lot(1000, 100), 1000);
  EXPECT_EQ(round_to_nearest_lot(1049, 100), 1000);
  EXPECT_EQ(round_to_nearest_lot(1050, 100), 1100);
}

TEST(ExecutionRounding, parent_total_and_child_bounds_round_to_lots) {
  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 1049);
  r.lot_size = 100;
  r.params.min_child_qty = 150;  // up to 200
  r.params.max_child_qty = 450;  // down to 400
  const ParentOrder p = make(r);
  EXPECT_EQ(p.total_qty, 1000);
  EXPECT_EQ(p.params.min_child_qty, 200);
  EXPECT_EQ(p.params.max_child_qty, 400);

  r.qty = 40;  // rounds to zero lots
  EXPECT_EQ(make_parent(r).error, ExecError::kBadQuantity);
}

// --- price rules ---------------------------------------------------------------------------

TEST(ExecutionPriceRules, join_rests_at_the_near_touch) {
  const LimitPrice buy =
      limit_price(Side::kBuy, PriceRule::kJoin, 99.98, 100.02, 0.01, 100.0, kNoSlippageCap);
  EXPECT_TRUE(buy.valid);
  EXPECT_EQ(buy.price_ticks, 9998);
  EXPECT_FALSE(buy.crossing);
  const LimitPrice sell =
      limit_price(Side::kSell, PriceRule::kJoin, 99.98, 100.02, 0.01, 100.0, kNoSlippageCap);
  EXPECT_EQ(sell.price_ticks, 10002);
  EXPECT_FALSE(sell.crossing);
}

TEST(ExecutionPriceRules, improve_steps_one_tick_inside_the_touch) {
  EXPECT_EQ(limit_price(Side::kBuy, PriceRule::kImprove, 99.98, 100.02, 0.01, 100.0, kNoSlippageCap)
                .price_ticks,
            9999);
  EXPECT_EQ(
      limit_price(Side::kSell, PriceRule::kImprove, 99.98, 100.02, 0.01, 100.0, kNoSlippageCap)
          .price_ticks,
      10001);
}

TEST(ExecutionPriceRules, improve_joins_when_the_spread_is_one_tick) {
  const LimitPrice buy =
      limit_price(Side::kBuy, PriceRule::kImprove, 100.00, 100.01, 0.01, 100.0, kNoSlippageCap);
  EXPECT_EQ(buy.price_ticks, 10000);
  EXPECT_FALSE(buy.crossing);
  const LimitPrice sell =
      limit_price(Side::kSell, PriceRule::kImprove, 100.00, 100.01, 0.01, 100.0, kNoSlippageCap);
  EXPECT_EQ(sell.price_ticks, 10001);
  EXPECT_FALSE(sell.crossing);
}

TEST(ExecutionPriceRules, cross_takes_the_far_touch) {
  const LimitPrice buy =
      limit_price(Side::kBuy, PriceRule::kCross, 99.98, 100.02, 0.01, 100.0, kNoSlippageCap);
  EXPECT_EQ(buy.price_ticks, 10002);
  EXPECT_TRUE(buy.crossing);
  const LimitPrice sell =
      limit_price(Side::kSell, PriceRule::kCross, 99.98, 100.02, 0.01, 100.0, kNoSlippageCap);
  EXPECT_EQ(sell.price_ticks, 9998);
  EXPECT_TRUE(sell.crossing);
}

TEST(ExecutionPriceRules, passive_prices_round_away_and_crossing_prices_through_the_touch) {
  // An off-grid book: bid 99.983, ask 100.027 on a 0.01 grid.
  EXPECT_EQ(limit_price(Side::kBuy, PriceRule::kJoin, 99.983, 100.027, 0.01, 100.0, kNoSlippageCap)
                .price_ticks,
            9998);  // down
  EXPECT_EQ(limit_price(Side::kSell, PriceRule::kJoin, 99.983, 100.027, 0.01, 100.0, kNoSlippageCap)
                .price_ticks,
            10003);  // up
  EXPECT_EQ(limit_price(Side::kBuy, PriceRule::kCross, 99.983, 100.027, 0.01, 100.0, kNoSlippageCap)
                .price_ticks,
            10003);  // up, through the ask
  EXPECT_EQ(
      limit_price(Side::kSell, PriceRule::kCross, 99.983, 100.027, 0.01, 100.0, kNoSlippageCap)
          .price_ticks,
      9998);  // down, through the bid
}

TEST(ExecutionPriceRules, slippage_cap_bounds_a_crossing_child) {
  // Arrival 100.00, cap 1 bp: a buy never above 100.01, a sell never below 99.99.
  EXPECT_EQ(slippage_cap_ticks(Side::kBuy, 100.0, 1.0, 0.01), 10001);
  EXPECT_EQ(slippage_cap_ticks(Side::kSell, 100.0, 1.0, 0.01), 9999);
  const LimitPrice buy =
      limit_price(Side::kBuy, PriceRule::kCross, 99.98, 100.02, 0.01, 100.0, 1.0);
  EXPECT_EQ(buy.price_ticks, 10001);
  EXPECT_TRUE(buy.capped);
  EXPECT_FALSE(buy.crossing);  // 100.01 no longer reaches the 100.02 ask
  const LimitPrice sell =
      limit_price(Side::kSell, PriceRule::kCross, 99.98, 100.02, 0.01, 100.0, 1.0);
  EXPECT_EQ(sell.price_ticks, 9999);
  EXPECT_TRUE(sell.capped);
  // A join price inside the cap is left alone.
  const LimitPrice join =
      limit_price(Side::kBuy, PriceRule::kJoin, 99.98, 100.02, 0.01, 100.0, 1.0);
  EXPECT_EQ(join.price_ticks, 9998);
  EXPECT_FALSE(join.capped);
}

TEST(ExecutionPriceRules, slippage_cap_rounds_inwards) {
  // 100.004 × 1.001 = 100.104004 → 100.10; 100.004 × 0.999 = 99.903996 → 99.91.
  EXPECT_EQ(slippage_cap_ticks(Side::kBuy, 100.004, 10.0, 0.01), 10010);
  EXPECT_EQ(slippage_cap_ticks(Side::kSell, 100.004, 10.0, 0.01), 9991);
  // A market far above the cap leaves the buy passive at the cap.
  const LimitPrice buy =
      limit_price(Side::kBuy, PriceRule::kJoin, 101.00, 101.05, 0.01, 100.004, 10.0);
  EXPECT_EQ(buy.price_ticks, 10010);
}

TEST(ExecutionPriceRules, no_touch_gives_no_price) {
  EXPECT_FALSE(
      limit_price(Side::kBuy, PriceRule::kJoin, 0.0, 100.02, 0.01, 100.0, kNoSlippageCap).valid);
  EXPECT_FALSE(
      limit_price(Side::kSell, PriceRule::kCross, 0.0, 100.02, 0.01, 100.0, kNoSlippageCap).valid);
  EXPECT_TRUE(
      limit_price(Side::kBuy, PriceRule::kCross, 0.0, 100.02, 0.01, 100.0, kNoSlippageCap).valid);
}

// --- child sizing --------------------------------------------------------------------------

TEST(ExecutionChildSize, takes_a_stub_below_the_minimum_along) {
  // desired 300 of 350 unsent, min 100: a 50 stub would be left, so the child takes it.
  EXPECT_EQ(size_child(300, 350, 350, 100, 0, 1), 350);
  // With max 300 it cannot; it leaves exactly one minimum child instead.
  EXPECT_EQ(size_child(300, 350, 350, 100, 300, 1), 250);
  // Below the minimum and not the whole remainder: nothing yet.
  EXPECT_EQ(size_child(80, 350, 350, 100, 0, 1), 0);
  // The whole remainder goes even below the minimum.
  EXPECT_EQ(size_child(80, 80, 80, 100, 0, 1), 80);
  // Lot rounding: 370 → 300 in lots of 100.
  EXPECT_EQ(size_child(370, 1000, 1000, 100, 0, 100), 300);
  // allowed caps the child.
  EXPECT_EQ(size_child(500, 1000, 200, 100, 0, 1), 200);
}

// --- immediate -----------------------------------------------------------------------------

TEST(ExecutionImmediate, sends_everything_split_by_max_child) {
  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 1050);
  r.params.min_child_qty = 100;
  r.params.max_child_qty = 400;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{400, 400, 250}));
  EXPECT_EQ(next_child(p, kBook, kT0).action, ChildAction::kWait);
  fill_all_working(p);
  EXPECT_EQ(next_child(p, kBook, kT0 + kSec).action, ChildAction::kDone);
}

TEST(ExecutionImmediate, never_leaves_a_remainder_below_the_minimum) {
  // 1100 in children of at most 500 and at least 250: 500, then another 500 would leave a
  // 100 stub and the 600 unsent is above the maximum, so 350, then 250.
  ParentRequest r = request(Algorithm::kImmediate, Side::kSell, 1100);
  r.params.min_child_qty = 250;
  r.params.max_child_qty = 500;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{500, 350, 250}));

  // 1000 with at least 200 and at most 400: the last 200 is a whole minimum child.
  r.params.min_child_qty = 200;
  r.params.max_child_qty = 400;
  r.qty = 1000;
  p = make(r);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{400, 400, 200}));

  // At least 250 and at most 400 cannot split 450 (400 + 50 or 200 + 250): refused up front.
  r.params.min_child_qty = 250;
  EXPECT_EQ(make_parent(r).error, ExecError::kBadChildSize);
}

TEST(ExecutionImmediate, a_parent_below_the_minimum_is_sent_whole) {
  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 150);
  r.params.min_child_qty = 200;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{150}));
}

TEST(ExecutionImmediate, children_are_spaced_by_the_rate) {
  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 300);
  r.params.max_child_qty = 100;
  r.params.max_children_per_second = 2.0;
  ParentOrder p = make(r);
  EXPECT_EQ(p.child_spacing_ns, 500 * kMs);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{100}));
  const ChildDecision wait = next_child(p, kBook, kT0 + 100 * kMs);
  EXPECT_EQ(wait.action, ChildAction::kWait);
  EXPECT_EQ(wait.next_check_ns, kT0 + 500 * kMs);
  EXPECT_EQ(send_due(p, kBook, kT0 + 500 * kMs), (Sizes{100}));
  EXPECT_EQ(send_due(p, kBook, kT0 + 1000 * kMs), (Sizes{100}));
}

TEST(ExecutionImmediate, a_reject_returns_its_quantity_to_be_sent_again) {
  ParentOrder p = make(request(Algorithm::kImmediate, Side::kBuy, 500));
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{500}));
  record_fill(p, 200);
  record_child_closed(p, 300);  // the rest canceled
  EXPECT_EQ(p.unsent_qty(), 300);
  EXPECT_EQ(send_due(p, kBook, kT0 + kSec), (Sizes{300}));
}

// --- TWAP ----------------------------------------------------------------------------------

TEST(ExecutionTwap, equal_slices_in_lots_released_each_interval) {
  // 1000 in lots of 10 over 60 s in 20 s slices: 33 lots, 66 lots, then the rest.
  ParentRequest r = request(Algorithm::kTwap, Side::kBuy, 1000);
  r.lot_size = 10;
  r.params.horizon_ns = 60 * kSec;
  r.params.slice_interval_ns = 20 * kSec;
  ParentOrder p = make(r);
  ASSERT_EQ(p.slices, 3);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{330}));
  const ChildDecision wait = next_child(p, kBook, kT0 + 19'999 * kMs);
  EXPECT_EQ(wait.action, ChildAction::kWait);
  EXPECT_EQ(wait.next_check_ns, kT0 + 20 * kSec);
  EXPECT_EQ(send_due(p, kBook, kT0 + 20 * kSec), (Sizes{330}));
  EXPECT_EQ(send_due(p, kBook, kT0 + 40 * kSec), (Sizes{340}));
  EXPECT_EQ(next_child(p, kBook, kT0 + 41 * kSec).next_check_ns, kNever);
  fill_all_working(p);
  EXPECT_EQ(next_child(p, kBook, kT0 + 42 * kSec).action, ChildAction::kDone);
}

TEST(ExecutionTwap, slice_times_use_ceiling_division_of_the_horizon) {
  // 10 s in 3 s slices: N = 4, slices released at 0, 2.5, 5 and 7.5 s.
  ParentRequest r = request(Algorithm::kTwap, Side::kSell, 400);
  r.params.horizon_ns = 10 * kSec;
  r.params.slice_interval_ns = 3 * kSec;
  ParentOrder p = make(r);
  ASSERT_EQ(p.slices, 4);
  EXPECT_EQ(slice_time_ns(p, 1), kT0 + 2'500 * kMs);
  EXPECT_EQ(slice_time_ns(p, 3), kT0 + 7'500 * kMs);
  EXPECT_EQ(scheduled_qty(p, kBook, kT0 + 2'499 * kMs), 100);
  EXPECT_EQ(scheduled_qty(p, kBook, kT0 + 2'500 * kMs), 200);
  EXPECT_EQ(scheduled_qty(p, kBook, kT0 + 7'500 * kMs), 400);
}

TEST(ExecutionTwap, catches_up_on_shortfall_after_a_reject) {
  ParentRequest r = request(Algorithm::kTwap, Side::kBuy, 900);
  r.params.horizon_ns = 30 * kSec;
  r.params.slice_interval_ns = 10 * kSec;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{300}));
  record_child_closed(p, 300);  // rejected
  EXPECT_EQ(send_due(p, kBook, kT0 + 5 * kSec), (Sizes{300}));
  record_fill(p, 100);
  record_child_closed(p, 200);  // partly filled, then canceled
  // At 10 s the target is 600: 100 filled, nothing working, so 500 goes.
  EXPECT_EQ(send_due(p, kBook, kT0 + 10 * kSec), (Sizes{500}));
}

TEST(ExecutionTwap, slices_below_the_minimum_accumulate) {
  // 100 over 10 slices of 10 with a minimum child of 25: a child goes once 30 are due.
  ParentRequest r = request(Algorithm::kTwap, Side::kBuy, 100);
  r.params.horizon_ns = 10 * kSec;
  r.params.slice_interval_ns = kSec;
  r.params.min_child_qty = 25;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, kBook, kT0), Sizes{});
  EXPECT_EQ(send_due(p, kBook, kT0 + kSec), Sizes{});
  EXPECT_EQ(send_due(p, kBook, kT0 + 2 * kSec), (Sizes{30}));
  EXPECT_EQ(send_due(p, kBook, kT0 + 5 * kSec), (Sizes{30}));
  // At 7 s 80 are due: 20 more is below the minimum and not the remainder, so nothing.
  EXPECT_EQ(send_due(p, kBook, kT0 + 7 * kSec), Sizes{});
  // At 8 s 30 more would leave a 10 stub, so the child takes it along: 40.
  EXPECT_EQ(send_due(p, kBook, kT0 + 8 * kSec), (Sizes{40}));
  EXPECT_EQ(p.unsent_qty(), 0);
}

// --- POV -----------------------------------------------------------------------------------

TEST(ExecutionPov, follows_a_share_of_the_volume_since_start) {
  ParentRequest r = request(Algorithm::kPov, Side::kBuy, 1000);
  r.market_volume = 5000;
  r.params.participation_pct = 10.0;
  r.params.max_participation_pct = 20.0;
  r.params.min_child_qty = 50;
  r.params.horizon_ns = 0;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 5000), kT0), Sizes{});
  EXPECT_EQ(next_child(p, book(99.98, 100.02, 5000), kT0).next_check_ns, kNever);
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 6000), kT0 + kSec), (Sizes{100}));
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 6300), kT0 + 2 * kSec), Sizes{});  // 30 < 50
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 6500), kT0 + 3 * kSec), (Sizes{50}));
}

TEST(ExecutionPov, max_participation_caps_a_child_that_takes_the_remainder) {
  // 180 at 10% with a 100 minimum: at +1000 volume 100 is due, but it would leave an 80 stub
  // and the whole 180 is above the 12% cap (120), so nothing goes until +1500 (cap 180).
  ParentRequest r = request(Algorithm::kPov, Side::kSell, 180);
  r.params.participation_pct = 10.0;
  r.params.max_participation_pct = 12.0;
  r.params.min_child_qty = 100;
  r.params.horizon_ns = 0;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 1000), kT0 + kSec), Sizes{});
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 1500), kT0 + 2 * kSec), (Sizes{180}));

  r.params.max_participation_pct = 100.0;
  p = make(r);
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 1000), kT0 + kSec), (Sizes{180}));
}

TEST(ExecutionPov, releases_the_rest_at_its_horizon) {
  ParentRequest r = request(Algorithm::kPov, Side::kBuy, 1000);
  r.params.participation_pct = 10.0;
  r.params.max_participation_pct = 10.0;
  r.params.horizon_ns = 30 * kSec;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 2000), kT0 + kSec), (Sizes{200}));
  EXPECT_EQ(next_child(p, book(99.98, 100.02, 2000), kT0 + kSec).next_check_ns, kT0 + 30 * kSec);
  EXPECT_EQ(send_due(p, book(99.98, 100.02, 2000), kT0 + 30 * kSec), (Sizes{800}));
}

// --- Almgren–Chriss ------------------------------------------------------------------------

TEST(ExecutionAlmgrenChriss, trajectory_matches_the_papers_example) {
  // Almgren & Chriss (2000), §3 example with days read as seconds: X = 10^6, T = 5, N = 5,
  // σ = 0.95, η = 2.5e-6, γ = 2.5e-7, λ = 1e-6. η̃ = 2.375e-6, κ̃² = 0.38,
  // κ = arccosh(1.19) = 0.607076… (the paper's "κ ≈ 0.6/day").
  const double kappa = ac_kappa(1e-6, 0.95, 2.5e-6, 2.5e-7, 1.0);
  EXPECT_NEAR(kappa, 0.6070761632, 1e-9);
  std::array<double, 6> x{};
  ac_trajectory(1e6, kappa, 5.0, x);
  // x_j = X sinh(κ(5 − j)) / sinh(5κ).
  const std::array<double, 6> expected = {1'000'000.0, 541'955.554, 289'854.219,
                                          147'897.488, 62'141.802,  0.0};
  for (std::size_t j = 0; j < x.size(); ++j) EXPECT_NEAR(x[j], expected[j], 1e-3) << j;
  // Trades per slice: 458044.446, 252101.335, 141956.732, 85755.686, 62141.802.
  EXPECT_NEAR(x[0] - x[1], 458'044.446, 1e-3);
  EXPECT_NEAR(x[4] - x[5], 62'141.802, 1e-3);
}

TEST(ExecutionAlmgrenChriss, zero_risk_aversion_is_the_linear_twap_trajectory) {
  EXPECT_EQ(ac_kappa(0.0, 0.95, 2.5e-6, 2.5e-7, 1.0), 0.0);
  std::array<double, 6> x{};
  ac_trajectory(1e6, 0.0, 5.0, x);
  for (std::size_t j = 0; j < x.size(); ++j) {
    EXPECT_DOUBLE_EQ(x[j], 1e6 * (5.0 - static_cast<double>(j)) / 5.0);
  }
  // λ → 0: the trajectory tends to the line.
  const double tiny = ac_kappa(1e-14, 0.95, 2.5e-6, 2.5e-7, 1.0);
  EXPECT_GT(tiny, 0.0);
  ac_trajectory(1e6, tiny, 5.0, x);
  for (std::size_t j = 0; j < x.size(); ++j) {
    EXPECT_NEAR(x[j], 1e6 * (5.0 - static_cast<double>(j)) / 5.0, 1e-2) << j;
  }
}

TEST(ExecutionAlmgrenChriss, zero_risk_aversion_schedules_exactly_like_twap) {
  ParentRequest r = request(Algorithm::kAlmgrenChriss, Side::kBuy, 1000);
  r.params.horizon_ns = 70 * kSec;
  r.params.slice_interval_ns = 10 * kSec;
  r.params.risk_aversion_per_currency = 0.0;
  r.vol_annual = 0.3;
  const ParentOrder ac = make(r);
  r.params.algorithm = Algorithm::kTwap;
  const ParentOrder twap = make(r);
  for (std::int64_t j = 0; j <= ac.slices; ++j) {
    EXPECT_EQ(slice_target_qty(ac, j), slice_target_qty(twap, j)) << j;
  }
}

TEST(ExecutionAlmgrenChriss, schedule_front_loads_by_the_hand_computed_trajectory) {
  // Arrival 100, vol 30%/yr: σ = 0.3·100/sqrt(31536000) = 0.00534217 per sqrt(s). λ = 1e-3,
  // η = 3e-4, γ = 0, T = 300 s, N = 5, τ = 60 s: κ̃² = λσ²/η = 9.5130e-5,
  // κ = arccosh(1 + ½κ̃²τ²)/τ = 0.00961936 /s, κT = 2.8858.
  // x_j/X = sinh(κ(T − 60j))/sinh(κT) = 1, 0.55768, 0.30635, 0.15992, 0.06827, 0;
  // cumulative targets in lots of 100 of 10000: 44, 69, 84, 93, 100 lots.
  ParentRequest r = request(Algorithm::kAlmgrenChriss, Side::kSell, 10'000);
  r.lot_size = 100;
  r.vol_annual = 0.3;
  r.params.horizon_ns = 300 * kSec;
  r.params.slice_interval_ns = 60 * kSec;
  r.params.risk_aversion_per_currency = 1e-3;
  r.params.temporary_impact = 3e-4;
  ParentOrder p = make(r);
  EXPECT_NEAR(p.ac_kappa_per_second, 0.00961935708, 1e-10);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{4400}));
  EXPECT_EQ(send_due(p, kBook, kT0 + 60 * kSec), (Sizes{2500}));
  EXPECT_EQ(send_due(p, kBook, kT0 + 120 * kSec), (Sizes{1500}));
  EXPECT_EQ(send_due(p, kBook, kT0 + 180 * kSec), (Sizes{900}));
  EXPECT_EQ(send_due(p, kBook, kT0 + 240 * kSec), (Sizes{700}));
  EXPECT_EQ(p.working_qty, 10'000);
}

TEST(ExecutionAlmgrenChriss, square_root_law_estimates_the_temporary_impact) {
  // c = 1, σ_daily = 0.3/sqrt(365) = 0.0157027, q/ADV = 2000/1e6: 0.000702247 of price.
  EXPECT_NEAR(daily_vol(0.3), 0.01570271768, 1e-10);
  EXPECT_NEAR(sqrt_impact_fraction(1.0, daily_vol(0.3), 2000.0, 1e6), 7.022468832e-4, 1e-12);
  // Linearised at 2000 units per 60 s at price 100: η = 100 × 0.000702247 × 60 / 2000.
  EXPECT_NEAR(temporary_impact_from_sqrt_law(1.0, daily_vol(0.3), 100.0, 2000.0, 1e6, 60.0),
              2.1067406495e-3, 1e-12);
  EXPECT_EQ(sqrt_impact_fraction(1.0, 0.02, 100.0, 0.0), 0.0);

  ParentRequest r = request(Algorithm::kAlmgrenChriss, Side::kBuy, 10'000);
  r.vol_annual = 0.3;
  r.adv_units = 1e6;
  r.params.horizon_ns = 300 * kSec;
  r.params.slice_interval_ns = 60 * kSec;
  r.params.risk_aversion_per_currency = 1e-3;
  r.params.temporary_impact = 0.0;  // estimate it
  const ParentOrder p = make(r);
  EXPECT_NEAR(p.ac_temporary_impact, 2.1067406495e-3, 1e-12);
  EXPECT_NEAR(p.ac_kappa_per_second, 0.00367310938, 1e-10);

  r.adv_units = 0.0;
  EXPECT_EQ(make_parent(r).error, ExecError::kNoLiquidityEstimate);
  r.params.temporary_impact = 1e-4;
  r.params.permanent_impact = 1e-5;  // ½γτ = 3e-4 > η
  EXPECT_EQ(make_parent(r).error, ExecError::kInconsistentImpact);
}

TEST(ExecutionAlmgrenChriss, large_kappa_is_stable) {
  EXPECT_NEAR(ac_holdings_fraction(10.0, 300.0, 1.0), std::exp(-10.0), 1e-15);
  EXPECT_EQ(ac_holdings_fraction(10.0, 300.0, 300.0), 0.0);
  EXPECT_EQ(ac_holdings_fraction(10.0, 300.0, 0.0), 1.0);
}

// --- cross timeouts and re-pricing ---------------------------------------------------------

TEST(ExecutionReprice, crosses_after_the_timeout_since_the_child_was_sent) {
  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 100);
  r.params.cross_after_ns = 10 * kSec;
  r.params.price_rule = PriceRule::kJoin;
  const ParentOrder p = make(r);
  const ChildDecision child = next_child(p, kBook, kT0);
  ASSERT_EQ(child.action, ChildAction::kSend);
  EXPECT_EQ(child.price_ticks, 9998);
  const TimeNs sent = kT0 + 2 * kSec;  // the child went out a little after start
  const RepriceDecision early = reprice_child(p, kBook, 9998, sent, kT0 + 9 * kSec);
  EXPECT_EQ(early.action, RepriceAction::kKeep);
  // Behind since start (immediate is due at once): the parent timeout fires first, at 10 s.
  EXPECT_EQ(early.next_check_ns, kT0 + 10 * kSec);
  const RepriceDecision late = reprice_child(p, kBook, 9998, sent, kT0 + 10 * kSec);
  EXPECT_EQ(late.action, RepriceAction::kReprice);
  EXPECT_EQ(late.price_ticks, 10002);
  EXPECT_TRUE(late.crossing);
}

TEST(ExecutionReprice, a_parent_behind_schedule_crosses_after_the_timeout) {
  ParentRequest r = request(Algorithm::kTwap, Side::kSell, 300);
  r.params.horizon_ns = 60 * kSec;
  r.params.slice_interval_ns = 20 * kSec;
  r.params.cross_after_ns = 5 * kSec;
  r.params.max_slippage_bps = 10.0;
  ParentOrder p = make(r);
  EXPECT_EQ(send_due(p, kBook, kT0), (Sizes{100}));
  EXPECT_EQ(behind_since(p, kT0 + 19 * kSec), kNever);
  EXPECT_EQ(behind_since(p, kT0 + 20 * kSec), kT0 + 20 * kSec);
  // A child sent at 18 s is not yet due to cross by its own timeout at 23 s…
  EXPECT_EQ(reprice_child(p, kBook, 10002, kT0 + 18 * kSec, kT0 + 22 * kSec).action,
            RepriceAction::kKeep);
  // …but the parent has been behind since 20 s, so at 25 s it crosses: the 99.98 bid.
  const RepriceDecision cross = reprice_child(p, kBook, 10002, kT0 + 18 * kSec, kT0 + 25 * kSec);
  EXPECT_EQ(cross.action, RepriceAction::kReprice);
  EXPECT_EQ(cross.price_ticks, 9998);
  // A new child sent while the parent is behind by more than the timeout crosses at once.
  const ChildDecision next = next_child(p, kBook, kT0 + 25 * kSec);
  ASSERT_EQ(next.action, ChildAction::kSend);
  EXPECT_TRUE(next.crossing);
  EXPECT_EQ(next.price_ticks, 9998);
  // Filling slice one puts the parent back on schedule.
  record_fill(p, 100);
  EXPECT_EQ(behind_since(p, kT0 + 25 * kSec), kNever);
}

TEST(ExecutionReprice, follows_the_touch_away_but_never_backs_off) {
  ParentOrder p = make(request(Algorithm::kImmediate, Side::kBuy, 100));
  const RepriceDecision up = reprice_child(p, book(100.00, 100.03), 9998, kT0, kT0 + kSec);
  EXPECT_EQ(up.action, RepriceAction::kReprice);
  EXPECT_EQ(up.price_ticks, 10000);
  EXPECT_EQ(reprice_child(p, book(99.95, 100.00), 10000, kT0, kT0 + kSec).action,
            RepriceAction::kKeep);
  EXPECT_EQ(reprice_child(p, book(0.0, 0.0), 10000, kT0, kT0 + kSec).action,
            RepriceAction::kNoMarket);
}

TEST(ExecutionReprice, never_reprices_beyond_the_slippage_cap) {
  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 100);
  r.params.price_rule = PriceRule::kCross;
  r.params.max_slippage_bps = 20.0;  // never above 100.20
  const ParentOrder p = make(r);
  const RepriceDecision d = reprice_child(p, book(100.50, 100.60), 10010, kT0, kT0 + kSec);
  EXPECT_EQ(d.action, RepriceAction::kReprice);
  EXPECT_EQ(d.price_ticks, 10020);
  EXPECT_EQ(reprice_child(p, book(100.50, 100.60), 10020, kT0, kT0 + kSec).action,
            RepriceAction::kKeep);
}

// --- replace / amend -----------------------------------------------------------------------

TEST(ExecutionAmend, same_side_amends_the_total) {
  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 1000);
  r.lot_size = 10;
  ParentOrder p = make(r);
  record_child_sent(p, 600, kT0);
  record_fill(p, 200);  // filled 200, working 400
  // Still need 1200 from now: total 200 + 1200 = 1400.
  AmendDecision d = decide_new_target(p, 1204);
  EXPECT_EQ(d.action, AmendAction::kAmend);
  EXPECT_EQ(d.new_total_qty, 1400);
  EXPECT_EQ(d.cancel_working_qty, 0);
  // Need 300 more: total 500, but 600 is already committed: cancel at least 100.
  d = decide_new_target(p, 300);
  EXPECT_EQ(d.action, AmendAction::kAmend);
  EXPECT_EQ(d.new_total_qty, 500);
  EXPECT_EQ(d.cancel_working_qty, 100);
  apply_amend(p, d);
  EXPECT_EQ(p.total_qty, 500);
  EXPECT_EQ(next_child(p, kBook, kT0).action, ChildAction::kWait);
  // Need 300 again: the total is already 500, nothing to do.
  EXPECT_EQ(decide_new_target(p, 300).action, AmendAction::kNone);
}

TEST(ExecutionAmend, zero_cancels_the_rest_and_opposite_side_replaces) {
  ParentOrder p = make(request(Algorithm::kImmediate, Side::kSell, 1000));
  record_child_sent(p, 1000, kT0);
  record_fill(p, 300);
  AmendDecision d = decide_new_target(p, 0);
  EXPECT_EQ(d.action, AmendAction::kCancel);
  EXPECT_EQ(d.cancel_working_qty, 700);
  EXPECT_EQ(d.new_total_qty, 300);

  d = decide_new_target(p, 250);  // now a buy is needed
  EXPECT_EQ(d.action, AmendAction::kCancelAndReplace);
  EXPECT_EQ(d.cancel_working_qty, 700);
  EXPECT_EQ(d.new_side, Side::kBuy);
  EXPECT_EQ(d.new_parent_qty, 250);
  apply_amend(p, d);
  EXPECT_EQ(p.total_qty, 300);
  EXPECT_FALSE(p.complete());
  record_child_closed(p, 700);  // the cancel lands
  EXPECT_TRUE(p.complete());
  EXPECT_EQ(next_child(p, kBook, kT0 + kSec).action, ChildAction::kDone);
}

// --- validation ----------------------------------------------------------------------------

TEST(ExecutionValidation, rejects_inconsistent_parameters) {
  ExecutionParams params;
  EXPECT_EQ(validate(params), ExecError::kOk);
  params.slice_interval_ns = 0;
  EXPECT_EQ(validate(params), ExecError::kBadSliceInterval);
  params.slice_interval_ns = 1 * kMs;
  params.horizon_ns = 60 * kSec;
  EXPECT_EQ(validate(params), ExecError::kTooManySlices);
  params = ExecutionParams{};
  params.algorithm = Algorithm::kPov;
  params.participation_pct = 30.0;
  params.max_participation_pct = 20.0;
  EXPECT_EQ(validate(params), ExecError::kBadParticipation);
  params = ExecutionParams{};
  params.max_slippage_bps = -1.0;
  EXPECT_EQ(validate(params), ExecError::kBadSlippageCap);
  params = ExecutionParams{};
  params.min_child_qty = 500;
  params.max_child_qty = 400;
  EXPECT_EQ(validate(params), ExecError::kBadChildSize);

  ParentRequest r = request(Algorithm::kImmediate, Side::kBuy, 1000);
  r.lot_size = 100;
  r.params.min_child_qty = 300;
  r.params.max_child_qty = 400;  // < 2 × 300 − 100
  EXPECT_EQ(make_parent(r).error, ExecError::kBadChildSize);
  r.params.max_child_qty = 500;  // = 2 × 300 − 100: 600 → 300 + 300, 700 → 400 + 300
  EXPECT_EQ(make_parent(r).error, ExecError::kOk);
  r.params.min_child_qty = 0;
  r.params.max_child_qty = 100;  // one lot each: fine
  EXPECT_EQ(make_parent(r).error, ExecError::kOk);
  r.arrival_price = 0.0;
  EXPECT_EQ(make_parent(r).error, ExecError::kBadArrivalPrice);
}

TEST(ExecutionValidation, waits_for_the_start_and_for_a_quote) {
  ParentOrder p = make(request(Algorithm::kImmediate, Side::kBuy, 100));
  const ChildDecision early = next_child(p, kBook, kT0 - kSec);
  EXPECT_EQ(early.action, ChildAction::kWait);
  EXPECT_EQ(early.next_check_ns, kT0);
  EXPECT_EQ(next_child(p, book(0.0, 0.0), kT0).action, ChildAction::kNoMarket);
}

// --- no allocation -------------------------------------------------------------------------

TEST(ExecutionAllocation, scheduling_and_pricing_allocate_nothing) {
  ParentRequest r = request(Algorithm::kAlmgrenChriss, Side::kBuy, 100'000);
  r.lot_size = 100;
  r.vol_annual = 0.3;
  r.adv_units = 1e7;
  r.params.horizon_ns = 600 * kSec;
  r.params.slice_interval_ns = kSec;
  r.params.min_child_qty = 200;
  r.params.max_child_qty = 1000;
  r.params.cross_after_ns = 3 * kSec;
  r.params.max_slippage_bps = 25.0;
  r.params.max_children_per_second = 20.0;
  const std::uint64_t before = hedged::testing::allocations();
  ParentResult made = make_parent(r);
  ParentOrder& p = made.parent;
  std::int64_t sent = 0;
  for (TimeNs t = kT0; t < kT0 + 700 * kSec; t += 50 * kMs) {
    const MarketState m = book(99.98, 100.02, t / kMs);
    const ChildDecision d = next_child(p, m, t);
    if (d.action == ChildAction::kSend) {
      record_child_sent(p, d.qty, t);
      ++sent;
    }
    const RepriceDecision rp = reprice_child(p, m, 9998, t - kSec, t);
    (void)rp;
    if (p.working_qty > 0 && (t / kMs) % 700 == 0) record_fill(p, p.lot_size);
    const AmendDecision a = decide_new_target(p, 50'000);
    (void)a;
  }
  EXPECT_EQ(hedged::testing::allocations(), before);
  EXPECT_EQ(made.error, ExecError::kOk);
  EXPECT_GT(sent, 50);
}

}  // namespace
}  // namespace hedged::execution
