// Volatility surface: SVI formulas against hand-computed values, calibration recovering known
// smiles (exact and noisy), the butterfly and calendar checks, the fallbacks, interpolation across
// expiries, and the value-type guarantees (trivially copyable, no allocation on lookup).
#include "core/pricing/vol_surface.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <type_traits>
#include <vector>

#include "tests/support/allocation_counter.hpp"

namespace hedged::pricing {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// The smile the fitting tests recover: a typical equity skew at six months.
constexpr SviParams kSkew{0.04, 0.4, -0.4, 0.0, 0.1};
constexpr double kSkewT = 0.5;
// Gatheral & Jacquier (2014), "Arbitrage-free SVI volatility surfaces", section 5.2: a fit to
// real quotes that has butterfly arbitrage. Its g dips to about -0.0329 near k = 0.88.
constexpr SviParams kGatheralJacquier{-0.0410, 0.1331, 0.3060, 0.3586, 0.4153};

double uniform01(std::mt19937_64& gen) {
  return static_cast<double>(gen() >> 11) * 0x1.0p-53;
}

// Box-Muller on raw generator bits: std::normal_distribution is implementation-defined, and the
// noise should be identical under every standard library.
double gaussian(std::mt19937_64& gen) {
  const double u1 = 1.0 - uniform01(gen);  // (0, 1]
  const double u2 = uniform01(gen);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.141592653589793 * u2);
}

std::vector<SmilePoint> quotes_from(const SviParams& p, double t, double k_lo, double k_hi, int n) {
  std::vector<SmilePoint> out;
  for (int i = 0; i < n; ++i) {
    const double k = k_lo + (k_hi - k_lo) * i / (n - 1);
    out.push_back({k, p.implied_vol(k, t), 1.0});
  }
  return out;
}

std::size_t allocations() {
  return hedged::testing::allocations();
}

// ---------------------------------------------------------------------------------------------
// SVI formulas

TEST(SviParams, total_variance_matches_hand_computed_values) {
  // w(0)    = 0.04 + 0.4 * (0 + 0.1)                           = 0.08
  // w(0.1)  = 0.04 + 0.4 * (-0.04 + sqrt(0.02))                = 0.0805685424949238
  // w(-0.2) = 0.04 + 0.4 * (0.08 + sqrt(0.05))                 = 0.1614427190999916
  EXPECT_NEAR(kSkew.total_variance(0.0), 0.08, 1e-15);
  EXPECT_NEAR(kSkew.total_variance(0.1), 0.0805685424949238, 1e-15);
  EXPECT_NEAR(kSkew.total_variance(-0.2), 0.1614427190999916, 1e-15);
  // Wings are asymptotically linear with slopes b(1 + rho) and -b(1 - rho).
  EXPECT_NEAR(kSkew.total_variance(101.0) - kSkew.total_variance(100.0), 0.4 * 0.6, 1e-6);
  EXPECT_NEAR(kSkew.total_variance(-101.0) - kSkew.total_variance(-100.0), 0.4 * 1.4, 1e-6);
}

TEST(SviParams, implied_vol_is_root_of_total_variance_over_time) {
  EXPECT_NEAR(kSkew.implied_vol(0.0, 0.5), 0.4, 1e-15);  // sqrt(0.08 / 0.5)
  EXPECT_NEAR(kSkew.implied_vol(0.1, 2.0), std::sqrt(0.0805685424949238 / 2.0), 1e-15);
  EXPECT_EQ(kSkew.implied_vol(0.0, 0.0), 0.0);
}

TEST(SviParams, analytic_derivatives_match_finite_differences) {
  for (const SviParams& p : {kSkew, kGatheralJacquier}) {
    for (double k = -1.5; k <= 1.5; k += 0.125) {
      const double h = 1e-4;
      const double d1 = (p.total_variance(k + 0.1 * h) - p.total_variance(k - 0.1 * h)) / (0.2 * h);
      const double d2 =
          (p.total_variance(k + h) - 2 * p.total_variance(k) + p.total_variance(k - h)) / (h * h);
      EXPECT_NEAR(p.dw_dk(k), d1, 1e-8) << "k=" << k;
      EXPECT_NEAR(p.d2w_dk2(k), d2, 1e-5 * (1 + std::abs(d2))) << "k=" << k;
    }
  }
}

