// Implied volatility: round trips through the BSM and Black-76 pricers on a seeded grid, the
// no-arbitrage error cases, and the hard corners (short-dated at the money, deep out of the
// money, tiny prices).
#include "core/pricing/implied_vol.hpp"

#include <gtest/gtest.h>

#include "tests/support/random.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/pricing/black_scholes.hpp"

namespace hedged::pricing {
namespace {

using hedged::testing::uniform;
constexpr auto make = hedged::testing::make_inputs;

constexpr std::uint64_t kGridSeed = 0x1f0e'da7a'5eed'0001ULL;
constexpr std::size_t kGridPoints = 6000;  // each a call and a put: 12,000 options
constexpr int kMaxDays = 3 * 365;
constexpr double kRoundTripRel = 1e-12;
// Below this vega (price units per 1.00 of vol, spot 100) the price does not determine the vol
// to any useful precision; the round trip is still checked, only for a sane vol.
constexpr double kMinVega = 1e-8;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

BsInputs with_right(BsInputs in, OptionRight right) {
  in.right = right;
  return in;
}

BsInputs with_vol(BsInputs in, double vol) {
  in.vol = vol;
  return in;
}

// The quoting range: moneyness S/K 0.5-2, expiry 1 day-3 years, vol 5%-150%, negative rates.
std::vector<BsInputs> random_grid() {
  std::mt19937_64 gen(kGridSeed);
  std::vector<BsInputs> out;
  out.reserve(2 * kGridPoints);
  for (std::size_t i = 0; i < kGridPoints; ++i) {
    const double spot = 100.0;
    const double strike = spot / uniform(gen, 0.5, 2.0);
    const double t = static_cast<double>(1 + gen() % kMaxDays) / 365.0;
    const double vol = uniform(gen, 0.05, 1.5);
    const double rate = uniform(gen, -0.01, 0.10);
    const double q = uniform(gen, 0.0, 0.08);
    for (const OptionRight right : {OptionRight::kCall, OptionRight::kPut}) {
      out.push_back(make(spot, strike, rate, q, vol, t, right));
    }
  }
  return out;
}

std::string describe(const BsInputs& in) {
  return std::string(to_string(in.right)) + " S=" + std::to_string(in.spot) +
         " K=" + std::to_string(in.strike) + " r=" + std::to_string(in.rate) +
         " q=" + std::to_string(in.dividend_yield) + " vol=" + std::to_string(in.vol) +
         " T=" + std::to_string(in.time_years);
}

double rel_err(double actual, double expected) {
  return std::abs(actual - expected) / std::abs(expected);
}

// BSM in long double (64-bit significand on x86): where the double pricer's N(d1) - N(d2)
// cancels ~3-4 digits (an hour to expiry, or 1e-300 prices), this one still has ~15 correct.
// It is the reference for the corners; the double pricer's own noise there is ~1e-13.
double reference_price(const BsInputs& in) {
  using ld = long double;
  const ld t = in.time_years;
  const ld sd = static_cast<ld>(in.vol) * std::sqrt(t);
  const ld fwd_spot = in.spot * std::exp(-static_cast<ld>(in.dividend_yield) * t);
  const ld pv_strike = in.strike * std::exp(-static_cast<ld>(in.rate) * t);
  const ld d1 = std::log(fwd_spot / pv_strike) / sd + sd / 2;
  const ld d2 = d1 - sd;
  auto cdf = [](ld v) { return std::erfc(-v / std::sqrt(2.0L)) / 2; };
  const ld price = in.right == OptionRight::kCall ? fwd_spot * cdf(d1) - pv_strike * cdf(d2)
                                                  : pv_strike * cdf(-d2) - fwd_spot * cdf(-d1);
  return static_cast<double>(price);
}

// ---------------------------------------------------------------------------------------
// Round trips on the seeded grid.

TEST(ImpliedVol, round_trips_price_to_1e12_on_seeded_grid) {
  const std::vector<BsInputs> grid = random_grid();
  ASSERT_GE(grid.size(), 10'000u);
  double worst = 0.0;
  std::size_t checked = 0;
  for (const BsInputs& in : grid) {
    const Greeks g = black_scholes(in);
    const IvResult iv = implied_vol(g.price, in);
    if (g.vega <= kMinVega) continue;
    ++checked;
    ASSERT_EQ(iv.error, IvError::kNone) << describe(in);
    const double repriced = black_scholes_price(with_vol(in, iv.vol));
    const double err = rel_err(repriced, g.price);
    worst = std::max(worst, err);
    EXPECT_LE(err, kRoundTripRel) << describe(in) << " iv=" << iv.vol;
    // Where vega is not tiny the vol itself comes back too, to the price's conditioning.
    EXPECT_LE(rel_err(iv.vol, in.vol), 1e-12 * (1.0 + g.price / (g.vega * in.vol))) << describe(in);
  }
  EXPECT_GT(checked, 9'000u);  // the floor must not quietly exclude most of the grid
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3e", worst);
  RecordProperty("worst_round_trip_rel_error", buf);
}

TEST(ImpliedVol, never_fails_to_converge_on_seeded_grid) {
  // Including the options whose vega is negligible: those either round-trip or, when the time
  // value has rounded away entirely, report the price as at intrinsic.
  for (const BsInputs& in : random_grid()) {
    const double price = black_scholes_price(in);
    const IvResult iv = implied_vol(price, in);
    ASSERT_NE(iv.error, IvError::kNoConvergence) << describe(in);
    ASSERT_FALSE(std::isnan(iv.vol));
    if (iv.error == IvError::kNone) {
      EXPECT_GT(iv.vol, 0.0);
      EXPECT_LE(rel_err(black_scholes_price(with_vol(in, iv.vol)), price), kRoundTripRel)
          << describe(in);
    } else {
      EXPECT_EQ(iv.error, IvError::kBelowIntrinsic) << describe(in);
      EXPECT_EQ(iv.vol, 0.0);
    }
  }
}

TEST(ImpliedVol, call_and_put_related_by_parity_give_the_same_vol) {
  // A put price built from the call by parity (not from the put pricer) must imply the same
  // vol: the solver reduces both to the same out-of-the-money problem.
  for (const BsInputs& call : random_grid()) {
    if (call.right != OptionRight::kCall) continue;
    const Greeks g = black_scholes(call);
    if (g.vega <= kMinVega) continue;
    const double t = call.time_years;
    const double fwd_spot = call.spot * std::exp(-call.dividend_yield * t);
    const double pv_strike = call.strike * std::exp(-call.rate * t);
    const double put_price = g.price - (fwd_spot - pv_strike);
    if (!(put_price > 0.0)) continue;
    const IvResult c = implied_vol(g.price, call);
    const IvResult p = implied_vol(put_price, with_right(call, OptionRight::kPut));
    ASSERT_EQ(c.error, IvError::kNone) << describe(call);
    ASSERT_EQ(p.error, IvError::kNone) << describe(call);
    // Parity is exact in real numbers; in doubles the put's time value inherits the rounding
    // of the legs, relative to the smaller of the two prices.
    const double legs = fwd_spot + pv_strike;
    const double price_noise = 4e-16 * legs / std::min(g.price, put_price);
    const double elasticity = std::min(g.price, put_price) / (g.vega * call.vol);
    EXPECT_LE(rel_err(p.vol, c.vol), 1e-13 + price_noise * elasticity) << describe(call);
  }
}

TEST(ImpliedVol, black76_round_trips_on_seeded_grid) {
  double worst = 0.0;
  for (BsInputs in : random_grid()) {
    in.spot *= std::exp((in.rate - in.dividend_yield) * in.time_years);  // spot -> futures
    const Greeks g = black76(in);
    const IvResult iv = implied_vol_black76(g.price, in);
    if (g.vega <= kMinVega) continue;
    ASSERT_EQ(iv.error, IvError::kNone) << describe(in);
    const double repriced = black76(with_vol(in, iv.vol)).price;
    worst = std::max(worst, rel_err(repriced, g.price));
    EXPECT_LE(rel_err(repriced, g.price), kRoundTripRel) << describe(in);
  }
  EXPECT_GT(worst, 0.0);  // a zero would mean nothing was checked
}

TEST(ImpliedVol, black76_ignores_dividend_yield) {
  const BsInputs in = make(105.0, 100.0, 0.04, 0.0, 0.3, 0.5, OptionRight::kCall);
  const double price = black76(in).price;
  BsInputs with_q = in;
  with_q.dividend_yield = 0.07;
  EXPECT_EQ(implied_vol_black76(price, with_q).vol, implied_vol_black76(price, in).vol);
  EXPECT_LE(rel_err(implied_vol_black76(price, in).vol, 0.3), 1e-14);
}

// ---------------------------------------------------------------------------------------
// Hard corners.

TEST(ImpliedVol, recovers_vol_for_short_dated_at_the_money_options) {
  // One day to one hour, exactly at the money and 0.1% off it: the normalised price is then
  // ~ s / sqrt(2 pi) with s down to 5e-4, where N(d1) - N(d2) in doubles loses ~4 digits.
  // Prices are exact to double; near the money d ln(price) / d ln(vol) ~ 1, so the vol must
  // come back to a few ulps.
  for (const double t : {1.0 / 365.0, 1.0 / (365.0 * 24.0)}) {
    for (const double strike : {100.0, 99.9, 100.1}) {
      for (const double vol : {0.05, 0.2, 1.0}) {
        for (const OptionRight right : {OptionRight::kCall, OptionRight::kPut}) {
          const BsInputs in = make(100.0, strike, 0.0, 0.0, vol, t, right);
          const double price = reference_price(in);
          const IvResult iv = implied_vol(price, in);
          ASSERT_EQ(iv.error, IvError::kNone) << describe(in);
          EXPECT_LE(rel_err(iv.vol, vol), 2e-15) << describe(in);
          EXPECT_LE(rel_err(reference_price(with_vol(in, iv.vol)), price), 4e-15) << describe(in);
        }
      }
    }
  }
}

TEST(ImpliedVol, recovers_vol_from_tiny_deep_out_of_the_money_prices) {
  // Prices from ~1e-2 down to ~1e-10 of spot with vega still above the floor. The elasticity
  // d ln(price) / d ln(vol) is up to ~60 here, so a price exact to double pins the vol to
  // well below its own rounding.
  struct Case {
    double strike;
    double vol;
    double t;
    OptionRight right;
  };
  const Case cases[] = {
      {160.0, 0.20, 0.25, OptionRight::kCall}, {60.0, 0.20, 0.25, OptionRight::kPut},
      {115.0, 0.10, 0.10, OptionRight::kCall}, {88.0, 0.10, 0.10, OptionRight::kPut},
      {105.0, 0.05, 0.05, OptionRight::kCall}, {140.0, 0.60, 0.02, OptionRight::kCall},
  };
  for (const Case& c : cases) {
    const BsInputs in = make(100.0, c.strike, 0.03, 0.01, c.vol, c.t, c.right);
    const Greeks g = black_scholes(in);
    ASSERT_LT(g.price, 1.0) << describe(in);
    ASSERT_GT(g.vega, kMinVega) << describe(in);
    const double price = reference_price(in);
    const IvResult iv = implied_vol(price, in);
    ASSERT_EQ(iv.error, IvError::kNone) << describe(in);
    EXPECT_LE(rel_err(reference_price(with_vol(in, iv.vol)), price), 1e-14)
        << describe(in) << " price=" << price;
    EXPECT_LE(rel_err(iv.vol, c.vol), 1e-15) << describe(in);
    // The double pricer agrees with the round trip to its own noise.
    EXPECT_LE(rel_err(black_scholes_price(with_vol(in, iv.vol)), price), kRoundTripRel);
  }
}

TEST(ImpliedVol, solves_prices_far_below_any_quote_without_underflow) {
  // Prices of 1e-100 and 1e-300 on spot 100: N(d1) and N(d2) are below 1e-100, where a
  // direct difference is pure rounding. The solver works with ln b, so these still invert;
  // the residual is the conditioning z^2 * ulp with z ~ 20 and ~37 standard deviations.
  struct Case {
    double price;
    double tolerance;
  };
  for (const Case c : {Case{1e-100, 1e-13}, Case{1e-300, 1e-12}}) {
    const BsInputs in = make(100.0, 150.0, 0.0, 0.0, 0.0, 0.5, OptionRight::kCall);
    const IvResult iv = implied_vol(c.price, in);
    ASSERT_EQ(iv.error, IvError::kNone) << c.price;
    EXPECT_GT(iv.vol, 0.01);
    EXPECT_LT(iv.vol, 0.03);
    EXPECT_LE(rel_err(reference_price(with_vol(in, iv.vol)), c.price), c.tolerance) << c.price;
  }
}

TEST(ImpliedVol, handles_deep_in_the_money_prices) {
  // Time value of ~1e-6 of the price: the vol still comes back where vega allows.
  const BsInputs in = make(200.0, 100.0, 0.02, 0.0, 0.25, 0.25, OptionRight::kCall);
  const Greeks g = black_scholes(in);
  const IvResult iv = implied_vol(g.price, in);
  ASSERT_EQ(iv.error, IvError::kNone);
  EXPECT_LE(rel_err(black_scholes_price(with_vol(in, iv.vol)), g.price), 1e-15);
  EXPECT_LE(rel_err(iv.vol, 0.25), 1e-6);  // time value carries ~10 of the price's 16 digits
}

TEST(ImpliedVol, recovers_very_high_vol_close_to_the_upper_bound) {
  // Vol 500% over 3 years: the call is worth 99.97% of the spot.
  const BsInputs in = make(100.0, 100.0, 0.01, 0.0, 5.0, 3.0, OptionRight::kCall);
  const double price = black_scholes_price(in);
  ASSERT_GT(price, 0.99 * in.spot);
  const IvResult iv = implied_vol(price, in);
  ASSERT_EQ(iv.error, IvError::kNone);
  EXPECT_LE(rel_err(iv.vol, 5.0), 1e-10);
}

// ---------------------------------------------------------------------------------------
// Errors.

TEST(ImpliedVol, rejects_price_below_intrinsic) {
  // Call: S e^{-qT} - K e^{-rT} = 100 - 80 e^{-0.05} ~ 23.90.
  const BsInputs call = make(100.0, 80.0, 0.05, 0.0, 0.0, 1.0, OptionRight::kCall);
  const double intrinsic = 100.0 - 80.0 * std::exp(-0.05);
  for (const double price : {intrinsic - 1e-9, intrinsic, 10.0, -1.0, 0.0}) {
    const IvResult iv = implied_vol(price, call);
    EXPECT_EQ(iv.error, IvError::kBelowIntrinsic) << price;
    EXPECT_EQ(iv.vol, 0.0);
  }
  EXPECT_EQ(implied_vol(intrinsic + 1e-6, call).error, IvError::kNone);
  // Put out of the money: intrinsic 0, so only non-positive prices are below it.
  const BsInputs put = make(100.0, 80.0, 0.05, 0.0, 0.0, 1.0, OptionRight::kPut);
  EXPECT_EQ(implied_vol(0.0, put).error, IvError::kBelowIntrinsic);
  EXPECT_EQ(implied_vol(-1e-12, put).error, IvError::kBelowIntrinsic);
  EXPECT_EQ(implied_vol(1e-12, put).error, IvError::kNone);
}

TEST(ImpliedVol, rejects_price_at_or_above_the_upper_bound) {
  const double t = 2.0;
  const BsInputs call = make(100.0, 90.0, 0.03, 0.02, 0.0, t, OptionRight::kCall);
  const double call_max = 100.0 * std::exp(-0.02 * t);
  EXPECT_EQ(implied_vol(call_max, call).error, IvError::kAboveMaximum);
  EXPECT_EQ(implied_vol(call_max + 1.0, call).error, IvError::kAboveMaximum);
  EXPECT_EQ(implied_vol(call_max + 1.0, call).vol, 0.0);
  const BsInputs put = with_right(call, OptionRight::kPut);
  const double put_max = 90.0 * std::exp(-0.03 * t);
  EXPECT_EQ(implied_vol(put_max, put).error, IvError::kAboveMaximum);
  EXPECT_EQ(implied_vol(put_max * 0.999, put).error, IvError::kNone);
  // Black-76: both bounds are discounted at r.
  const BsInputs fut = make(100.0, 90.0, 0.03, 0.0, 0.0, t, OptionRight::kCall);
  EXPECT_EQ(implied_vol_black76(100.0 * std::exp(-0.03 * t), fut).error, IvError::kAboveMaximum);
  const double df = std::exp(-0.03 * t);
  EXPECT_EQ(implied_vol_black76(100.0 * df - 90.0 * df, fut).error, IvError::kBelowIntrinsic);
  EXPECT_EQ(implied_vol_black76(100.0 * df - 90.0 * df + 1e-6, fut).error, IvError::kNone);
}

TEST(ImpliedVol, rejects_invalid_inputs_without_nan) {
  const BsInputs good = make(100.0, 100.0, 0.02, 0.01, 0.0, 0.5, OptionRight::kCall);
  auto expect_invalid = [](double price, const BsInputs& in, const char* what) {
    const IvResult iv = implied_vol(price, in);
    EXPECT_EQ(iv.error, IvError::kInvalidInput) << what;
    EXPECT_EQ(iv.vol, 0.0) << what;
    EXPECT_EQ(implied_vol_black76(price, in).error, IvError::kInvalidInput) << what;
  };
  expect_invalid(kNaN, good, "NaN price");
  expect_invalid(kInf, good, "infinite price");
  BsInputs in = good;
  for (const double bad : {0.0, -100.0, kNaN, kInf}) {
    in = good;
    in.spot = bad;
    expect_invalid(5.0, in, "spot");
    in = good;
    in.strike = bad;
    expect_invalid(5.0, in, "strike");
    in = good;
    in.time_years = bad;
    expect_invalid(5.0, in, "time");
  }
  in = good;
  in.rate = kNaN;
  expect_invalid(5.0, in, "rate");
  in = good;
  in.dividend_yield = kInf;
  EXPECT_EQ(implied_vol(5.0, in).error, IvError::kInvalidInput);
  EXPECT_EQ(implied_vol_black76(5.0, in).error, IvError::kNone);  // Black-76 ignores q
  EXPECT_EQ(implied_vol(5.0, good).error, IvError::kNone);
}

TEST(ImpliedVol, ignores_the_vol_field_of_its_inputs) {
  const BsInputs in = make(100.0, 95.0, 0.01, 0.0, 0.37, 0.3, OptionRight::kPut);
  const double price = black_scholes_price(in);
  EXPECT_EQ(implied_vol(price, with_vol(in, kNaN)).vol, implied_vol(price, in).vol);
  EXPECT_LE(rel_err(implied_vol(price, in).vol, 0.37), 1e-13);
}

TEST(ImpliedVol, error_strings_are_distinct_sentences) {
  const IvError all[] = {IvError::kNone, IvError::kBelowIntrinsic, IvError::kAboveMaximum,
                         IvError::kInvalidInput, IvError::kNoConvergence};
  for (const IvError a : all) {
    ASSERT_NE(to_string(a), nullptr);
    EXPECT_GT(std::string(to_string(a)).size(), 10u);
    for (const IvError b : all) {
      if (a != b) {
        EXPECT_NE(std::string(to_string(a)), std::string(to_string(b)));
      }
    }
  }
  EXPECT_NE(std::string(to_string(IvError::kBelowIntrinsic)).find("intrinsic"), std::string::npos);
}

}  // namespace
}  // namespace hedged::pricing
