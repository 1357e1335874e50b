// Hedge policies: fixed bands in shares and notional, the Whalley–Wilmott band, time-based
// rebalancing, targets zero and band edge, lots, minimum trade, and futures conversion.
#include "core/hedging/hedge_policy.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/hedging/delta_band.hpp"

namespace hedged::hedging {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

static_assert(std::is_trivially_copyable_v<HedgePolicy>);
static_assert(std::is_trivially_copyable_v<HedgeState>);
static_assert(std::is_trivially_copyable_v<HedgeDecision>);
static_assert(std::is_trivially_copyable_v<HedgeInstrument>);

HedgePolicy band_shares(double band, std::int64_t lot = 1, std::int64_t min_trade = 1,
                        HedgeTarget target = HedgeTarget::kZero) {
  HedgePolicy p;
  p.kind = HedgePolicyKind::kBandShares;
  p.band_delta_shares = band;
  p.lot_size = lot;
  p.min_trade_qty = min_trade;
  p.target = target;
  return p;
}

HedgePolicy whalley_wilmott(double cost, double risk_aversion, double floor = 0.0,
                            double ceiling = kInf) {
  HedgePolicy p;
  p.kind = HedgePolicyKind::kWhalleyWilmott;
  p.cost_fraction = cost;
  p.risk_aversion = risk_aversion;
  p.min_band_shares = floor;
  p.max_band_shares = ceiling;
  return p;
}

HedgePolicy time_based(TimeNs interval_ns, std::int64_t lot = 1, std::int64_t min_trade = 1) {
  HedgePolicy p;
  p.kind = HedgePolicyKind::kTime;
  p.rebalance_interval_ns = interval_ns;
  p.lot_size = lot;
  p.min_trade_qty = min_trade;
  return p;
}

HedgeState state(double options_delta, double position = 0.0, double working = 0.0) {
  HedgeState s;
  s.option_delta_shares = options_delta;
  s.hedge_position_shares = position;
  s.working_shares = working;
  s.spot = 100.0;
  s.gamma_shares = 0.0;
  return s;
}

// --- Whalley–Wilmott half-width --------------------------------------------------------------

TEST(WhalleyWilmott, hand_computed_half_widths) {
  // 3 * 0.0005 * 100 * 200^2 / (2 * 0.003) = 6000 / 0.006 = 1e6 shares^3 -> 100 shares.
  EXPECT_NEAR(whalley_wilmott_half_width_shares(0.0005, 100.0, 200.0, 0.003), 100.0, 1e-9);
  // 3 * 0.0002 * 50 * 1000^2 / (2 * 1e-4) = 1.5e8 shares^3 -> 531.3292845913... shares.
  EXPECT_NEAR(whalley_wilmott_half_width_shares(0.0002, 50.0, 1000.0, 1e-4), 531.3292845913054,
              1e-9);
  // Gamma enters squared: a short-gamma book has the same band.
  EXPECT_NEAR(whalley_wilmott_half_width_shares(0.0005, 100.0, -200.0, 0.003), 100.0, 1e-9);
  EXPECT_EQ(whalley_wilmott_half_width_shares(0.0005, 100.0, 0.0, 0.003), 0.0);
  EXPECT_EQ(whalley_wilmott_half_width_shares(0.0, 100.0, 200.0, 0.003), 0.0);
}

TEST(WhalleyWilmott, scales_as_the_cube_root) {
  const double h = whalley_wilmott_half_width_shares(0.0005, 100.0, 200.0, 0.003);
  EXPECT_NEAR(whalley_wilmott_half_width_shares(0.004, 100.0, 200.0, 0.003), 2.0 * h, 1e-9);
  EXPECT_NEAR(whalley_wilmott_half_width_shares(0.0005, 800.0, 200.0, 0.003), 2.0 * h, 1e-9);
  EXPECT_NEAR(whalley_wilmott_half_width_shares(0.0005, 100.0, 200.0, 0.024), 0.5 * h, 1e-9);
  EXPECT_NEAR(whalley_wilmott_half_width_shares(0.0005, 100.0, 400.0, 0.003), std::cbrt(4.0) * h,
              1e-9);
}

TEST(WhalleyWilmott, grows_with_gamma) {
  double previous = whalley_wilmott_half_width_shares(0.0005, 100.0, 0.0, 0.003);
  for (double gamma = 1.0; gamma < 1e5; gamma *= 1.7) {
    const double h = whalley_wilmott_half_width_shares(0.0005, 100.0, gamma, 0.003);
    EXPECT_GT(h, previous) << gamma;
    previous = h;
  }
}

TEST(WhalleyWilmott, grows_with_spot) {
  double previous = 0.0;
  for (double spot = 0.5; spot < 1e5; spot *= 1.7) {
    const double h = whalley_wilmott_half_width_shares(0.0005, spot, 200.0, 0.003);
    EXPECT_GT(h, previous) << spot;
    previous = h;
  }
}

TEST(WhalleyWilmott, grows_with_cost) {
  double previous = whalley_wilmott_half_width_shares(0.0, 100.0, 200.0, 0.003);
  for (double bps = 0.1; bps < 1000.0; bps *= 1.7) {
    const double h = whalley_wilmott_half_width_shares(bps * 1e-4, 100.0, 200.0, 0.003);
    EXPECT_GT(h, previous) << bps;
    previous = h;
  }
}

TEST(WhalleyWilmott, shrinks_with_risk_aversion) {
  double previous = kInf;
  for (double lambda = 1e-7; lambda < 10.0; lambda *= 1.7) {
    const double h = whalley_wilmott_half_width_shares(0.0005, 100.0, 200.0, lambda);
    EXPECT_LT(h, previous) << lambda;
    previous = h;
  }
}

TEST(WhalleyWilmott, undefined_inputs_give_nan) {
  EXPECT_TRUE(std::isnan(whalley_wilmott_half_width_shares(0.0005, 0.0, 200.0, 0.003)));
  EXPECT_TRUE(std::isnan(whalley_wilmott_half_width_shares(0.0005, -1.0, 200.0, 0.003)));
  EXPECT_TRUE(std::isnan(whalley_wilmott_half_width_shares(-0.0005, 100.0, 200.0, 0.003)));
  EXPECT_TRUE(std::isnan(whalley_wilmott_half_width_shares(0.0005, 100.0, 200.0, 0.0)));
  EXPECT_TRUE(std::isnan(whalley_wilmott_half_width_shares(0.0005, 100.0, kNaN, 0.003)));
  EXPECT_TRUE(std::isnan(whalley_wilmott_half_width_shares(0.0005, kInf, 200.0, 0.003)));
}

TEST(WhalleyWilmott, band_is_clamped_to_floor_and_ceiling) {
  const HedgePolicy p = whalley_wilmott(0.0005, 0.003, 20.0, 150.0);
  EXPECT_NEAR(band_half_width_shares(p, 100.0, 200.0), 100.0, 1e-9);
  EXPECT_NEAR(band_half_width_shares(p, 100.0, -200.0), 100.0, 1e-9);  // aggregate |gamma|
  EXPECT_EQ(band_half_width_shares(p, 100.0, 0.0), 20.0);              // flat book: the floor
  EXPECT_EQ(band_half_width_shares(p, 100.0, 1e6), 150.0);             // the ceiling
  EXPECT_TRUE(std::isnan(band_half_width_shares(p, 0.0, 200.0)));
}

TEST(WhalleyWilmott, decide_uses_the_gamma_band) {
  const HedgePolicy p = whalley_wilmott(0.0005, 0.003);
  HedgeState s = state(99.0);
  s.gamma_shares = -200.0;
  HedgeDecision d = decide(p, s);
  EXPECT_EQ(d.qty, 0);
  EXPECT_EQ(d.reason, HedgeReason::kInsideBand);
  EXPECT_NEAR(d.half_width_shares, 100.0, 1e-9);

  s.option_delta_shares = 101.0;
  d = decide(p, s);
  EXPECT_EQ(d.qty, -101);
  EXPECT_EQ(d.reason, HedgeReason::kOutsideBand);

  // Four times the gamma: band 100 * 4^(2/3) = 251.98 shares; 240 is now inside.
  s.option_delta_shares = 240.0;
  s.gamma_shares = 800.0;
  d = decide(p, s);
  EXPECT_EQ(d.qty, 0);
  EXPECT_NEAR(d.half_width_shares, 251.98421, 1e-5);
}

// --- Fixed bands ------------------------------------------------------------------------------

TEST(HedgePolicy, share_band_hedges_outside_back_to_zero) {
  const HedgePolicy p = band_shares(100.0);
  HedgeDecision d = decide(p, state(100.0));
  EXPECT_EQ(d.qty, 0);
  EXPECT_EQ(d.reason, HedgeReason::kInsideBand);
  EXPECT_EQ(d.half_width_shares, 100.0);

  d = decide(p, state(1234.4));
  EXPECT_EQ(d.qty, -1234);
  EXPECT_EQ(d.qty_shares, -1234.0);
  EXPECT_EQ(d.net_delta_shares, 1234.4);
  EXPECT_EQ(d.reason, HedgeReason::kOutsideBand);

  d = decide(p, state(-777.6, 300.0));  // net -477.6
  EXPECT_EQ(d.qty, 478);
  d = decide(p, state(1000.0, -1300.0));  // over-hedged: buy back
  EXPECT_EQ(d.qty, 300);
}

TEST(HedgePolicy, notional_band_is_notional_over_spot) {
  HedgePolicy p;
  p.kind = HedgePolicyKind::kBandNotional;
  p.band_delta_notional = 50'000.0;  // currency
  HedgeState s = state(240.0);
  s.spot = 200.0;  // band 250 shares
  HedgeDecision d = decide(p, s);
  EXPECT_EQ(d.half_width_shares, 250.0);
  EXPECT_EQ(d.qty, 0);
  s.option_delta_shares = 260.0;
  d = decide(p, s);
  EXPECT_EQ(d.qty, -260);
  // Spot doubles: the same notional is half the shares.
  s.spot = 400.0;
  s.option_delta_shares = 130.0;
  d = decide(p, s);
  EXPECT_EQ(d.half_width_shares, 125.0);
  EXPECT_EQ(d.qty, -130);
  // A notional band needs a spot.
  s.spot = 0.0;
  d = decide(p, s);
  EXPECT_EQ(d.qty, 0);
  EXPECT_EQ(d.reason, HedgeReason::kInvalidInput);
}

// --- Targets ----------------------------------------------------------------------------------

TEST(HedgePolicy, edge_target_trades_only_to_the_band_edge) {
  const HedgePolicy p = band_shares(100.0, 1, 1, HedgeTarget::kBandEdge);
  EXPECT_EQ(decide(p, state(350.0)).qty, -250);
  EXPECT_EQ(decide(p, state(-350.0)).qty, 250);
  EXPECT_EQ(decide(p, state(100.4)).qty, -1);  // the fewest whole shares to get inside
  EXPECT_EQ(decide(p, state(100.0)).qty, 0);
  EXPECT_EQ(decide(band_shares(100.0), state(350.0)).qty, -350);  // target zero, for contrast
}

TEST(HedgePolicy, edge_target_rounds_into_the_band) {
  const HedgePolicy p = band_shares(100.0, 100, 1, HedgeTarget::kBandEdge);
  EXPECT_EQ(decide(p, state(350.0)).qty, -300);  // 2.5 lots over the edge -> 3, residual 50
  EXPECT_EQ(decide(p, state(120.0)).qty, -100);  // residual 20
  EXPECT_EQ(decide(p, state(-201.0)).qty, 200);  // residual -1
  EXPECT_EQ(decide(p, state(200.0)).qty, -100);  // residual exactly at the edge
}

TEST(HedgePolicy, edge_target_never_trades_past_the_zero_target) {
  // A lot wider than the band: going to the edge would carry the book past zero.
  const HedgePolicy p = band_shares(10.0, 100, 1, HedgeTarget::kBandEdge);
  HedgeDecision d = decide(p, state(40.0));
  EXPECT_EQ(d.qty, 0);
  EXPECT_EQ(d.reason, HedgeReason::kBelowMinTrade);
  EXPECT_EQ(decide(p, state(70.0)).qty, -100);  // residual -30: smaller than 70
}

// --- Lots and minimum trade -------------------------------------------------------------------

TEST(HedgePolicy, zero_target_rounds_to_nearest_lot_and_half_a_lot_toward_zero) {
  const HedgePolicy p = band_shares(0.0, 100);
  EXPECT_EQ(decide(p, state(1249.0)).qty, -1200);
  EXPECT_EQ(decide(p, state(1251.0)).qty, -1300);
  EXPECT_EQ(decide(p, state(-860.0)).qty, 900);
  // An exact half lot rounds toward zero, so the residual half lot stays put next time.
  EXPECT_EQ(decide(p, state(150.0)).qty, -100);
  EXPECT_EQ(decide(p, state(50.0)).qty, 0);
  EXPECT_EQ(decide(p, state(-50.0)).qty, 0);
  EXPECT_EQ(decide(p, state(-50.0)).reason, HedgeReason::kBelowMinTrade);
}

TEST(HedgePolicy, min_trade_qty_suppresses_small_trades) {
  const HedgePolicy p = band_shares(10.0, 1, 50);
  HedgeDecision d = decide(p, state(40.0));
  EXPECT_EQ(d.qty, 0);
  EXPECT_EQ(d.reason, HedgeReason::kBelowMinTrade);
  EXPECT_EQ(decide(p, state(50.0)).qty, -50);
  const HedgePolicy lots = band_shares(100.0, 100, 200);
  EXPECT_EQ(decide(lots, state(140.0)).qty, 0);  // one lot is below the minimum
  EXPECT_EQ(decide(lots, state(160.0)).qty, -200);
}

TEST(HedgePolicy, non_positive_lot_counts_as_one) {
  EXPECT_EQ(decide(band_shares(10.0, 0), state(123.4)).qty, -123);
  EXPECT_EQ(decide(band_shares(10.0, -5), state(-123.6)).qty, 124);
}

// --- Working orders ---------------------------------------------------------------------------

TEST(HedgePolicy, working_orders_count_so_a_slow_fill_is_not_hedged_twice) {
  const HedgePolicy p = band_shares(100.0);
  const HedgeDecision first = decide(p, state(1000.0));
  EXPECT_EQ(first.qty, -1000);
  EXPECT_EQ(decide(p, state(1000.0, 0.0, first.qty_shares)).qty, 0);
  EXPECT_EQ(decide(p, state(1000.0, -400.0, -600.0)).qty, 0);  // partly filled
  EXPECT_EQ(decide(p, state(1000.0, 0.0, -600.0)).qty, -400);
  EXPECT_EQ(decide(p, state(1000.0, 0.0, -1500.0)).qty, 500);  // working too much: offset
}

// --- Time-based rebalancing ------------------------------------------------------------------

TEST(HedgePolicy, time_policy_waits_for_the_interval_regardless_of_the_band) {
  const HedgePolicy p = time_based(5 * kNanosPerSecond);
  HedgeState s = state(10'000.0);
  s.last_rebalance_ns = 1'000 * kNanosPerSecond;
  s.now_ns = s.last_rebalance_ns + 5 * kNanosPerSecond - 1;
  HedgeDecision d = decide(p, s);
  EXPECT_EQ(d.qty, 0);
  EXPECT_FALSE(d.rebalance_due);
  EXPECT_EQ(d.reason, HedgeReason::kBeforeRebalanceTime);

  s.now_ns += 1;  // exactly the interval
  d = decide(p, s);
  EXPECT_TRUE(d.rebalance_due);
  EXPECT_EQ(d.qty, -10'000);
  EXPECT_EQ(d.reason, HedgeReason::kRebalanceTime);
  EXPECT_EQ(d.half_width_shares, 0.0);

  // A clock that stepped back is not a rebalance time.
  s.now_ns = s.last_rebalance_ns - kNanosPerSecond;
  EXPECT_FALSE(decide(p, s).rebalance_due);
}

TEST(HedgePolicy, time_policy_hedges_any_net_of_at_least_min_trade) {
  HedgePolicy p = time_based(kNanosPerSecond, 1, 5);
  p.band_delta_shares = 1'000.0;  // ignored by the time policy
  HedgeState s = state(4.0);
  s.now_ns = 10 * kNanosPerSecond;
  HedgeDecision d = decide(p, s);
  EXPECT_TRUE(d.rebalance_due);  // the caller records the rebalance even without a trade
  EXPECT_EQ(d.qty, 0);
  EXPECT_EQ(d.reason, HedgeReason::kBelowMinTrade);
  s.option_delta_shares = -5.2;
  EXPECT_EQ(decide(p, s).qty, 5);
  s.option_delta_shares = 0.0;
  d = decide(p, s);
  EXPECT_EQ(d.qty, 0);
  EXPECT_EQ(d.reason, HedgeReason::kInsideBand);
}

TEST(HedgePolicy, time_policy_with_non_positive_interval_is_always_due) {
  HedgeState s = state(300.0);
  s.now_ns = 0;
  s.last_rebalance_ns = 0;
  EXPECT_EQ(decide(time_based(0), s).qty, -300);
  s.last_rebalance_ns = std::numeric_limits<TimeNs>::min();  // no overflow either
  s.now_ns = std::numeric_limits<TimeNs>::max();
  EXPECT_TRUE(decide(time_based(kNanosPerSecond), s).rebalance_due);
}

// --- Invalid inputs ---------------------------------------------------------------------------

TEST(HedgePolicy, non_finite_inputs_never_trade) {
  const HedgePolicy p = band_shares(100.0);
  for (double bad : {kNaN, kInf, -kInf}) {
    HedgeState s = state(5'000.0);
    s.option_delta_shares = bad;
    EXPECT_EQ(decide(p, s).qty, 0);
    EXPECT_EQ(decide(p, s).reason, HedgeReason::kInvalidInput);
    s = state(5'000.0, bad);
    EXPECT_EQ(decide(p, s).qty, 0);
    s = state(5'000.0, 0.0, bad);
    EXPECT_EQ(decide(p, s).qty, 0);
    s = state(5'000.0);
    s.spot = bad;
    EXPECT_EQ(decide(p, s).qty, 0);
    s = state(5'000.0);
    s.gamma_shares = bad;
    EXPECT_EQ(decide(p, s).qty, 0);
    s = state(5'000.0);
    s.unit_delta_shares = bad;
    EXPECT_EQ(decide(p, s).qty, 0);
  }
  HedgeState s = state(5'000.0);
  s.unit_delta_shares = 0.0;
  EXPECT_EQ(decide(p, s).reason, HedgeReason::kInvalidInput);
  EXPECT_EQ(decide(band_shares(kNaN), state(5'000.0)).reason, HedgeReason::kInvalidInput);
  EXPECT_EQ(decide(band_shares(-1.0), state(5'000.0)).reason, HedgeReason::kInvalidInput);
  EXPECT_EQ(decide(whalley_wilmott(0.0005, 0.0), state(5'000.0)).reason,
            HedgeReason::kInvalidInput);
  EXPECT_EQ(decide(band_shares(0.0), state(1e300)).reason, HedgeReason::kInvalidInput);
}

// --- Futures ----------------------------------------------------------------------------------

TEST(HedgeInstrument, spot_delta_is_its_multiplier) {
  const HedgeInstrument spot{};
  EXPECT_EQ(unit_delta_shares(spot, 0.05, 0.01), 1.0);
  EXPECT_EQ(to_instrument_qty(spot, 0.05, 0.01, -1234.4, 1), -1234);
  EXPECT_EQ(to_instrument_qty(spot, 0.05, 0.01, 1249.0, 100), 1200);
  EXPECT_EQ(to_shares_equivalent(spot, 0.05, 0.01, -700), -700.0);
}

TEST(HedgeInstrument, future_delta_carries_the_forward_factor) {
  // r 5%, q 1%, T 0.5y: e^{0.02} = 1.0202013400267558; 50 shares per contract.
  const HedgeInstrument future{HedgeInstrumentKind::kFuture, 50.0, 0.5};
  EXPECT_NEAR(unit_delta_shares(future, 0.05, 0.01), 51.010067001337790, 1e-12);
  // 10,000 shares of delta: 10000 e^{-0.02} / 50 = 196.0397 contracts.
  EXPECT_EQ(to_instrument_qty(future, 0.05, 0.01, 10'000.0, 1), 196);
  EXPECT_EQ(to_instrument_qty(future, 0.05, 0.01, -10'000.0, 1), -196);
  EXPECT_EQ(to_instrument_qty(future, 0.05, 0.01, 10'000.0, 5), 195);  // 39.2 lots of 5
  EXPECT_NEAR(to_shares_equivalent(future, 0.05, 0.01, 196), 9997.973132262206, 1e-9);
  EXPECT_NEAR(to_shares_equivalent(future, 0.05, 0.01, -195), -9946.963065260868, 1e-9);
  // Negative carry: the future's delta is below the spot's.
  EXPECT_NEAR(unit_delta_shares(future, 0.01, 0.05), 50.0 * std::exp(-0.02), 1e-12);
  // At expiry the future is the spot.
  const HedgeInstrument expiring{HedgeInstrumentKind::kFuture, 50.0, 0.0};
  EXPECT_EQ(unit_delta_shares(expiring, 0.05, 0.01), 50.0);
}

TEST(HedgeInstrument, invalid_instruments_convert_to_nothing) {
  const HedgeInstrument no_multiplier{HedgeInstrumentKind::kFuture, 0.0, 0.5};
  EXPECT_TRUE(std::isnan(unit_delta_shares(no_multiplier, 0.05, 0.01)));
  EXPECT_EQ(to_instrument_qty(no_multiplier, 0.05, 0.01, 10'000.0, 1), 0);
  const HedgeInstrument future{HedgeInstrumentKind::kFuture, 50.0, 0.5};
  EXPECT_TRUE(std::isnan(unit_delta_shares(future, kNaN, 0.01)));
  EXPECT_EQ(to_instrument_qty(future, 0.05, 0.01, kNaN, 1), 0);
  EXPECT_EQ(to_instrument_qty(future, 0.05, 0.01, kInf, 1), 0);
  const HedgeInstrument expired{HedgeInstrumentKind::kFuture, 50.0, -0.1};
  EXPECT_TRUE(std::isnan(unit_delta_shares(expired, 0.05, 0.01)));
}

TEST(HedgeInstrument, decide_in_futures_trades_whole_contracts) {
  const HedgeInstrument future{HedgeInstrumentKind::kFuture, 50.0, 0.5};
  const double unit = unit_delta_shares(future, 0.05, 0.01);
  HedgeState s = state(10'000.0);
  s.unit_delta_shares = unit;
  const HedgeDecision d = decide(band_shares(500.0), s);
  EXPECT_EQ(d.qty, -196);  // contracts
  EXPECT_NEAR(d.qty_shares, -9997.973132262206, 1e-9);
  EXPECT_EQ(to_instrument_qty(future, 0.05, 0.01, d.qty_shares, 1), d.qty);
  // The sent contracts, counted as working shares-equivalent, leave nothing to do.
  s.working_shares = to_shares_equivalent(future, 0.05, 0.01, d.qty);
  EXPECT_EQ(decide(band_shares(0.0), s).qty, 0);
  // A 2-contract lot and a 10-contract minimum are in contracts too.
  s.working_shares = 0.0;
  s.option_delta_shares = 400.0;  // 7.84 contracts: 4 lots of 2 = 8, below the minimum of 10
  EXPECT_EQ(decide(band_shares(0.0, 2, 10), s).qty, 0);
  EXPECT_EQ(decide(band_shares(0.0, 2, 8), s).qty, -8);
}

// --- Config and compatibility -----------------------------------------------------------------

TEST(HedgePolicy, validate_names_the_bad_field) {
  EXPECT_EQ(validate(band_shares(250.0)), nullptr);
  EXPECT_EQ(validate(whalley_wilmott(0.0005, 0.003, 10.0, 1000.0)), nullptr);
  EXPECT_EQ(validate(whalley_wilmott(0.0005, 0.003)), nullptr);  // no ceiling
  EXPECT_EQ(validate(time_based(kNanosPerSecond)), nullptr);
  const auto mentions = [](const char* message, const char* key) {
    return message != nullptr && std::strstr(message, key) != nullptr;
  };
  EXPECT_TRUE(mentions(validate(band_shares(-1.0)), "band_delta_shares"));
  HedgePolicy notional;
  notional.kind = HedgePolicyKind::kBandNotional;
  notional.band_delta_notional = kNaN;
  EXPECT_TRUE(mentions(validate(notional), "band_delta_notional"));
  EXPECT_TRUE(mentions(validate(whalley_wilmott(0.0005, 0.0)), "risk_aversion"));
  EXPECT_TRUE(mentions(validate(whalley_wilmott(-0.1, 0.003)), "cost"));
  EXPECT_TRUE(mentions(validate(whalley_wilmott(0.0005, 0.003, -1.0)), "min_band_shares"));
  EXPECT_TRUE(mentions(validate(whalley_wilmott(0.0005, 0.003, 10.0, 5.0)), "max_band_shares"));
  EXPECT_TRUE(mentions(validate(time_based(0)), "rebalance_interval"));
  EXPECT_TRUE(mentions(validate(band_shares(1.0, 0)), "lot_size"));
  EXPECT_TRUE(mentions(validate(band_shares(1.0, 1, -1)), "min_trade_qty"));
}

TEST(HedgePolicy, from_delta_band_matches_decide_hedge_qty) {
  for (const DeltaBandPolicy band : {DeltaBandPolicy{100.0, 1, 1}, DeltaBandPolicy{100.0, 100, 1},
                                     DeltaBandPolicy{10.0, 100, 200}, DeltaBandPolicy{0.0, 1, 1}}) {
    const HedgePolicy p = from_delta_band(band);
    for (double delta = -5003.7; delta < 5000.0; delta += 37.3) {
      for (std::int64_t working : {0, -300, 700}) {
        // Exact half-lot ties are the one difference: the new code rounds them toward zero.
        const double lot = static_cast<double>(band.lot_size);
        const double net = std::fabs(delta + static_cast<double>(working));
        if (std::fabs(std::fmod(net, lot) - 0.5 * lot) < 1e-6) continue;
        const HedgeInputs old_in{delta, 0, working};
        const HedgeDecision d = decide(p, state(delta, 0.0, static_cast<double>(working)));
        EXPECT_EQ(d.qty, decide_hedge_qty(band, old_in)) << delta << " " << working;
      }
    }
  }
}

TEST(HedgePolicy, names_for_logs_and_config) {
  EXPECT_STREQ(to_string(HedgeReason::kInsideBand), "inside_band");
  EXPECT_STREQ(to_string(HedgeReason::kOutsideBand), "outside_band");
  EXPECT_STREQ(to_string(HedgeReason::kRebalanceTime), "rebalance_time");
  EXPECT_STREQ(to_string(HedgeReason::kBelowMinTrade), "below_min_trade");
  EXPECT_STREQ(to_string(HedgeReason::kBeforeRebalanceTime), "before_rebalance_time");
  EXPECT_STREQ(to_string(HedgeReason::kInvalidInput), "invalid_input");
  EXPECT_STREQ(to_string(HedgePolicyKind::kBandShares), "band_shares");
  EXPECT_STREQ(to_string(HedgePolicyKind::kBandNotional), "band_notional");
  EXPECT_STREQ(to_string(HedgePolicyKind::kWhalleyWilmott), "whalley_wilmott");
  EXPECT_STREQ(to_string(HedgePolicyKind::kTime), "time");
  EXPECT_STREQ(to_string(HedgeTarget::kZero), "zero");
  EXPECT_STREQ(to_string(HedgeTarget::kBandEdge), "edge");
}

}  // namespace
}  // namespace hedged::hedging