TEST(SviParams, constraints_reject_each_violation) {
  EXPECT_TRUE(kSkew.satisfies_constraints());
  EXPECT_TRUE(kGatheralJacquier.satisfies_constraints());  // arbitrage is a separate matter
  SviParams p = kSkew;
  p.b = -0.01;
  EXPECT_FALSE(p.satisfies_constraints());
  p = kSkew;
  p.rho = 1.0;
  EXPECT_FALSE(p.satisfies_constraints());
  p.rho = -1.2;
  EXPECT_FALSE(p.satisfies_constraints());
  p = kSkew;
  p.sigma = 0.0;
  EXPECT_FALSE(p.satisfies_constraints());
  p = kSkew;
  // Minimum of w is a + b sigma sqrt(1 - rho^2) = a + 0.04 * sqrt(0.84) = a + 0.0366606...
  p.a = -0.0366;
  EXPECT_TRUE(p.satisfies_constraints());
  p.a = -0.0367;
  EXPECT_FALSE(p.satisfies_constraints());
  p = kSkew;
  p.m = kNan;
  EXPECT_FALSE(p.satisfies_constraints());
}

// ---------------------------------------------------------------------------------------------
// Butterfly arbitrage

TEST(Butterfly, flat_smile_has_density_factor_one) {
  const SviParams flat{0.04, 0.0, 0.0, 0.0, 0.1};
  for (double k = -2.0; k <= 2.0; k += 0.5) EXPECT_DOUBLE_EQ(svi_density_factor(flat, k), 1.0);
}

TEST(Butterfly, density_factor_matches_hand_computed_value) {
  // At k = 0 the first term is exactly 1: g(0) = 1 - w'^2/4 (1/w + 1/4) + w''/2 with
  // w = 0.08, w' = 0.4 * -0.4 = -0.16, w'' = 0.4 * 0.01 / 0.001 = 4.
  const double expected = 1.0 - 0.0064 * (12.5 + 0.25) + 2.0;
  EXPECT_NEAR(svi_density_factor(kSkew, 0.0), expected, 1e-12);
}

TEST(Butterfly, skew_example_is_arbitrage_free) {
  const ButterflyCheck check = check_butterfly(kSkew, -3.0, 3.0, 2001);
  EXPECT_TRUE(check.arbitrage_free);
  EXPECT_GT(check.min_g, 0.0);
}

TEST(Butterfly, gatheral_jacquier_example_is_flagged) {
  const ButterflyCheck check = check_butterfly(kGatheralJacquier, -1.5, 1.5, 3001);
  EXPECT_FALSE(check.arbitrage_free);
  // Independently computed: g(0.7) = -0.015126, g(1.0) = -0.027742, min -0.03286 at k ~ 0.879.
  EXPECT_NEAR(svi_density_factor(kGatheralJacquier, 0.7), -0.0151259, 1e-6);
  EXPECT_NEAR(svi_density_factor(kGatheralJacquier, 1.0), -0.0277417, 1e-6);
  EXPECT_NEAR(check.min_g, -0.0328635, 1e-6);
  EXPECT_NEAR(check.worst_k, 0.879, 1e-3);
  // The left wing is fine: the problem is local.
  EXPECT_GT(svi_density_factor(kGatheralJacquier, 0.0), 0.0);
}

TEST(Butterfly, negative_total_variance_counts_as_arbitrage) {
  const SviParams negative{-0.1, 0.1, 0.0, 0.0, 0.1};  // w(0) = -0.09
  EXPECT_EQ(svi_density_factor(negative, 0.0), -kInf);
  EXPECT_FALSE(check_butterfly(negative, -1.0, 1.0, 101).arbitrage_free);
}

// ---------------------------------------------------------------------------------------------
// Calibration

TEST(FitSvi, recovers_known_parameters_from_exact_quotes) {
  const std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 41);
  const SviFitResult fit = fit_svi(quotes, kSkewT);
  ASSERT_EQ(fit.status, SviFitStatus::kOk) << fit.message;
  EXPECT_NEAR(fit.params.a, kSkew.a, 1e-6);
  EXPECT_NEAR(fit.params.b, kSkew.b, 1e-6);
  EXPECT_NEAR(fit.params.rho, kSkew.rho, 1e-6);
  EXPECT_NEAR(fit.params.m, kSkew.m, 1e-6);
  EXPECT_NEAR(fit.params.sigma, kSkew.sigma, 1e-6);
  EXPECT_LT(fit.rmse_vol, 1e-8);
  for (double k = -0.6; k <= 0.4; k += 0.01) {
    EXPECT_NEAR(fit.params.implied_vol(k, kSkewT), kSkew.implied_vol(k, kSkewT), 1e-6);
  }
}

