// Black–Scholes–Merton pricer: textbook values, parity identities, analytic Greeks against
// finite differences of the price, degenerate inputs, and the normal CDF/PDF accuracy.
#include "core/pricing/black_scholes.hpp"

#include <gtest/gtest.h>

#include "tests/support/random.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace hedged::pricing {
namespace {

using hedged::testing::uniform;
constexpr auto make = hedged::testing::make_inputs;

constexpr std::uint64_t kGridSeed = 0x5eed'b1ac'5c40'1e55ULL;
constexpr std::size_t kGridSize = 2000;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Calls over the ranges a market maker actually quotes, plus negative rates.
std::vector<BsInputs> random_calls(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<BsInputs> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    BsInputs in{};
    in.spot = uniform(gen, 10.0, 500.0);
    in.strike = in.spot * uniform(gen, 0.5, 2.0);
    in.rate = uniform(gen, -0.01, 0.10);
    in.dividend_yield = uniform(gen, 0.0, 0.05);
    in.vol = uniform(gen, 0.05, 1.5);
    in.time_years = uniform(gen, 1.0 / 365.0, 5.0);
    in.right = OptionRight::kCall;
    out.push_back(in);
  }
  return out;
}

BsInputs as_put(BsInputs in) {
  in.right = OptionRight::kPut;
  return in;
}

double rel_err(double actual, double expected) {
  return std::abs(actual - expected) / std::abs(expected);
}

// ---------------------------------------------------------------------------------------
// Textbook values (Hull, Options, Futures, and Other Derivatives).

TEST(BlackScholes, matches_hull_call_and_put_example) {
  BsInputs in{};
  in.spot = 42.0;
  in.strike = 40.0;
  in.rate = 0.10;
  in.dividend_yield = 0.0;
  in.vol = 0.20;
  in.time_years = 0.5;
  in.right = OptionRight::kCall;
  EXPECT_NEAR(black_scholes(in).price, 4.76, 0.005);
  EXPECT_NEAR(black_scholes(as_put(in)).price, 0.81, 0.005);
}

TEST(BlackScholes, matches_hull_greeks_example) {
  BsInputs in{};
  in.spot = 49.0;
  in.strike = 50.0;
  in.rate = 0.05;
  in.dividend_yield = 0.0;
  in.vol = 0.20;
  in.time_years = 20.0 / 52.0;
  in.right = OptionRight::kCall;
  const Greeks g = black_scholes(in);
  // Tolerances are half a unit in the textbook's last printed digit.
  EXPECT_NEAR(g.delta, 0.522, 0.0005);
  EXPECT_NEAR(g.gamma, 0.066, 0.0005);
  EXPECT_NEAR(g.vega, 12.1, 0.05);
  EXPECT_NEAR(g.theta, -4.31, 0.005);
  EXPECT_NEAR(g.rho, 8.91, 0.005);
  EXPECT_NEAR(g.price, 2.40, 0.005);
}

