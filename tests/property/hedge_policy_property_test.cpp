// Hedge policy invariants over seeded random policies and states: a decision never overshoots,
// an edge target stays within a lot of the edge, trades are whole lots, a trade counted as
// working (or filled) is never repeated, non-finite inputs never trade, and futures conversions
// round-trip.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>
#include <random>
#include <string>

#include "core/hedging/hedge_policy.hpp"
#include "tests/support/random.hpp"

namespace hedged::hedging {
namespace {

using hedged::testing::uniform;

constexpr std::uint64_t kSeeds = 50;
constexpr int kCasesPerSeed = 4'000;

template <typename T, std::size_t N>
T pick(std::mt19937_64& gen, const std::array<T, N>& values) {
  return values[gen() % N];
}

HedgePolicy draw_policy(std::mt19937_64& gen) {
  HedgePolicy p;
  p.kind = static_cast<HedgePolicyKind>(gen() % 4);
  p.target = gen() % 2 == 0 ? HedgeTarget::kZero : HedgeTarget::kBandEdge;
  p.lot_size = pick(gen, std::array<std::int64_t, 5>{1, 1, 7, 10, 100});
  p.min_trade_qty = pick(gen, std::array<std::int64_t, 5>{0, 1, p.lot_size, 3 * p.lot_size, 250});
  p.band_delta_shares = gen() % 8 == 0 ? 0.0 : uniform(gen, 0.0, 2'000.0);
  p.band_delta_notional = uniform(gen, 0.0, 200'000.0);
  p.risk_aversion = std::exp(uniform(gen, std::log(1e-6), std::log(1.0)));
  p.cost_fraction = uniform(gen, 0.0, 0.005);
  p.min_band_shares = uniform(gen, 0.0, 100.0);
  p.max_band_shares = gen() % 3 == 0 ? std::numeric_limits<double>::infinity()
                                     : p.min_band_shares + uniform(gen, 0.0, 5'000.0);
  p.rebalance_interval_ns = static_cast<TimeNs>(1 + gen() % 10) * kNanosPerSecond;
  return p;
}

struct Drawn {
  HedgeInstrument instrument;
  double rate = 0.0;
  double dividend_yield = 0.0;
  HedgeState state;
};

Drawn draw_state(std::mt19937_64& gen) {
  Drawn d;
  if (gen() % 2 == 0) {
    d.instrument.kind = HedgeInstrumentKind::kFuture;
    d.instrument.multiplier = pick(gen, std::array<double, 4>{1.0, 10.0, 50.0, 100.0});
    d.instrument.time_to_expiry_years = uniform(gen, 0.0, 2.0);
    d.rate = uniform(gen, -0.01, 0.10);
    d.dividend_yield = uniform(gen, 0.0, 0.08);
  }
  HedgeState& s = d.state;
  s.unit_delta_shares = unit_delta_shares(d.instrument, d.rate, d.dividend_yield);
  s.option_delta_shares = uniform(gen, -20'000.0, 20'000.0);
  // Position and working orders are whole instrument units, expressed in shares-equivalent.
  const auto units = [&](std::int64_t range) {
    const auto n =
        static_cast<std::int64_t>(gen() % static_cast<std::uint64_t>(2 * range + 1)) - range;
    return to_shares_equivalent(d.instrument, d.rate, d.dividend_yield, n);
  };
  const std::int64_t range = d.instrument.kind == HedgeInstrumentKind::kSpot ? 20'000 : 400;
  s.hedge_position_shares = units(range);
  s.working_shares = gen() % 2 == 0 ? 0.0 : units(range / 4);
  s.spot = uniform(gen, 1.0, 1'000.0);
  s.gamma_shares = uniform(gen, -5'000.0, 5'000.0);
  s.now_ns = static_cast<TimeNs>(uniform(gen, 1e15, 2e15));
  s.last_rebalance_ns = s.now_ns - static_cast<TimeNs>(uniform(gen, 0.0, 2e10));
  return d;
}

bool trades(HedgeReason reason) {
  return reason == HedgeReason::kOutsideBand || reason == HedgeReason::kRebalanceTime;
}

TEST(HedgePolicyProperty, decisions_are_whole_lots_never_overshoot_and_never_repeat) {
  std::array<std::size_t, kHedgeReasonCount> reasons{};
  std::size_t edge_trades = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds && !::testing::Test::HasFailure(); ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 gen(seed * 0x9E3779B97F4A7C15ull);
    for (int i = 0; i < kCasesPerSeed && !::testing::Test::HasFailure(); ++i) {
      SCOPED_TRACE("case " + std::to_string(i));
      const HedgePolicy p = draw_policy(gen);
      Drawn drawn = draw_state(gen);
      if (gen() % 3 == 0) {
        // Near the rounding boundaries: the band edge plus a whole number of half lots, exactly
        // or within a hair (around the policy's 1e-9 and 1e-8 lot hysteresis).
        const double band = band_half_width_shares(p, drawn.state.spot, drawn.state.gamma_shares);
        const double half_lot =
            0.5 * static_cast<double>(p.lot_size) * drawn.state.unit_delta_shares;
        const double hair =
            2.0 * half_lot *
            pick(gen, std::array<double, 8>{0.0, 1e-9, -1e-9, 1e-8, -1e-8, 1.1e-8, -1.1e-8, 1e-7});
        const double net = (gen() % 2 == 0 ? 1.0 : -1.0) *
                           (band + static_cast<double>(gen() % 9) * half_lot + hair);
        drawn.state.option_delta_shares =
            net - drawn.state.hedge_position_shares - drawn.state.working_shares;
      }
      const HedgeState& s = drawn.state;
      const HedgeDecision d = decide(p, s);
      ++reasons[static_cast<std::size_t>(d.reason)];

      const double before = net_delta_shares(s);
      const double lot_shares = static_cast<double>(p.lot_size) * s.unit_delta_shares;
      const double h = d.half_width_shares;
      // Rounding of the sums, plus the policy's documented hysteresis of up to 1e-8 lot.
      const double tol = 1e-9 * (1.0 + std::fabs(before)) + 1e-8 * lot_shares;
      ASSERT_NE(d.reason, HedgeReason::kInvalidInput);
      EXPECT_EQ(d.net_delta_shares, before);
      EXPECT_EQ(d.qty % p.lot_size, 0);
      EXPECT_EQ(d.qty != 0, trades(d.reason)) << to_string(d.reason);
      EXPECT_EQ(d.qty_shares, static_cast<double>(d.qty) * s.unit_delta_shares);
      EXPECT_EQ(d.rebalance_due, p.kind == HedgePolicyKind::kTime &&
                                     s.now_ns - s.last_rebalance_ns >= p.rebalance_interval_ns);
      if (p.kind == HedgePolicyKind::kWhalleyWilmott) {
        EXPECT_GE(h, p.min_band_shares);
        EXPECT_LE(h, p.max_band_shares);
      }
      if (d.reason == HedgeReason::kInsideBand) {
        EXPECT_LE(std::fabs(before), h + tol);
      }

      if (d.qty != 0) {
        const double after = before + d.qty_shares;
        EXPECT_GT(std::fabs(before), h);
        EXPECT_LT(static_cast<double>(d.qty) * before, 0.0);  // trades against the net delta
        EXPECT_GE(std::llabs(d.qty), p.min_trade_qty);
        EXPECT_LE(std::fabs(after), std::fabs(before) + tol);  // never overshoots
        if (p.target == HedgeTarget::kZero || p.kind == HedgePolicyKind::kTime) {
          EXPECT_LE(std::fabs(after), 0.5 * lot_shares + tol);
        } else {
          ++edge_trades;
          EXPECT_GE(std::fabs(after), h - lot_shares - tol);  // stops near the edge
          EXPECT_LE(std::fabs(after), std::max(h, 0.5 * lot_shares) + tol);
        }
      }

      // The trade sent and still working, or already filled: nothing more to do.
      const auto describe = [&] {
        char text[256];
        std::snprintf(text, sizeof text,
                      "%s target %s lot %lld (%.17g shares) min %lld band %.17g net %.17g qty %lld",
                      to_string(p.kind), to_string(p.target), static_cast<long long>(p.lot_size),
                      lot_shares, static_cast<long long>(p.min_trade_qty), h, before,
                      static_cast<long long>(d.qty));
        return std::string(text);
      };
      HedgeState sent = s;
      sent.working_shares += d.qty_shares;
      EXPECT_EQ(decide(p, sent).qty, 0) << describe();
      HedgeState filled = s;
      filled.hedge_position_shares += d.qty_shares;
      EXPECT_EQ(decide(p, filled).qty, 0) << describe();
    }
  }
  std::printf(
      "hedge policy property: %zu cases; inside %zu, outside %zu, rebalance %zu, "
      "below-min %zu, before-time %zu; %zu edge-target trades\n",
      static_cast<std::size_t>(kSeeds) * static_cast<std::size_t>(kCasesPerSeed),
      reasons[static_cast<std::size_t>(HedgeReason::kInsideBand)],
      reasons[static_cast<std::size_t>(HedgeReason::kOutsideBand)],
      reasons[static_cast<std::size_t>(HedgeReason::kRebalanceTime)],
      reasons[static_cast<std::size_t>(HedgeReason::kBelowMinTrade)],
      reasons[static_cast<std::size_t>(HedgeReason::kBeforeRebalanceTime)], edge_trades);
  // Every branch was exercised often enough for the invariants to mean something.
  for (HedgeReason r :
       {HedgeReason::kInsideBand, HedgeReason::kOutsideBand, HedgeReason::kRebalanceTime,
        HedgeReason::kBelowMinTrade, HedgeReason::kBeforeRebalanceTime}) {
    EXPECT_GT(reasons[static_cast<std::size_t>(r)], 500u) << to_string(r);
  }
  EXPECT_GT(edge_trades, 5'000u);
}

TEST(HedgePolicyProperty, non_finite_inputs_never_trade) {
  constexpr std::array<double, 3> kBad{std::numeric_limits<double>::quiet_NaN(),
                                       std::numeric_limits<double>::infinity(),
                                       -std::numeric_limits<double>::infinity()};
  std::mt19937_64 gen(20261121);
  for (int i = 0; i < 20'000; ++i) {
    const HedgePolicy p = draw_policy(gen);
    HedgeState s = draw_state(gen).state;
    s.option_delta_shares *= 50.0;  // far outside any band
    double* fields[] = {&s.option_delta_shares, &s.hedge_position_shares,
                        &s.working_shares,      &s.spot,
                        &s.gamma_shares,        &s.unit_delta_shares};
    *fields[gen() % std::size(fields)] = kBad[gen() % kBad.size()];
    const HedgeDecision d = decide(p, s);
    ASSERT_EQ(d.qty, 0) << i;
    ASSERT_EQ(d.qty_shares, 0.0) << i;
    // Inputs are checked first, so a time policy that is not due reports them too.
    ASSERT_EQ(d.reason, HedgeReason::kInvalidInput) << i;
  }
}

TEST(HedgePolicyProperty, futures_conversions_round_trip) {
  std::mt19937_64 gen(7);
  for (int i = 0; i < 100'000; ++i) {
    const Drawn drawn = draw_state(gen);
    const std::int64_t lot = pick(gen, std::array<std::int64_t, 4>{1, 2, 5, 100});
    const double unit = unit_delta_shares(drawn.instrument, drawn.rate, drawn.dividend_yield);
    ASSERT_GT(unit, 0.0);
    // Whole lots convert to shares-equivalent and back exactly.
    const std::int64_t qty = (static_cast<std::int64_t>(gen() % 2001) - 1000) * lot;
    const double shares =
        to_shares_equivalent(drawn.instrument, drawn.rate, drawn.dividend_yield, qty);
    ASSERT_EQ(to_instrument_qty(drawn.instrument, drawn.rate, drawn.dividend_yield, shares, lot),
              qty)
        << i;
    // Any shares quantity converts to the nearest whole lot: within half a lot of it.
    const double want = uniform(gen, -1e6, 1e6);
    const std::int64_t got =
        to_instrument_qty(drawn.instrument, drawn.rate, drawn.dividend_yield, want, lot);
    ASSERT_EQ(got % lot, 0);
    const double back =
        to_shares_equivalent(drawn.instrument, drawn.rate, drawn.dividend_yield, got);
    ASSERT_LE(std::fabs(back - want), 0.5 * static_cast<double>(lot) * unit * (1.0 + 1e-9)) << i;
  }
}

}  // namespace
}  // namespace hedged::hedging