TEST(FitSvi, recovers_a_shifted_smile_with_positive_skew) {
  const SviParams commodity{0.01, 0.15, 0.3, 0.1, 0.25};
  const std::vector<SmilePoint> quotes = quotes_from(commodity, 1.5, -0.8, 0.8, 25);
  const SviFitResult fit = fit_svi(quotes, 1.5);
  ASSERT_EQ(fit.status, SviFitStatus::kOk) << fit.message;
  for (double k = -0.8; k <= 0.8; k += 0.02) {
    EXPECT_NEAR(fit.params.implied_vol(k, 1.5), commodity.implied_vol(k, 1.5), 1e-6);
  }
}

TEST(FitSvi, noisy_quotes_give_rmse_near_the_noise_level) {
  constexpr double kNoise = 0.002;  // 0.2 vol points
  std::mt19937_64 gen(0x5eed'0f'5b1ULL);
  std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 41);
  double noise_sq = 0.0;
  for (SmilePoint& q : quotes) {
    const double e = kNoise * gaussian(gen);
    q.implied_vol += e;
    noise_sq += e * e;
  }
  const double noise_rms = std::sqrt(noise_sq / static_cast<double>(quotes.size()));
  const SviFitResult fit = fit_svi(quotes, kSkewT);
  ASSERT_EQ(fit.status, SviFitStatus::kOk) << fit.message;
  // Five fitted parameters absorb part of the noise (about 5/41 of its variance), and the true
  // smile is itself a candidate, so the residual sits a little below the noise.
  EXPECT_LT(fit.rmse_vol, 1.02 * noise_rms);
  EXPECT_GT(fit.rmse_vol, 0.75 * noise_rms);
  for (double k = -0.5; k <= 0.3; k += 0.05) {
    EXPECT_NEAR(fit.params.implied_vol(k, kSkewT), kSkew.implied_vol(k, kSkewT), 2.5 * kNoise);
  }
}

TEST(FitSvi, fits_a_noisy_one_week_smile) {
  const double t = 7.0 / 365.0;
  const SviParams weekly{0.0005, 0.05, -0.6, 0.01, 0.03};
  std::mt19937_64 gen(0x7'da75ULL);
  std::vector<SmilePoint> quotes = quotes_from(weekly, t, -0.2, 0.15, 30);
  for (SmilePoint& q : quotes) q.implied_vol += 0.003 * gaussian(gen);
  const SviFitResult fit = fit_svi(quotes, t);
  ASSERT_EQ(fit.status, SviFitStatus::kOk) << fit.message;
  EXPECT_LT(fit.rmse_vol, 0.004);
  EXPECT_NEAR(fit.params.implied_vol(0.0, t), weekly.implied_vol(0.0, t), 0.006);
}

TEST(FitSvi, weights_pull_the_fit_towards_trusted_quotes) {
  std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 21);
  quotes[10].implied_vol += 0.02;  // one bad at-the-money quote
  std::vector<SmilePoint> distrusted = quotes;
  distrusted[10].weight = 1e-6;
  const SviFitResult plain = fit_svi(quotes, kSkewT);
  const SviFitResult weighted = fit_svi(distrusted, kSkewT);
  const double k = quotes[10].log_moneyness;
  const double truth = kSkew.implied_vol(k, kSkewT);
  EXPECT_LT(std::abs(weighted.params.implied_vol(k, kSkewT) - truth),
            0.1 * std::abs(plain.params.implied_vol(k, kSkewT) - truth));
}

