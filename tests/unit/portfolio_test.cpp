// Option book revaluation: per-line Black-Scholes aggregation, desk units (vanna and volga
// included, checked against finite differences) and expired lines.
#include "core/greeks/portfolio.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/pricing/black_scholes.hpp"

namespace hedged::greeks {
namespace {

constexpr TimeNs kNow = 1'700'000'000 * kNanosPerSecond;
constexpr TimeNs kDay = 86'400 * kNanosPerSecond;

OptionLine line(InstrumentId id, OptionRight right, double strike, TimeNs expiry, double multiplier,
                std::int64_t quantity) {
  OptionLine l;
  l.option = id;
  l.right = right;
  l.strike = strike;
  l.expiry_ns = expiry;
  l.multiplier = multiplier;
  l.quantity = quantity;
  return l;
}

void expect_near_rel(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, 1e-12 * std::max(1.0, std::fabs(expected))) << what;
}

void expect_all_zero(const PortfolioGreeks& g) {
  EXPECT_EQ(g.value, 0.0);
  EXPECT_EQ(g.delta_shares, 0.0);
  EXPECT_EQ(g.delta_notional, 0.0);
  EXPECT_EQ(g.gamma_shares, 0.0);
  EXPECT_EQ(g.gamma_notional_per_pct, 0.0);
  EXPECT_EQ(g.vega_per_vol_point, 0.0);
  EXPECT_EQ(g.theta_per_day, 0.0);
  EXPECT_EQ(g.rho_per_pct, 0.0);
  EXPECT_EQ(g.vanna_shares_per_vol_point, 0.0);
  EXPECT_EQ(g.volga_per_vol_point2, 0.0);
}

TEST(Portfolio, revalue_sums_black_scholes_times_quantity_and_multiplier) {
  const std::vector<OptionLine> lines = {
      line(1, OptionRight::kCall, 100.0, kNow + 30 * kDay, 100.0, 40),
      line(2, OptionRight::kPut, 95.0, kNow + 30 * kDay, 100.0, -30),
      line(3, OptionRight::kCall, 110.0, kNow + 91 * kDay, 10.0, 250),
      line(4, OptionRight::kPut, 105.0, kNow + 365 * kDay, 100.0, 7),
  };
  OptionBook book;
  for (const OptionLine& l : lines) book.add(l);
  ASSERT_EQ(book.lines().size(), 4u);

  const MarketParams market{101.5, 0.04, 0.015, 0.27};
  const PortfolioGreeks g = book.revalue(market, kNow);

  double value = 0, delta = 0, gamma = 0, vega = 0, theta = 0, rho = 0, vanna = 0, volga = 0;
  for (const OptionLine& l : lines) {
    const double t_years = static_cast<double>(l.expiry_ns - kNow) / 1e9 / (365.0 * 86'400.0);
    const pricing::Greeks o = pricing::black_scholes(
        {market.spot, l.strike, market.rate, market.dividend_yield, market.vol, t_years, l.right});
    const double units = static_cast<double>(l.quantity) * l.multiplier;
    value += units * o.price;
    delta += units * o.delta;
    gamma += units * o.gamma;
    vega += units * o.vega;
    theta += units * o.theta;
    rho += units * o.rho;
    vanna += units * o.vanna;
    volga += units * o.volga;
  }
  expect_near_rel(g.value, value, "value");
  expect_near_rel(g.delta_shares, delta, "delta_shares");
  expect_near_rel(g.gamma_shares, gamma, "gamma_shares");
  expect_near_rel(g.vega_per_vol_point, vega * 0.01, "vega_per_vol_point");
  expect_near_rel(g.theta_per_day, theta / 365.0, "theta_per_day");
  expect_near_rel(g.rho_per_pct, rho * 0.01, "rho_per_pct");
  expect_near_rel(g.vanna_shares_per_vol_point, vanna * 0.01, "vanna_shares_per_vol_point");
  expect_near_rel(g.volga_per_vol_point2, volga * 0.0001, "volga_per_vol_point2");
  expect_near_rel(g.delta_notional, delta * market.spot, "delta_notional");
  expect_near_rel(g.gamma_notional_per_pct, gamma * market.spot * market.spot * 0.01,
                  "gamma_notional_per_pct");
}

TEST(Portfolio, time_to_expiry_is_act_365_from_now) {
  OptionBook book;
  book.add(line(1, OptionRight::kCall, 100.0, kNow + 73 * kDay, 100.0, 1));
  const MarketParams market{100.0, 0.02, 0.0, 0.3};
  const pricing::Greeks o =
      pricing::black_scholes({100.0, 100.0, 0.02, 0.0, 0.3, 0.2, OptionRight::kCall});  // 73/365
  const PortfolioGreeks g = book.revalue(market, kNow);
  EXPECT_NEAR(g.value, 100.0 * o.price, 1e-9);
  EXPECT_NEAR(g.delta_shares, 100.0 * o.delta, 1e-9);
  // Later in time the option is worth less: revalue uses `now`, not a fixed horizon.
  EXPECT_LT(book.revalue(market, kNow + 30 * kDay).value, g.value);
}

TEST(Portfolio, desk_unit_conversions) {
  OptionBook book;
  book.add(line(1, OptionRight::kPut, 90.0, kNow + 60 * kDay, 100.0, -12));
  const MarketParams market{92.0, 0.05, 0.02, 0.35};
  const PortfolioGreeks g = book.revalue(market, kNow);
  const pricing::Greeks o =
      pricing::black_scholes({92.0, 90.0, 0.05, 0.02, 0.35, 60.0 / 365.0, OptionRight::kPut});
  const double units = -12.0 * 100.0;
  expect_near_rel(g.delta_shares, units * o.delta, "delta_shares");
  expect_near_rel(g.gamma_shares, units * o.gamma, "gamma_shares");
  expect_near_rel(g.vega_per_vol_point, units * o.vega * 0.01, "vega_per_vol_point");
  expect_near_rel(g.theta_per_day, units * o.theta / 365.0, "theta_per_day");
  expect_near_rel(g.rho_per_pct, units * o.rho * 0.01, "rho_per_pct");
  expect_near_rel(g.vanna_shares_per_vol_point, units * o.vanna * 0.01,
                  "vanna_shares_per_vol_point");
  expect_near_rel(g.volga_per_vol_point2, units * o.volga * 0.0001, "volga_per_vol_point2");
  expect_near_rel(g.delta_notional, g.delta_shares * 92.0, "delta_notional");
  expect_near_rel(g.gamma_notional_per_pct, g.gamma_shares * 92.0 * 92.0 * 0.01,
                  "gamma_notional_per_pct");
  // Short puts: long delta, short gamma and vega, earning theta.
  EXPECT_GT(g.delta_shares, 0.0);
  EXPECT_LT(g.gamma_shares, 0.0);
  EXPECT_LT(g.vega_per_vol_point, 0.0);
  EXPECT_GT(g.theta_per_day, 0.0);
}

TEST(Portfolio, gamma_notional_matches_delta_notional_change_for_one_percent_move) {
  OptionBook book;
  book.add(line(1, OptionRight::kCall, 100.0, kNow + 45 * kDay, 100.0, 50));
  const double s = 100.0;
  const double h = 1e-4 * s;
  const PortfolioGreeks g = book.revalue({s, 0.01, 0.0, 0.25}, kNow);
  const PortfolioGreeks up = book.revalue({s + h, 0.01, 0.0, 0.25}, kNow);
  const PortfolioGreeks down = book.revalue({s - h, 0.01, 0.0, 0.25}, kNow);
  // d(delta_notional)/dS = gamma*S + delta; a 1% move (0.01*S) changes it by gamma*S^2*0.01
  // plus the delta term, which the desk number leaves out by convention.
  const double d_delta_notional_ds = (up.delta_notional - down.delta_notional) / (2.0 * h);
  EXPECT_NEAR(g.gamma_notional_per_pct + g.delta_shares * 0.01 * s, d_delta_notional_ds * 0.01 * s,
              1e-4 * std::fabs(g.gamma_notional_per_pct));
}

TEST(Portfolio, deep_in_the_money_calls_have_full_delta) {
  OptionBook book;
  book.add(line(1, OptionRight::kCall, 50.0, kNow + 36 * kDay, 100.0, 10));  // T = 36/365
  const PortfolioGreeks g = book.revalue({100.0, 0.05, 0.0, 0.2}, kNow);
  EXPECT_NEAR(g.delta_shares, 1000.0, 1e-6);
  EXPECT_NEAR(g.delta_notional, 100'000.0, 1e-4);
  EXPECT_NEAR(g.value, 1000.0 * (100.0 - 50.0 * std::exp(-0.05 * 36.0 / 365.0)), 1e-6);
  EXPECT_NEAR(g.gamma_shares, 0.0, 1e-9);
}

TEST(Portfolio, expired_lines_contribute_nothing) {
  OptionBook expired;
  expired.add(line(1, OptionRight::kCall, 80.0, kNow, 100.0, 10));         // expires right now
  expired.add(line(2, OptionRight::kPut, 120.0, kNow - kDay, 100.0, -5));  // long gone
  const MarketParams market{100.0, 0.03, 0.0, 0.2};
  expect_all_zero(expired.revalue(market, kNow));

  OptionBook live_only;
  live_only.add(line(3, OptionRight::kCall, 100.0, kNow + 10 * kDay, 100.0, 3));
  OptionBook mixed = expired;
  mixed.add(line(3, OptionRight::kCall, 100.0, kNow + 10 * kDay, 100.0, 3));
  const PortfolioGreeks a = mixed.revalue(market, kNow);
  const PortfolioGreeks b = live_only.revalue(market, kNow);
  EXPECT_DOUBLE_EQ(a.value, b.value);
  EXPECT_DOUBLE_EQ(a.delta_shares, b.delta_shares);
  EXPECT_DOUBLE_EQ(a.gamma_shares, b.gamma_shares);
  EXPECT_DOUBLE_EQ(a.vega_per_vol_point, b.vega_per_vol_point);
  EXPECT_DOUBLE_EQ(a.theta_per_day, b.theta_per_day);
  EXPECT_DOUBLE_EQ(a.vanna_shares_per_vol_point, b.vanna_shares_per_vol_point);
  EXPECT_DOUBLE_EQ(a.volga_per_vol_point2, b.volga_per_vol_point2);
  EXPECT_GT(b.delta_shares, 0.0);

  // Once the live line has expired too, the whole book is flat.
  expect_all_zero(mixed.revalue(market, kNow + 10 * kDay));
}

TEST(Portfolio, zero_quantity_lines_and_empty_book_are_flat) {
  OptionBook empty;
  expect_all_zero(empty.revalue({100.0, 0.03, 0.0, 0.2}, kNow));
  OptionBook flat;
  flat.add(line(1, OptionRight::kCall, 100.0, kNow + 30 * kDay, 100.0, 0));
  expect_all_zero(flat.revalue({100.0, 0.03, 0.0, 0.2}, kNow));
}

TEST(Portfolio, long_and_short_of_the_same_option_cancel) {
  OptionBook book;
  book.add(line(1, OptionRight::kCall, 100.0, kNow + 30 * kDay, 100.0, 25));
  book.add(line(1, OptionRight::kCall, 100.0, kNow + 30 * kDay, 100.0, -25));
  const PortfolioGreeks g = book.revalue({100.0, 0.03, 0.0, 0.2}, kNow);
  EXPECT_NEAR(g.value, 0.0, 1e-9);
  EXPECT_NEAR(g.delta_shares, 0.0, 1e-9);
  EXPECT_NEAR(g.gamma_shares, 0.0, 1e-9);
  EXPECT_NEAR(g.vega_per_vol_point, 0.0, 1e-9);
  EXPECT_NEAR(g.vanna_shares_per_vol_point, 0.0, 1e-9);
  EXPECT_NEAR(g.volga_per_vol_point2, 0.0, 1e-9);
}

// The closed forms against central differences in vol of the scalar pricer's delta and vega, as
// the book aggregates them: vanna_shares_per_vol_point is d(delta_shares)/dsigma * 0.01 and
// volga_per_vol_point2 is d(vega_per_vol_point)/dsigma * 0.01. Vanna is also d(vega)/dS.
TEST(Portfolio, vanna_and_volga_match_finite_differences_of_delta_and_vega) {
  const std::vector<OptionLine> lines = {
      line(1, OptionRight::kCall, 100.0, kNow + 30 * kDay, 100.0, 40),
      line(2, OptionRight::kPut, 95.0, kNow + 30 * kDay, 100.0, -30),
      line(3, OptionRight::kCall, 130.0, kNow + 91 * kDay, 10.0, 250),
      line(4, OptionRight::kPut, 80.0, kNow + 365 * kDay, 100.0, 7),
      line(5, OptionRight::kCall, 60.0, kNow + 730 * kDay, 100.0, -3),
      line(6, OptionRight::kPut, 101.0, kNow + 3 * kDay, 100.0, 11),
  };
  // Each line alone (no cancellation to hide an error), then the whole book.
  std::vector<OptionBook> books(lines.size() + 1);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    books[i].add(lines[i]);
    books.back().add(lines[i]);
  }
  for (const MarketParams market :
       {MarketParams{101.5, 0.04, 0.015, 0.27}, MarketParams{101.5, -0.005, 0.06, 0.12},
        MarketParams{101.5, 0.08, 0.0, 0.65}}) {
    for (std::size_t i = 0; i < books.size(); ++i) {
      const OptionBook& book = books[i];
      const PortfolioGreeks g = book.revalue(market, kNow);
      const double h = 1e-5 * market.vol;
      MarketParams up = market;
      MarketParams down = market;
      up.vol += h;
      down.vol -= h;
      const PortfolioGreeks gu = book.revalue(up, kNow);
      const PortfolioGreeks gd = book.revalue(down, kNow);
      const double fd_vanna = (gu.delta_shares - gd.delta_shares) / (2.0 * h) * 0.01;
      const double fd_volga = (gu.vega_per_vol_point - gd.vega_per_vol_point) / (2.0 * h) * 0.01;
      // Rounding of the differences (~1e-16 * |delta| / h) and truncation (h^2) bound the error.
      const double tol_vanna =
          1e-6 * std::fabs(g.vanna_shares_per_vol_point) + 1e-9 * std::fabs(g.delta_shares) + 1e-9;
      const double tol_volga =
          1e-6 * std::fabs(g.volga_per_vol_point2) + 1e-9 * std::fabs(g.vega_per_vol_point) + 1e-9;
      EXPECT_NEAR(g.vanna_shares_per_vol_point, fd_vanna, tol_vanna) << "book " << i;
      EXPECT_NEAR(g.volga_per_vol_point2, fd_volga, tol_volga) << "book " << i;

      // Vanna is also d(vega)/dS: the mixed partials agree.
      const double hs = 1e-5 * market.spot;
      MarketParams s_up = market;
      MarketParams s_down = market;
      s_up.spot += hs;
      s_down.spot -= hs;
      const double fd_dvega_ds = (book.revalue(s_up, kNow).vega_per_vol_point -
                                  book.revalue(s_down, kNow).vega_per_vol_point) /
                                 (2.0 * hs);
      EXPECT_NEAR(g.vanna_shares_per_vol_point, fd_dvega_ds,
                  1e-6 * std::fabs(g.vanna_shares_per_vol_point) +
                      1e-9 * std::fabs(g.vega_per_vol_point) / market.spot + 1e-9)
          << "book " << i;
    }
  }
  // The sign conventions: a long OTM call (d2 < 0) has positive vanna; long options away from
  // the money have positive volga.
  const PortfolioGreeks otm_call = books[2].revalue({101.5, 0.04, 0.015, 0.27}, kNow);
  EXPECT_GT(otm_call.vanna_shares_per_vol_point, 0.0);
  EXPECT_GT(otm_call.volga_per_vol_point2, 0.0);
}

// Put-call parity: C - P = S e^{-qT} - K e^{-rT} does not depend on vol, so a long call and a long
// put with the same inputs have the same vanna and volga (and a synthetic forward has none).
TEST(Portfolio, vanna_and_volga_of_a_call_equal_those_of_the_put) {
  for (const MarketParams market :
       {MarketParams{101.5, 0.04, 0.015, 0.27}, MarketParams{87.0, 0.01, 0.07, 0.45}}) {
    for (const double strike : {70.0, 95.0, 100.0, 130.0}) {
      for (const int days : {5, 60, 400}) {
        OptionBook call;
        OptionBook put;
        OptionBook forward;
        call.add(line(1, OptionRight::kCall, strike, kNow + days * kDay, 100.0, 9));
        put.add(line(2, OptionRight::kPut, strike, kNow + days * kDay, 100.0, 9));
        forward.add(line(1, OptionRight::kCall, strike, kNow + days * kDay, 100.0, 9));
        forward.add(line(2, OptionRight::kPut, strike, kNow + days * kDay, 100.0, -9));
        const PortfolioGreeks c = call.revalue(market, kNow);
        const PortfolioGreeks p = put.revalue(market, kNow);
        const PortfolioGreeks f = forward.revalue(market, kNow);
        EXPECT_NE(c.vanna_shares_per_vol_point, 0.0);
        EXPECT_NE(c.volga_per_vol_point2, 0.0);
        expect_near_rel(c.vanna_shares_per_vol_point, p.vanna_shares_per_vol_point, "vanna");
        expect_near_rel(c.volga_per_vol_point2, p.volga_per_vol_point2, "volga");
        expect_near_rel(c.vega_per_vol_point, p.vega_per_vol_point, "vega");
        EXPECT_NEAR(f.vanna_shares_per_vol_point, 0.0,
                    1e-12 * std::fabs(c.vanna_shares_per_vol_point));
        EXPECT_NEAR(f.volga_per_vol_point2, 0.0, 1e-12 * std::fabs(c.volga_per_vol_point2));
      }
    }
  }
}

}  // namespace
}  // namespace hedged::greeks
