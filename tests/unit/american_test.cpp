// American pricer: no-arbitrage bounds, regimes where early exercise is never optimal,
// monotonicity, Greeks against finite differences of the price, an independent binomial tree,
// degenerate inputs, and the error bound of the tick-path spot expansion.
#include "core/pricing/american.hpp"

#include <gtest/gtest.h>

#include "tests/support/random.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace hedged::pricing {
namespace {

using hedged::testing::uniform;

constexpr std::uint64_t kGridSeed = 0xa3e1'c4a7'0b0e'5eedULL;

BsInputs random_option(std::mt19937_64& gen) {
  BsInputs in{};
  in.spot = uniform(gen, 10.0, 500.0);
  in.strike = in.spot / uniform(gen, 0.5, 2.0);
  in.rate = uniform(gen, -0.01, 0.10);
  in.dividend_yield = uniform(gen, 0.0, 0.08);
  in.vol = uniform(gen, 0.05, 1.5);
  in.time_years = uniform(gen, 1.0 / 365.0, 3.0);
  in.right = (gen() & 1U) != 0 ? OptionRight::kCall : OptionRight::kPut;
  return in;
}

std::vector<BsInputs> random_grid(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::vector<BsInputs> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(random_option(gen));
  return out;
}

BsInputs put(double s, double k, double r, double q, double vol, double t) {
  return {s, k, r, q, vol, t, OptionRight::kPut};
}

BsInputs call(double s, double k, double r, double q, double vol, double t) {
  return {s, k, r, q, vol, t, OptionRight::kCall};
}

double intrinsic(const BsInputs& in) {
  return std::max(in.right == OptionRight::kCall ? in.spot - in.strike : in.strike - in.spot, 0.0);
}

// Independent reference: Cox-Ross-Rubinstein tree, mean of n and n + 1 steps.
double crr(const BsInputs& in, int n) {
  const double dt = in.time_years / n;
  const double u = std::exp(in.vol * std::sqrt(dt));
  const double p = (std::exp((in.rate - in.dividend_yield) * dt) - 1.0 / u) / (u - 1.0 / u);
  const double disc = std::exp(-in.rate * dt);
  const double sign = in.right == OptionRight::kCall ? 1.0 : -1.0;
  std::vector<double> v(static_cast<std::size_t>(n) + 1);
  for (int i = 0; i <= n; ++i) {
    v[static_cast<std::size_t>(i)] =
        std::max(sign * (in.spot * std::pow(u, 2 * i - n) - in.strike), 0.0);
  }
  for (int step = n - 1; step >= 0; --step) {
    for (int i = 0; i <= step; ++i) {
      const auto si = static_cast<std::size_t>(i);
      const double cont = disc * (p * v[si + 1] + (1.0 - p) * v[si]);
      v[si] = std::max(cont, sign * (in.spot * std::pow(u, 2 * i - step) - in.strike));
    }
  }
  return v[0];
}

double crr_averaged(const BsInputs& in) {
  return 0.5 * (crr(in, 4000) + crr(in, 4001));
}

TEST(American, is_at_least_european_and_intrinsic_on_seeded_grid) {
  for (const BsInputs& in : random_grid(2000, kGridSeed)) {
    const double am = american_price(in);
    const double eu = black_scholes_price(in);
    ASSERT_GE(am, eu - 1e-12 * in.strike) << in.spot << " " << in.strike << " " << in.rate;
    ASSERT_GE(am, intrinsic(in) - 1e-12 * in.strike) << in.spot << " " << in.strike;
  }
}

TEST(American, call_without_dividend_yield_equals_european) {
  for (const double r : {-0.01, 0.0, 0.03, 0.10}) {
    const BsInputs in = call(100.0, 90.0, r, 0.0, 0.3, 1.5);
    EXPECT_EQ(american_price(in), black_scholes_price(in)) << r;
    const Greeks am = american(in);
    const Greeks eu = black_scholes(in);
    EXPECT_EQ(am.delta, eu.delta);
    EXPECT_EQ(am.rho, eu.rho);
  }
}

TEST(American, put_with_non_positive_rate_and_yield_above_rate_equals_european) {
  for (const double q : {-0.005, 0.0, 0.04}) {
    const BsInputs in = put(100.0, 110.0, -0.005, q, 0.25, 2.0);
    EXPECT_EQ(american_price(in), black_scholes_price(in)) << q;
  }
}

TEST(American, put_early_exercise_premium_is_positive_for_positive_rate) {
  for (const double r : {0.01, 0.03, 0.08}) {
    for (const double k : {80.0, 100.0, 120.0}) {
      const BsInputs in = put(100.0, k, r, 0.0, 0.25, 1.0);
      EXPECT_GT(american_price(in) - black_scholes_price(in), 1e-3) << r << " " << k;
    }
  }
  // A call pays an early-exercise premium only with a positive yield.
  const BsInputs c = call(100.0, 90.0, 0.03, 0.06, 0.25, 1.0);
  EXPECT_GT(american_price(c) - black_scholes_price(c), 0.05);
}

TEST(American, deep_in_the_money_put_is_exercised) {
  const BsInputs in = put(50.0, 100.0, 0.08, 0.0, 0.2, 1.0);
  const Greeks g = american(in);
  EXPECT_EQ(g.price, 50.0);
  EXPECT_EQ(g.delta, -1.0);
  EXPECT_EQ(g.gamma, 0.0);
  EXPECT_EQ(g.theta, 0.0);
}

// Monotonic up to the pricer's accuracy (2e-6 relative): right at the exercise boundary the
// price is flat in vol, and boundary error alone can make it dip by that much.
TEST(American, price_is_monotonic_in_spot_and_vol) {
  for (const BsInputs& base : random_grid(200, kGridSeed + 1)) {
    const double sign = base.right == OptionRight::kCall ? 1.0 : -1.0;
    double prev = american_price(base);
    BsInputs in = base;
    for (int i = 0; i < 10; ++i) {
      in.spot *= 1.02;
      const double next = american_price(in);
      ASSERT_GE(sign * (next - prev), -2e-6 * prev) << base.spot << " " << base.strike;
      prev = next;
    }
    in = base;
    prev = american_price(in);
    for (int i = 0; i < 10; ++i) {
      in.vol *= 1.05;
      const double next = american_price(in);
      ASSERT_GE(next - prev, -2e-6 * prev)
          << (base.right == OptionRight::kCall ? "call" : "put") << " S=" << base.spot
          << " K=" << base.strike << " r=" << base.rate << " q=" << base.dividend_yield
          << " T=" << base.time_years << " vol=" << in.vol;
      prev = next;
    }
  }
}

TEST(American, call_and_put_are_symmetric) {
  for (const BsInputs& in : random_grid(200, kGridSeed + 2)) {
    const BsInputs c = call(in.spot, in.strike, in.rate, in.dividend_yield, in.vol, in.time_years);
    const BsInputs p = put(in.strike, in.spot, in.dividend_yield, in.rate, in.vol, in.time_years);
    ASSERT_NEAR(american_price(c), american_price(p), 1e-12 * in.spot);
  }
}

// Prices that a 4000-step tree reproduces to ~1e-4 relative, computed independently here.
TEST(American, agrees_with_binomial_tree) {
  const std::vector<BsInputs> cases = {
      put(100.0, 100.0, 0.10, 0.0, 0.2, 0.5),     put(90.0, 100.0, 0.05, 0.02, 0.3, 1.0),
      put(120.0, 100.0, 0.03, 0.0, 0.4, 2.0),     call(100.0, 100.0, 0.02, 0.06, 0.25, 1.0),
      call(110.0, 100.0, -0.005, 0.04, 0.6, 3.0), put(40.0, 50.0, 0.08, 0.08, 1.2, 0.25),
  };
  for (const BsInputs& in : cases) {
    const double tree = crr_averaged(in);
    EXPECT_NEAR(american_price(in), tree, 2e-4 * tree) << in.spot << " " << in.strike;
  }
}

TEST(American, greeks_match_finite_differences_of_price) {
  for (const BsInputs& in : random_grid(150, kGridSeed + 3)) {
    const Greeks g = american(in);
    ASSERT_EQ(g.price, american_price(in));
    if (g.price < 1e-3) continue;
    const auto bumped = [&](auto&& edit) {
      BsInputs b = in;
      edit(b);
      return american_price(b);
    };
    const double hs = 1e-3 * in.spot;
    const double pu = bumped([&](BsInputs& b) { b.spot += hs; });
    const double pd = bumped([&](BsInputs& b) { b.spot -= hs; });
    const double scale = in.strike;
    EXPECT_NEAR(g.delta, (pu - pd) / (2 * hs), 2e-5) << in.spot << " " << in.strike;
    // Gamma jumps at the exercise boundary, where a symmetric difference straddles the kink.
    if (intrinsic(in) < 0.9 * g.price) {
      EXPECT_NEAR(g.gamma, (pu - 2 * g.price + pd) / (hs * hs), 2e-3 * std::abs(g.gamma) + 1e-7)
          << in.spot << " " << in.strike;
    }
    const double hv = 1e-4;
    EXPECT_NEAR(
        g.vega,
        (bumped([&](BsInputs& b) { b.vol += hv; }) - bumped([&](BsInputs& b) { b.vol -= hv; })) /
            (2 * hv),
        1e-6 * scale);
    // The rate enters the boundary's expiry value K min(1, r / q) with a kink at r = q and
    // switches early exercise on at r = 0 (puts): a small bump, away from both.
    const double hr = 2e-6;
    const bool near_rate_kink =
        std::abs(in.rate) < 1e-3 || std::abs(in.rate - in.dividend_yield) < 1e-3;
    if (!near_rate_kink) {
      EXPECT_NEAR(g.rho,
                  (bumped([&](BsInputs& b) { b.rate += hr; }) -
                   bumped([&](BsInputs& b) { b.rate -= hr; })) /
                      (2 * hr),
                  1e-5 * scale);
    }
    const double ht = std::min(1e-4, 0.5 * in.time_years);
    const double theta_fd = (bumped([&](BsInputs& b) { b.time_years -= ht; }) -
                             bumped([&](BsInputs& b) { b.time_years += ht; })) /
                            (2 * ht);
    EXPECT_NEAR(g.theta, theta_fd, 1e-4 * scale + 1e-3 * std::abs(theta_fd))
        << in.spot << " " << in.strike << " " << in.time_years;
  }
}

TEST(American, expiry_and_zero_vol_limits_are_finite_and_intrinsic) {
  const Greeks expired = american(put(90.0, 100.0, 0.05, 0.0, 0.3, 0.0));
  EXPECT_EQ(expired.price, 10.0);
  EXPECT_EQ(expired.delta, -1.0);
  // vol == 0, r > q: exercising now beats waiting.
  const Greeks now = american(put(90.0, 100.0, 0.05, 0.0, 0.0, 1.0));
  EXPECT_DOUBLE_EQ(now.price, 10.0);
  EXPECT_DOUBLE_EQ(now.delta, -1.0);
  EXPECT_EQ(now.gamma, 0.0);
  // vol == 0, call with q > r: the forward falls towards the strike, exercise now.
  const Greeks c = american(call(110.0, 100.0, 0.01, 0.05, 0.0, 1.0));
  EXPECT_DOUBLE_EQ(c.price, 10.0);
  EXPECT_DOUBLE_EQ(c.delta, 1.0);
  // vol == 0, out of the money forward all the way: worthless.
  EXPECT_EQ(american_price(put(120.0, 100.0, 0.05, 0.0, 0.0, 1.0)), 0.0);
  // vol == 0, put with q > r > 0 out of the money now but in the money later: best at
  // K e^{-rT} - S e^{-qT} for this short expiry (the interior optimum lies beyond T).
  const BsInputs later = put(101.0, 100.0, 0.01, 0.10, 0.0, 0.5);
  const double at_expiry = 100.0 * std::exp(-0.01 * 0.5) - 101.0 * std::exp(-0.10 * 0.5);
  EXPECT_NEAR(american_price(later), at_expiry, 1e-12);
}

TEST(American, double_boundary_regime_is_bounded_by_european_and_intrinsic) {
  // q < r < 0 for a put: exercise is optimal only in a band of spots. Priced by the tree.
  const BsInputs in = put(95.0, 100.0, -0.02, -0.06, 0.15, 1.0);
  const double am = american_price(in);
  EXPECT_TRUE(std::isfinite(am));
  EXPECT_GE(am, black_scholes_price(in));
  EXPECT_GE(am, intrinsic(in));
  EXPECT_NEAR(am, crr_averaged(in), 2e-4 * am);
  const Greeks g = american(in);
  EXPECT_LT(g.delta, 0.0);
  EXPECT_GE(g.delta, -1.0);
  EXPECT_GT(g.vega, 0.0);
}

TEST(AmericanExpansion, reproduces_valuation_at_origin) {
  const BsInputs in = put(100.0, 105.0, 0.04, 0.01, 0.3, 0.75);
  const AmericanExpansion e(in);
  const Greeks g = american(in);
  const SpotGreeks at = e.evaluate(in.spot);
  EXPECT_DOUBLE_EQ(at.price, g.price);
  EXPECT_NEAR(at.delta, g.delta, 1e-12);
  EXPECT_NEAR(at.gamma, g.gamma, 1e-12);
}

// The bound documented in american.hpp: |error| <= 2e-4 * S0 * (m / 1%)^3 for relative moves
// m <= 1%, options with at least a week left and vol >= 5%.
TEST(AmericanExpansion, price_error_within_documented_bound_for_moves_inside_threshold) {
  std::mt19937_64 gen(kGridSeed + 4);
  double worst_ratio = 0.0;
  for (int i = 0; i < 300; ++i) {
    BsInputs in = random_option(gen);
    in.time_years = std::max(in.time_years, 7.0 / 365.0);
    const AmericanExpansion e(in);
    for (const double m : {-0.01, -0.004, 0.004, 0.01}) {
      BsInputs moved = in;
      moved.spot = in.spot * (1.0 + m);
      const double err = std::abs(e.evaluate(moved.spot).price - american_price(moved));
      const double bound = 2e-4 * in.spot * std::pow(std::abs(m) / 0.01, 3);
      worst_ratio = std::max(worst_ratio, err / bound);
      ASSERT_LE(err, bound) << in.spot << " " << in.strike << " " << in.vol << " " << m;
    }
  }
  // The bound is not vacuous: the worst case uses a fair part of it.
  EXPECT_GT(worst_ratio, 0.01);
}

TEST(AmericanExpansion, needs_revaluation_on_each_threshold) {
  const BsInputs in = put(100.0, 100.0, 0.03, 0.0, 0.25, 0.5);
  const AmericanExpansion e(in, american(in));
  const ExpansionThresholds lim{0.01, 0.005, 1e-4};
  EXPECT_FALSE(e.needs_revaluation(100.9, 0.25, 0.5, lim));
  EXPECT_FALSE(e.needs_revaluation(99.1, 0.254, 0.5 - 0.5e-4, lim));
  EXPECT_TRUE(e.needs_revaluation(101.1, 0.25, 0.5, lim));
  EXPECT_TRUE(e.needs_revaluation(98.9, 0.25, 0.5, lim));
  EXPECT_TRUE(e.needs_revaluation(100.0, 0.256, 0.5, lim));
  EXPECT_TRUE(e.needs_revaluation(100.0, 0.25, 0.5 - 2e-4, lim));
  EXPECT_TRUE(e.needs_revaluation(100.0, 0.25, 0.51, lim));
  EXPECT_TRUE(e.needs_revaluation(std::nan(""), 0.25, 0.5, lim));
}

}  // namespace
}  // namespace hedged::pricing