TEST(FitSvi, results_respect_constraints_on_random_smiles) {
  std::mt19937_64 gen(0xbad'5eedULL);
  for (int trial = 0; trial < 40; ++trial) {
    // Half the trials are noisy quadratic smiles, half pure noise; whatever the status, the
    // reported parameters must be admissible.
    const bool smooth = trial % 2 == 0;
    const double level = 0.1 + 0.7 * uniform01(gen);
    const double skew = -0.5 + 0.8 * uniform01(gen);
    const double curve = uniform01(gen);
    const auto n = static_cast<std::size_t>(5 + gen() % 20);
    std::vector<SmilePoint> quotes;
    quotes.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double k = -1.0 + 2.0 * uniform01(gen);
      const double vol = smooth ? level + skew * k + curve * k * k + 0.01 * gaussian(gen)
                                : 0.05 + 1.5 * uniform01(gen);
      quotes.push_back({k, std::max(vol, 0.02), 0.1 + uniform01(gen)});
    }
    const double t = 0.02 + 2.0 * uniform01(gen);
    const SviFitResult fit = fit_svi(quotes, t);
    ASSERT_NE(fit.message, nullptr);
    EXPECT_TRUE(fit.params.satisfies_constraints()) << "trial " << trial;
    // Lee's wing bound in total variance.
    EXPECT_LE(fit.params.b * (1.0 + std::abs(fit.params.rho)), 2.0 + 1e-9) << "trial " << trial;
    EXPECT_TRUE(std::isfinite(fit.rmse_vol));
  }
}

TEST(FitSvi, min_variance_constraint_binds_when_data_want_negative_variance) {
  // A smile that dips to (almost) zero variance: the unconstrained fit would go below zero.
  std::vector<SmilePoint> quotes;
  for (int i = 0; i < 15; ++i) {
    const double k = -0.7 + 0.1 * i;
    quotes.push_back({k, std::max(0.001, 1.2 * std::abs(k) - 0.05), 1.0});
  }
  const SviFitResult fit = fit_svi(quotes, 0.25);
  EXPECT_TRUE(fit.params.satisfies_constraints());
  const SviParams& p = fit.params;
  const double min_w = p.a + p.b * p.sigma * std::sqrt(1 - p.rho * p.rho);
  EXPECT_GE(min_w, 0.0);
  EXPECT_LT(min_w, 1e-6);  // the constraint is active, not merely satisfied
}

TEST(FitSvi, ignores_unusable_quotes) {
  std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 21);
  quotes.push_back({kNan, 0.3, 1.0});
  quotes.push_back({0.05, kNan, 1.0});
  quotes.push_back({0.05, -0.3, 1.0});
  quotes.push_back({0.05, 5.0, 0.0});   // zero weight
  quotes.push_back({0.05, 5.0, -1.0});  // negative weight
  quotes.push_back({kInf, 0.3, 1.0});
  const SviFitResult fit = fit_svi(quotes, kSkewT);
  ASSERT_EQ(fit.status, SviFitStatus::kOk) << fit.message;
  EXPECT_NEAR(fit.params.implied_vol(0.05, kSkewT), kSkew.implied_vol(0.05, kSkewT), 1e-6);
}

TEST(FitSvi, too_few_distinct_quotes_are_reported) {
  std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.2, 0.2, 4);
  EXPECT_EQ(fit_svi(quotes, kSkewT).status, SviFitStatus::kTooFewPoints);
  quotes.push_back(quotes[0]);  // a duplicate k is not a fifth point
  EXPECT_EQ(fit_svi(quotes, kSkewT).status, SviFitStatus::kTooFewPoints);
  quotes.push_back({0.3, kSkew.implied_vol(0.3, kSkewT), 1.0});
  EXPECT_EQ(fit_svi(quotes, kSkewT).status, SviFitStatus::kOk);
  EXPECT_EQ(fit_svi({}, kSkewT).status, SviFitStatus::kTooFewPoints);
}

TEST(FitSvi, invalid_expiry_is_reported) {
  const std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 11);
  EXPECT_EQ(fit_svi(quotes, 0.0).status, SviFitStatus::kInvalidInput);
  EXPECT_EQ(fit_svi(quotes, -1.0).status, SviFitStatus::kInvalidInput);
  EXPECT_EQ(fit_svi(quotes, kNan).status, SviFitStatus::kInvalidInput);
  EXPECT_STREQ(to_string(SviFitStatus::kInvalidInput), "invalid input");
}