TEST(BlackScholes, price_only_entry_point_agrees_with_full_greeks) {
  for (const BsInputs& call : random_calls(kGridSize, kGridSeed)) {
    for (const BsInputs& in : {call, as_put(call)}) {
      const double scale = in.spot + in.strike;
      EXPECT_NEAR(black_scholes_price(in), black_scholes(in).price, 1e-14 * scale);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Model-free identities between calls and puts.

TEST(BlackScholes, satisfies_put_call_parity_on_random_grid) {
  for (const BsInputs& call : random_calls(kGridSize, kGridSeed)) {
    const double c = black_scholes(call).price;
    const double p = black_scholes(as_put(call)).price;
    const double fwd_spot = call.spot * std::exp(-call.dividend_yield * call.time_years);
    const double pv_strike = call.strike * std::exp(-call.rate * call.time_years);
    // Relative to the size of the legs: C - P itself can be arbitrarily close to zero.
    EXPECT_NEAR(c - p, fwd_spot - pv_strike, 1e-12 * (fwd_spot + pv_strike))
        << "S=" << call.spot << " K=" << call.strike << " T=" << call.time_years;
  }
}

TEST(BlackScholes, call_and_put_greeks_satisfy_parity_on_random_grid) {
  for (const BsInputs& call : random_calls(kGridSize, kGridSeed)) {
    const Greeks c = black_scholes(call);
    const Greeks p = black_scholes(as_put(call));
    const double t = call.time_years;
    const double df_q = std::exp(-call.dividend_yield * t);
    const double df_r = std::exp(-call.rate * t);
    EXPECT_NEAR(c.delta - p.delta, df_q, 1e-14);
    EXPECT_DOUBLE_EQ(c.gamma, p.gamma);
    EXPECT_DOUBLE_EQ(c.vega, p.vega);
    // d/dt and d/dr of the parity relation S e^{-qT} - K e^{-rT}.
    const double theta_parity =
        call.dividend_yield * call.spot * df_q - call.rate * call.strike * df_r;
    const double theta_scale = std::abs(c.theta) + std::abs(p.theta) +
                               call.dividend_yield * call.spot + std::abs(call.rate) * call.strike;
    EXPECT_NEAR(c.theta - p.theta, theta_parity, 1e-12 * theta_scale);
    EXPECT_NEAR(c.rho - p.rho, call.strike * t * df_r, 1e-12 * call.strike * t);
  }
}

// ---------------------------------------------------------------------------------------
// Analytic Greeks against central finite differences of the price.
//
// Each step is a small fraction of the scale on which the price curves in that variable
// (spot moves in units of S * sigma * sqrt(T); vol, time and rate relative to themselves),
// so truncation error stays far below the tolerance for the shortest, lowest-vol options.
// The absolute floor is relative to each Greek's natural magnitude and covers options so far
// out of the money that the Greek is below the price's rounding noise.

constexpr double kFdRel = 1e-5;
constexpr double kFdAbs = 1e-8;

struct FdCase {
  BsInputs in;
  Greeks analytic;
  double std_dev;
  double fwd_spot;
  double pv_strike;
};

std::vector<FdCase> fd_cases() {
  std::vector<FdCase> out;
  for (const BsInputs& call : random_calls(kGridSize, kGridSeed)) {
    for (const BsInputs& in : {call, as_put(call)}) {
      FdCase c{};
      c.in = in;
      c.analytic = black_scholes(in);
      c.std_dev = in.vol * std::sqrt(in.time_years);
      c.fwd_spot = in.spot * std::exp(-in.dividend_yield * in.time_years);
      c.pv_strike = in.strike * std::exp(-in.rate * in.time_years);
      out.push_back(c);
    }
  }
  return out;
}

template <typename Bump>
double central_difference(const BsInputs& in, double h, Bump bump) {
  BsInputs up = in;
  BsInputs down = in;
  bump(up, h);
  bump(down, -h);
  return (black_scholes_price(up) - black_scholes_price(down)) / (2.0 * h);
}

void expect_fd_close(double analytic, double fd, double natural_scale, const BsInputs& in,
                     double abs_floor = kFdAbs) {
  EXPECT_NEAR(analytic, fd, kFdRel * std::abs(analytic) + abs_floor * natural_scale)
      << (in.right == OptionRight::kCall ? "call" : "put") << " S=" << in.spot << " K=" << in.strike
      << " r=" << in.rate << " q=" << in.dividend_yield << " vol=" << in.vol
      << " T=" << in.time_years;
}

TEST(BlackScholes, delta_matches_finite_difference_on_random_grid) {
  for (const FdCase& c : fd_cases()) {
    const double h = 1e-4 * c.in.spot * c.std_dev;
    const double fd = central_difference(c.in, h, [](BsInputs& x, double d) { x.spot += d; });
    expect_fd_close(c.analytic.delta, fd, c.fwd_spot / c.in.spot, c.in);
  }
}

TEST(BlackScholes, gamma_matches_finite_difference_on_random_grid) {
  for (const FdCase& c : fd_cases()) {
    const double h = 1e-3 * c.in.spot * c.std_dev;
    BsInputs up = c.in;
    BsInputs down = c.in;
    up.spot += h;
    down.spot -= h;
    const double fd =
        (black_scholes_price(up) - 2.0 * c.analytic.price + black_scholes_price(down)) / (h * h);
    const double natural_scale = c.fwd_spot / (c.in.spot * c.in.spot * c.std_dev);
    // A second difference divides the price's rounding by h^2 rather than h, so deep in the
    // money (large price, near-zero gamma) the noise floor is about ten times higher.
    expect_fd_close(c.analytic.gamma, fd, natural_scale, c.in, 10.0 * kFdAbs);
  }
}

TEST(BlackScholes, vega_matches_finite_difference_on_random_grid) {
  for (const FdCase& c : fd_cases()) {
    const double h = 1e-4 * c.in.vol;
    const double fd = central_difference(c.in, h, [](BsInputs& x, double d) { x.vol += d; });
    expect_fd_close(c.analytic.vega, fd, c.fwd_spot * std::sqrt(c.in.time_years), c.in);
  }
}

TEST(BlackScholes, theta_matches_finite_difference_on_random_grid) {
  for (const FdCase& c : fd_cases()) {
    const double t = c.in.time_years;
    const double h = 1e-4 * t;
    // Calendar time passing shortens time to expiry, hence the sign.
    const double fd =
        -central_difference(c.in, h, [](BsInputs& x, double d) { x.time_years += d; });
    const double natural_scale = 0.5 * c.fwd_spot * c.in.vol / std::sqrt(t) +
                                 std::abs(c.in.rate) * c.pv_strike +
                                 c.in.dividend_yield * c.fwd_spot;
    expect_fd_close(c.analytic.theta, fd, natural_scale, c.in);
  }
}

TEST(BlackScholes, rho_matches_finite_difference_on_random_grid) {
  for (const FdCase& c : fd_cases()) {
    const double t = c.in.time_years;
    // Rate enters as r*T in the discount and r*sqrt(T)/sigma in d1; step on the finer scale.
    const double h = 1e-4 * std::min(1.0 / t, c.in.vol / std::sqrt(t));
    const double fd = central_difference(c.in, h, [](BsInputs& x, double d) { x.rate += d; });
    expect_fd_close(c.analytic.rho, fd, c.pv_strike * t, c.in);
  }
}

// Second-order vol Greeks against central differences of the analytic first-order ones: the
// step is relative to vol, and the floors scale with each Greek's natural size.

TEST(BlackScholes, vanna_matches_finite_difference_of_delta_in_vol_on_random_grid) {
  for (const FdCase& c : fd_cases()) {
    const double h = 1e-4 * c.in.vol;
    BsInputs up = c.in;
    BsInputs down = c.in;
    up.vol += h;
    down.vol -= h;
    const double fd = (black_scholes(up).delta - black_scholes(down).delta) / (2.0 * h);
    expect_fd_close(c.analytic.vanna, fd, c.fwd_spot / (c.in.spot * c.in.vol), c.in);
  }
}

TEST(BlackScholes, volga_matches_finite_difference_of_vega_in_vol_on_random_grid) {
  for (const FdCase& c : fd_cases()) {
    const double h = 1e-4 * c.in.vol;
    BsInputs up = c.in;
    BsInputs down = c.in;
    up.vol += h;
    down.vol -= h;
    const double fd = (black_scholes(up).vega - black_scholes(down).vega) / (2.0 * h);
    expect_fd_close(c.analytic.volga, fd, c.fwd_spot * std::sqrt(c.in.time_years) / c.in.vol, c.in);
  }
}

TEST(BlackScholes, vanna_and_volga_have_the_textbook_signs) {
  // Out-of-the-money call: delta rises with vol (vanna > 0), and vega is convex in vol
  // (volga > 0); at the forward, volga is ~0 because d1 d2 ~ 0.
  const Greeks otm = black_scholes({100.0, 130.0, 0.0, 0.0, 0.2, 0.5, OptionRight::kCall});
  EXPECT_GT(otm.vanna, 0.0);
  EXPECT_GT(otm.volga, 0.0);
  const Greeks atm = black_scholes({100.0, 100.0, 0.0, 0.0, 0.2, 0.5, OptionRight::kCall});
  // d1 = s/2, d2 = -s/2: volga = -vega s^2 / (4 sigma) = -vega * 0.005.
  EXPECT_NEAR(atm.volga, -atm.vega * 0.2 * 0.2 * 0.5 / (4.0 * 0.2), 1e-12 * atm.vega);
  EXPECT_NEAR(atm.vanna,
              black_scholes(as_put({100.0, 100.0, 0.0, 0.0, 0.2, 0.5, OptionRight::kCall})).vanna,
              1e-15);
}

// ---------------------------------------------------------------------------------------
// Black-76: BSM with zero carry, except rho.

BsInputs as_futures_option(BsInputs in) {
  in.dividend_yield = 0.03;  // must be ignored
  return in;
}

TEST(Black76, equals_black_scholes_on_the_futures_with_zero_carry) {
  for (const BsInputs& call : random_calls(kGridSize, kGridSeed)) {
    for (const BsInputs& in : {call, as_put(call)}) {
      const Greeks b76 = black76(as_futures_option(in));
      BsInputs zero_carry = in;
      zero_carry.dividend_yield = in.rate;
      const Greeks bs = black_scholes(zero_carry);
      EXPECT_EQ(b76.price, bs.price);
      EXPECT_EQ(b76.delta, bs.delta);
      EXPECT_EQ(b76.gamma, bs.gamma);
      EXPECT_EQ(b76.vega, bs.vega);
      EXPECT_EQ(b76.vanna, bs.vanna);
      EXPECT_EQ(b76.volga, bs.volga);
      // F held fixed, r moves only the discount factor: dV/dr = -T V.
      EXPECT_DOUBLE_EQ(b76.rho, -in.time_years * b76.price);
    }
  }
}

TEST(Black76, rho_matches_finite_difference_in_rate) {
  for (const BsInputs& call : random_calls(kGridSize, kGridSeed)) {
    for (const BsInputs& in : {call, as_put(call)}) {
      const double h = 1e-4 / in.time_years;
      BsInputs up = in;
      BsInputs down = in;
      up.rate += h;
      down.rate -= h;
      const double fd = (black76(up).price - black76(down).price) / (2.0 * h);
      const double scale = in.strike * in.time_years * std::exp(-in.rate * in.time_years);
      EXPECT_NEAR(black76(in).rho, fd, kFdRel * std::abs(fd) + kFdAbs * scale);
    }
  }
}

TEST(Black76, satisfies_put_call_parity_on_random_grid) {
  for (const BsInputs& call : random_calls(kGridSize, kGridSeed)) {
    const double c = black76(call).price;
    const double p = black76(as_put(call)).price;
    const double df = std::exp(-call.rate * call.time_years);
    const double fwd = call.spot;
    EXPECT_NEAR(c - p, df * (fwd - call.strike), 1e-12 * df * (fwd + call.strike))
        << "F=" << fwd << " K=" << call.strike << " T=" << call.time_years;
    // Delta parity in F: dC/dF - dP/dF = e^{-rT}.
    EXPECT_NEAR(black76(call).delta - black76(as_put(call)).delta, df, 1e-14);
  }
}

TEST(Black76, matches_hull_futures_option_example) {
  // Hull: European put on futures, F = K = 20, r = 9%, sigma = 25%, T = 4 months: 1.12.
  const Greeks g = black76({20.0, 20.0, 0.09, 0.0, 0.25, 4.0 / 12.0, OptionRight::kPut});
  EXPECT_NEAR(g.price, 1.12, 0.005);
}

// ---------------------------------------------------------------------------------------
// Degenerate inputs: expiry and zero vol.

void expect_all_finite(const Greeks& g) {
  EXPECT_TRUE(std::isfinite(g.price));
  EXPECT_TRUE(std::isfinite(g.delta));
  EXPECT_TRUE(std::isfinite(g.gamma));
  EXPECT_TRUE(std::isfinite(g.vega));
  EXPECT_TRUE(std::isfinite(g.theta));
  EXPECT_TRUE(std::isfinite(g.rho));
}

TEST(BlackScholes, at_expiry_returns_intrinsic_with_step_delta) {
  constexpr auto kCall = OptionRight::kCall;
  constexpr auto kPut = OptionRight::kPut;
  struct Case {
    double spot;
    OptionRight right;
    double price;
    double delta;
  };
  // Strike 100; r and q are non-zero so that any stray discounting would show.
  const Case cases[] = {
      {110.0, kCall, 10.0, 1.0}, {90.0, kCall, 0.0, 0.0}, {100.0, kCall, 0.0, 0.5},
      {90.0, kPut, 10.0, -1.0},  {110.0, kPut, 0.0, 0.0}, {100.0, kPut, 0.0, -0.5},
  };
  for (const Case& c : cases) {
    for (const double vol : {0.0, 0.3}) {
      const Greeks g = black_scholes(make(c.spot, 100.0, 0.05, 0.02, vol, 0.0, c.right));
      expect_all_finite(g);
      EXPECT_EQ(g.price, c.price) << "S=" << c.spot << " vol=" << vol;
      EXPECT_EQ(g.delta, c.delta) << "S=" << c.spot << " vol=" << vol;
      EXPECT_EQ(g.gamma, 0.0);
      EXPECT_EQ(g.vega, 0.0);
      EXPECT_EQ(g.rho, 0.0);
      EXPECT_EQ(black_scholes_price(make(c.spot, 100.0, 0.05, 0.02, vol, 0.0, c.right)), c.price);
    }
  }
  // In the money at expiry, theta is the carry on the intrinsic value: q S - r K for a call.
  EXPECT_DOUBLE_EQ(black_scholes(make(110.0, 100.0, 0.05, 0.02, 0.3, 0.0, kCall)).theta,
                   0.02 * 110.0 - 0.05 * 100.0);
  EXPECT_EQ(black_scholes(make(90.0, 100.0, 0.05, 0.02, 0.3, 0.0, kCall)).theta, 0.0);
}

TEST(BlackScholes, zero_vol_returns_discounted_forward_intrinsic) {
  const double r = 0.05;
  const double q = 0.02;
  const double t = 1.5;
  const double df_q = std::exp(-q * t);
  const double df_r = std::exp(-r * t);
  for (const double spot : {80.0, 100.0, 120.0}) {
    const double fwd_spot = spot * df_q;
    const double pv_strike = 100.0 * df_r;
    // At spot 100 the forward (100 e^{(r-q)T}) is above the strike: the call is in the money.
    const bool call_itm = fwd_spot > pv_strike;
    const Greeks c = black_scholes(make(spot, 100.0, r, q, 0.0, t, OptionRight::kCall));
    const Greeks p = black_scholes(make(spot, 100.0, r, q, 0.0, t, OptionRight::kPut));
    expect_all_finite(c);
    expect_all_finite(p);
    EXPECT_DOUBLE_EQ(c.price, std::max(fwd_spot - pv_strike, 0.0)) << spot;
    EXPECT_DOUBLE_EQ(p.price, std::max(pv_strike - fwd_spot, 0.0)) << spot;
    EXPECT_DOUBLE_EQ(c.delta, call_itm ? df_q : 0.0) << spot;
    EXPECT_DOUBLE_EQ(p.delta, call_itm ? 0.0 : -df_q) << spot;
    EXPECT_EQ(c.gamma, 0.0);
    EXPECT_EQ(p.vega, 0.0);
    const Greeks& itm = call_itm ? c : p;
    const double phi = call_itm ? 1.0 : -1.0;
    EXPECT_DOUBLE_EQ(itm.theta, phi * (q * fwd_spot - r * pv_strike)) << spot;
    EXPECT_DOUBLE_EQ(itm.rho, phi * 100.0 * t * df_r) << spot;
  }
}

TEST(BlackScholes, zero_vol_at_the_forward_gives_half_delta_and_zero_price) {
  // Spot chosen so that S e^{-qT} == K e^{-rT} exactly in double: zero carry, T = 1.
  const Greeks c = black_scholes(make(100.0, 100.0, 0.03, 0.03, 0.0, 1.0, OptionRight::kCall));
  const Greeks p = black_scholes(make(100.0, 100.0, 0.03, 0.03, 0.0, 1.0, OptionRight::kPut));
  const double df = std::exp(-0.03);
  EXPECT_EQ(c.price, 0.0);
  EXPECT_EQ(p.price, 0.0);
  EXPECT_DOUBLE_EQ(c.delta, 0.5 * df);
  EXPECT_DOUBLE_EQ(p.delta, -0.5 * df);
  EXPECT_DOUBLE_EQ(c.rho, 0.5 * 100.0 * df);
}

TEST(BlackScholes, degenerate_values_are_the_small_vol_limit) {
  // Away from the money the vol -> 0 limit is reached long before vol = 1e-6.
  for (const double spot : {80.0, 125.0}) {
    for (const OptionRight right : {OptionRight::kCall, OptionRight::kPut}) {
      const Greeks zero = black_scholes(make(spot, 100.0, 0.04, 0.01, 0.0, 0.75, right));
      const Greeks tiny = black_scholes(make(spot, 100.0, 0.04, 0.01, 1e-6, 0.75, right));
      EXPECT_NEAR(zero.price, tiny.price, 1e-12);
      EXPECT_NEAR(zero.delta, tiny.delta, 1e-12);
      EXPECT_NEAR(zero.theta, tiny.theta, 1e-12);
      EXPECT_NEAR(zero.rho, tiny.rho, 1e-12);
      EXPECT_NEAR(tiny.gamma, 0.0, 1e-12);
      EXPECT_NEAR(tiny.vega, 0.0, 1e-12);
    }
  }
}

TEST(BlackScholes, stays_finite_for_extreme_but_valid_inputs) {
  const BsInputs extremes[] = {
      make(100.0, 100.0, 0.05, 0.0, 1e-200, 1.0, OptionRight::kCall),  // vanishing vol ATM
      make(100.0, 150.0, 0.05, 0.0, 1e-300, 1.0, OptionRight::kPut),   // d1 overflows to -inf
      make(100.0, 100.0, 0.05, 0.0, 0.2, 1e-300, OptionRight::kCall),  // vanishing time ATM
      make(100.0, 1e6, 0.05, 0.0, 0.2, 0.01, OptionRight::kCall),      // absurdly far OTM
      make(100.0, 1e-6, 0.05, 0.0, 0.2, 0.01, OptionRight::kPut),      // absurdly far OTM
      make(100.0, 100.0, 0.05, 0.0, 5.0, 50.0, OptionRight::kCall),    // huge total variance
  };
  for (const BsInputs& in : extremes) {
    const Greeks g = black_scholes(in);
    expect_all_finite(g);
    EXPECT_GE(g.price, 0.0);
    EXPECT_TRUE(std::isfinite(black_scholes_price(in)));
  }
}

// ---------------------------------------------------------------------------------------
// Normal distribution. Reference values are correctly rounded, computed at 40 digits.

TEST(NormCdf, matches_closed_form_values) {
  EXPECT_LE(rel_err(norm_cdf(-10.0), 7.619853024160527e-24), 1e-14);
  EXPECT_LE(rel_err(norm_cdf(-1.0), 0.15865525393145705), 1e-14);
  EXPECT_EQ(norm_cdf(0.0), 0.5);
  EXPECT_LE(rel_err(norm_cdf(1.96), 0.9750021048517795), 1e-14);
  EXPECT_EQ(norm_cdf(10.0), 1.0);  // 1 - 7.6e-24 rounds to 1
}

TEST(NormCdf, keeps_relative_accuracy_in_far_lower_tail) {
  EXPECT_LE(rel_err(norm_cdf(-5.0), 2.866515718791939e-07), 1e-14);
  EXPECT_LE(rel_err(norm_cdf(-20.0), 2.7536241186062337e-89), 1e-14);
  EXPECT_LE(rel_err(norm_cdf(-37.0), 5.725571222524577e-300), 1e-14);
  EXPECT_EQ(norm_cdf(-40.0), 0.0);
  EXPECT_EQ(norm_cdf(-kInf), 0.0);
  EXPECT_EQ(norm_cdf(kInf), 1.0);
}

TEST(NormCdf, is_symmetric_about_zero) {
  std::mt19937_64 gen(kGridSeed);
  for (int i = 0; i < 1000; ++i) {
    const double x = uniform(gen, -8.0, 8.0);
    EXPECT_NEAR(norm_cdf(x) + norm_cdf(-x), 1.0, 4e-16) << x;
  }
}

TEST(NormPdf, matches_closed_form_values) {
  EXPECT_LE(rel_err(norm_pdf(0.0), 0.3989422804014327), 1e-15);
  EXPECT_LE(rel_err(norm_pdf(1.0), 0.24197072451914334), 1e-15);
  EXPECT_LE(rel_err(norm_pdf(-2.5), 0.017528300493568537), 1e-15);
  EXPECT_LE(rel_err(norm_pdf(10.0), 7.694598626706419e-23), 1e-15);
  // x*x is inexact here; an uncorrected exp(-x*x/2) is off by ~9e-15 and ~3e-14.
  EXPECT_LE(rel_err(norm_pdf(-26.3), 2.525427887827384e-151), 1e-15);
  EXPECT_LE(rel_err(norm_pdf(-37.3), 3.062846290695667e-303), 1e-15);
  EXPECT_EQ(norm_pdf(kInf), 0.0);
}

}  // namespace
}  // namespace hedged::pricing