TEST(FitSvi, arbitrageable_best_fit_is_reported_as_arbitrage) {
  const double t = 1.0;
  const std::vector<SmilePoint> quotes = quotes_from(kGatheralJacquier, t, -0.8, 1.2, 41);
  const SviFitResult fit = fit_svi(quotes, t);
  EXPECT_EQ(fit.status, SviFitStatus::kArbitrage) << fit.message;
  EXPECT_LT(fit.rmse_vol, 1e-4);  // the fit itself is good; its density is not
}

TEST(FitSvi, is_deterministic) {
  std::mt19937_64 gen(7);
  std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 31);
  for (SmilePoint& q : quotes) q.implied_vol += 0.003 * gaussian(gen);
  const SviFitResult a = fit_svi(quotes, kSkewT);
  const SviFitResult b = fit_svi(quotes, kSkewT);
  EXPECT_EQ(a.params.a, b.params.a);
  EXPECT_EQ(a.params.b, b.params.b);
  EXPECT_EQ(a.params.rho, b.params.rho);
  EXPECT_EQ(a.params.m, b.params.m);
  EXPECT_EQ(a.params.sigma, b.params.sigma);
  EXPECT_EQ(a.evaluations, b.evaluations);
}

TEST(FitSvi, allocates_nothing) {
  const std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 41);
  const std::size_t before = allocations();
  const SviFitResult fit = fit_svi(quotes, kSkewT);
  const SmileSlice slice = SmileSlice::from_quotes(quotes, kSkewT, 100.0);
  EXPECT_EQ(allocations(), before);
  EXPECT_EQ(fit.status, SviFitStatus::kOk);
  EXPECT_EQ(slice.source(), SmileSource::kSvi);
}

// ---------------------------------------------------------------------------------------------
// Slices and their fallbacks

TEST(SmileSlice, good_quotes_give_an_svi_slice) {
  const std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 41);
  const SmileSlice slice = SmileSlice::from_quotes(quotes, kSkewT, 100.0);
  EXPECT_EQ(slice.source(), SmileSource::kSvi);
  EXPECT_EQ(slice.fit().status, SviFitStatus::kOk);
  EXPECT_NEAR(slice.implied_vol(0.0), 0.4, 1e-6);
  EXPECT_DOUBLE_EQ(slice.forward(), 100.0);
  EXPECT_DOUBLE_EQ(slice.t_years(), kSkewT);
}

TEST(SmileSlice, arbitrageable_fit_falls_back_to_interpolating_the_quotes) {
  const std::vector<SmilePoint> quotes = quotes_from(kGatheralJacquier, 1.0, -0.8, 1.2, 41);
  const SmileSlice slice = SmileSlice::from_quotes(quotes, 1.0, 50.0);
  EXPECT_EQ(slice.fit().status, SviFitStatus::kArbitrage);
  EXPECT_EQ(slice.source(), SmileSource::kInterpolated);
  for (const SmilePoint& q : quotes) {
    EXPECT_NEAR(slice.implied_vol(q.log_moneyness), q.implied_vol, 1e-12);
  }
}

TEST(SmileSlice, two_quotes_interpolate_linearly_in_total_variance) {
  const double t = 0.25;
  const std::array<SmilePoint, 2> quotes{{{-0.1, 0.30, 1.0}, {0.1, 0.20, 1.0}}};
  const SmileSlice slice = SmileSlice::from_quotes(quotes, t, 100.0);
  EXPECT_EQ(slice.fit().status, SviFitStatus::kTooFewPoints);
  EXPECT_EQ(slice.source(), SmileSource::kInterpolated);
  const double w_lo = 0.09 * t;
  const double w_hi = 0.04 * t;
  EXPECT_NEAR(slice.total_variance(0.0), 0.5 * (w_lo + w_hi), 1e-15);
  EXPECT_NEAR(slice.total_variance(0.05), 0.25 * w_lo + 0.75 * w_hi, 1e-15);
  EXPECT_NEAR(slice.implied_vol(0.0), std::sqrt(0.065), 1e-15);
  // Flat outside the quotes.
  EXPECT_NEAR(slice.implied_vol(-3.0), 0.30, 1e-15);
  EXPECT_NEAR(slice.implied_vol(3.0), 0.20, 1e-15);
}

TEST(SmileSlice, one_quote_gives_a_flat_smile) {
  const std::array<SmilePoint, 1> quotes{{{0.02, 0.25, 1.0}}};
  const SmileSlice slice = SmileSlice::from_quotes(quotes, 0.1, 100.0);
  EXPECT_EQ(slice.source(), SmileSource::kFlat);
  for (double k : {-5.0, 0.0, 0.02, 5.0}) EXPECT_NEAR(slice.implied_vol(k), 0.25, 1e-15);
}

TEST(SmileSlice, duplicate_strikes_are_merged_by_weight) {
  const std::array<SmilePoint, 3> quotes{{{0.0, 0.20, 1.0}, {0.0, 0.30, 3.0}, {0.2, 0.25, 1.0}}};
  const SmileSlice slice = SmileSlice::from_quotes(quotes, 1.0, 100.0);
  EXPECT_NEAR(slice.total_variance(0.0), (0.04 * 1.0 + 0.09 * 3.0) / 4.0, 1e-15);
}

TEST(SmileSlice, garbage_quotes_still_answer_finite_positive_vols) {
  const std::array<SmilePoint, 4> quotes{
      {{kNan, 0.2, 1.0}, {0.0, -0.2, 1.0}, {0.1, kInf, 1.0}, {0.2, 0.3, kNan}}};
  SviFitOptions options;
  options.default_vol = 0.33;
  const SmileSlice slice = SmileSlice::from_quotes(quotes, 0.5, 100.0, options);
  EXPECT_EQ(slice.source(), SmileSource::kFlat);
  for (double k : {-kInf, -30.0, 0.0, kNan, 30.0, kInf}) {
    EXPECT_NEAR(slice.implied_vol(k), 0.33, 1e-15) << k;
  }
  // Even a nonsensical expiry answers something finite and positive.
  const SmileSlice bad_t = SmileSlice::from_quotes(quotes, kNan, 100.0);
  EXPECT_TRUE(std::isfinite(bad_t.implied_vol(0.0)));
  EXPECT_GT(bad_t.implied_vol(0.0), 0.0);
}

TEST(SmileSlice, svi_slice_is_floored_and_finite_everywhere) {
  const SviParams touching_zero{-0.04 * std::sqrt(0.84), 0.4, -0.4, 0.0, 0.1};  // min w = 0
  const SmileSlice slice = SmileSlice::from_svi(touching_zero, 0.5, 100.0);
  for (double k : {-kInf, -1.0, 0.0, 0.04, 1.0, kInf, kNan}) {
    const double v = slice.implied_vol(k);
    EXPECT_TRUE(std::isfinite(v)) << k;
    EXPECT_GE(v, kMinVol) << k;
  }
}

TEST(SmileSlice, keeps_the_quotes_nearest_the_money_beyond_capacity) {
  std::vector<SmilePoint> quotes;
  for (int i = 0; i < 100; ++i) {  // k from -0.99 to 0.99, far wings deliberately marked
    const double k = -0.99 + 0.02 * i;
    quotes.push_back({k, std::abs(k) > 0.7 ? 2.0 : 0.2, 1.0});
  }
  SviFitOptions options;
  options.max_rmse_vol = 1e-6;  // force the fallback
  const SmileSlice slice = SmileSlice::from_quotes(quotes, 1.0, 100.0, options);
  ASSERT_EQ(slice.source(), SmileSource::kInterpolated);
  // 64 nodes nearest 0 span |k| <= 0.63, all at 0.2; the 2.0 wings were dropped.
  EXPECT_NEAR(slice.implied_vol(0.9), 0.2, 1e-15);
  EXPECT_NEAR(slice.implied_vol(-0.9), 0.2, 1e-15);
}

// ---------------------------------------------------------------------------------------------
// Surface

VolSurface two_flat_slices(double t0, double v0, double t1, double v1) {
  const std::array<SmileSlice, 2> slices{SmileSlice::flat(v1, t1, 100.0),
                                         SmileSlice::flat(v0, t0, 100.0)};  // unsorted on purpose
  return VolSurface::from_slices(slices);
}

TEST(VolSurface, is_exact_at_slice_times_and_linear_in_total_variance_between) {
  const std::array<SmileSlice, 2> slices{SmileSlice::from_svi(kSkew, 0.5, 100.0),
                                         SmileSlice::flat(0.30, 1.0, 101.0)};
  const VolSurface surface = VolSurface::from_slices(slices);
  ASSERT_EQ(surface.slice_count(), 2u);
  for (double k : {-0.5, -0.1, 0.0, 0.2, 0.6}) {
    const double w0 = kSkew.total_variance(k);
    const double w1 = 0.09;
    EXPECT_NEAR(surface.total_variance(k, 0.5), w0, 1e-15);
    EXPECT_NEAR(surface.total_variance(k, 1.0), w1, 1e-15);
    EXPECT_NEAR(surface.vol_at(k, 0.5), std::sqrt(w0 / 0.5), 1e-15);
    EXPECT_NEAR(surface.vol_at(k, 1.0), 0.30, 1e-15);
    for (double u : {0.1, 0.25, 0.5, 0.9}) {
      const double t = 0.5 + 0.5 * u;
      EXPECT_NEAR(surface.total_variance(k, t), (1 - u) * w0 + u * w1, 1e-15);
      EXPECT_NEAR(surface.vol_at(k, t), std::sqrt(((1 - u) * w0 + u * w1) / t), 1e-14);
    }
  }
}

TEST(VolSurface, holds_vol_flat_outside_the_quoted_expiries) {
  const VolSurface surface = two_flat_slices(0.25, 0.40, 1.0, 0.30);
  EXPECT_NEAR(surface.vol_at(0.0, 0.01), 0.40, 1e-15);
  EXPECT_NEAR(surface.vol_at(0.3, 0.2), 0.40, 1e-15);
  EXPECT_NEAR(surface.vol_at(0.0, 0.0), 0.40, 1e-15);  // t <= 0 answers the first slice
  EXPECT_NEAR(surface.vol_at(0.0, 1.5), 0.30, 1e-15);
  EXPECT_NEAR(surface.vol_at(0.0, 30.0), 0.30, 1e-15);
  // Between: w = 0.04 + (0.09 - 0.04) * (0.5 - 0.25) / 0.75 at t = 0.5.
  EXPECT_NEAR(surface.vol_at(0.0, 0.5), std::sqrt((0.04 + 0.05 / 3.0) / 0.5), 1e-15);
}

TEST(VolSurface, strike_lookup_uses_log_moneyness_against_the_given_forward) {
  const std::array<SmileSlice, 1> slices{SmileSlice::from_svi(kSkew, 0.5, 100.0)};
  const VolSurface surface = VolSurface::from_slices(slices);
  EXPECT_NEAR(surface.vol(100.0, 0.5, 100.0), 0.4, 1e-15);
  EXPECT_NEAR(surface.vol(110.0, 0.5, 100.0), kSkew.implied_vol(std::log(1.1), 0.5), 1e-15);
  // Sticky strike: the same strike against a higher forward is further in the put wing.
  EXPECT_NEAR(surface.vol(100.0, 0.5, 105.0), kSkew.implied_vol(std::log(100.0 / 105.0), 0.5),
              1e-15);
}

TEST(VolSurface, lookups_are_finite_and_positive_for_hostile_inputs) {
  const std::array<SmileSlice, 2> slices{SmileSlice::from_svi(kSkew, 0.5, 100.0),
                                         SmileSlice::flat(0.30, 1.0, 101.0)};
  const VolSurface surface = VolSurface::from_slices(slices);
  for (double strike : {0.0, 1e-300, 100.0, 1e300, kInf, kNan}) {
    for (double t : {-1.0, 0.0, 1e-9, 0.7, 100.0, kInf, kNan}) {
      for (double fwd : {0.0, 100.0, kNan}) {
        const double v = surface.vol(strike, t, fwd);
        EXPECT_TRUE(std::isfinite(v) && v >= kMinVol) << strike << " " << t << " " << fwd;
      }
    }
  }
}

TEST(VolSurface, calendar_check_flags_crossing_slices) {
  EXPECT_FALSE(two_flat_slices(0.25, 0.40, 1.0, 0.30).calendar_arbitrage());  // w: 0.04 < 0.09
  const VolSurface crossing = two_flat_slices(0.25, 0.40, 1.0, 0.19);         // w: 0.04 > 0.0361
  EXPECT_TRUE(crossing.calendar_arbitrage());
  EXPECT_EQ(crossing.calendar_violation_index(), 0u);
  EXPECT_NEAR(crossing.vol_at(0.0, 1.0), 0.19, 1e-15);  // still answers

  // Smiles that cross only in a wing: the later skew is flatter, so its put wing dips below.
  const SviParams steep{0.02, 0.6, -0.9, 0.0, 0.1};
  const SviParams gentle{0.10, 0.1, 0.0, 0.0, 0.1};
  ASSERT_LT(gentle.total_variance(-1.5), steep.total_variance(-1.5));
  ASSERT_GT(gentle.total_variance(0.0), steep.total_variance(0.0));
  const std::array<SmileSlice, 3> slices{SmileSlice::flat(0.1, 0.1, 100.0),
                                         SmileSlice::from_svi(steep, 0.5, 100.0),
                                         SmileSlice::from_svi(gentle, 1.0, 100.0)};
  const VolSurface wing = VolSurface::from_slices(slices);
  EXPECT_TRUE(wing.calendar_arbitrage());
  EXPECT_EQ(wing.calendar_violation_index(), 1u);
}

TEST(VolSurface, sorts_slices_and_drops_invalid_duplicate_and_excess_ones) {
  std::vector<SmileSlice> slices;
  for (int i = 20; i >= 1; --i) slices.push_back(SmileSlice::flat(0.2, 0.1 * i, 100.0));
  slices.push_back(SmileSlice::flat(0.9, 0.5, 100.0));  // duplicate t
  slices.push_back(SmileSlice::flat(0.9, 0.0, 100.0));
  slices.push_back(SmileSlice::flat(0.9, kNan, 100.0));
  const VolSurface surface = VolSurface::from_slices(slices);
  ASSERT_EQ(surface.slice_count(), kMaxSlices);
  EXPECT_EQ(surface.dropped_slices(), 4u + 3u);
  for (std::size_t i = 0; i < surface.slice_count(); ++i) {
    EXPECT_NEAR(surface.slice(i).t_years(), 0.1 * static_cast<double>(i + 1), 1e-12);
  }
  EXPECT_NEAR(surface.vol_at(0.0, 0.5), 0.2, 1e-15);  // the first 0.5 slice won
}

TEST(VolSurface, empty_surface_answers_the_default_vol) {
  const VolSurface surface = VolSurface::from_slices({}, 0.27);
  EXPECT_EQ(surface.slice_count(), 0u);
  EXPECT_DOUBLE_EQ(surface.vol(100.0, 0.5, 100.0), 0.27);
  EXPECT_DOUBLE_EQ(VolSurface{}.vol(100.0, 0.5, 100.0), 0.20);
}

TEST(VolSurface, is_a_trivially_copyable_value) {
  static_assert(std::is_trivially_copyable_v<VolSurface>);
  static_assert(std::is_trivially_copyable_v<SmileSlice>);
  const std::array<SmileSlice, 2> slices{SmileSlice::from_svi(kSkew, 0.5, 100.0),
                                         SmileSlice::flat(0.30, 1.0, 101.0)};
  const VolSurface original = VolSurface::from_slices(slices);
  VolSurface copy;
  std::memcpy(static_cast<void*>(&copy), &original, sizeof(VolSurface));
  for (double t : {0.2, 0.5, 0.75, 2.0}) {
    EXPECT_EQ(copy.vol(95.0, t, 100.0), original.vol(95.0, t, 100.0));
  }
}

TEST(VolSurface, lookups_allocate_nothing) {
  const std::vector<SmilePoint> quotes = quotes_from(kSkew, kSkewT, -0.6, 0.4, 41);
  const std::array<SmilePoint, 3> few{{{-0.1, 0.3, 1.0}, {0.0, 0.25, 1.0}, {0.1, 0.22, 1.0}}};
  const std::array<SmileSlice, 3> slices{SmileSlice::from_quotes(quotes, kSkewT, 100.0),
                                         SmileSlice::from_quotes(few, 1.0, 100.0),
                                         SmileSlice::flat(0.2, 2.0, 100.0)};
  const std::size_t before = allocations();
  const VolSurface surface = VolSurface::from_slices(slices);
  double sum = 0.0;
  for (double t = 0.05; t < 3.0; t += 0.05) {
    for (double strike = 60.0; strike < 150.0; strike += 5.0) sum += surface.vol(strike, t, 100.0);
  }
  EXPECT_EQ(allocations(), before);
  EXPECT_TRUE(std::isfinite(sum));
}

}  // namespace
}  // namespace hedged::pricing
