// BookKernel: per-option prices and Greeks (vanna and volga included) against the scalar pricer
// on every CPU path, aggregates and expiry buckets, expired and degenerate lines, and no
// allocation per tick.
#include "core/greeks/book_kernel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/greeks/portfolio.hpp"
#include "core/pricing/black_scholes.hpp"

#include "tests/support/allocation_counter.hpp"

namespace hedged::greeks {
namespace {

constexpr TimeNs kNow = 1'700'000'000 * kNanosPerSecond;
constexpr TimeNs kDay = 86'400 * kNanosPerSecond;
constexpr double kRelTol = 1e-12;
constexpr double kAbsTol = 1e-13;  // natural units, for values too small to compare relatively

struct Book {
  std::vector<OptionLine> lines;
  std::vector<double> vols;  // per line
};

// Moneyness K/S 0.5-2, expiries 1 day-3 years (60 dates, log-spaced, not on whole days), vols
// 5%-150%, calls and puts, long and short, multipliers 1-100.
Book make_book(std::size_t n, double spot, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<TimeNs> expiries;
  for (int e = 0; e < 60; ++e) {
    const double days =
        std::exp(std::log(1.0) + (std::log(3.0 * 365.0) - std::log(1.0)) * e / 59.0);
    expiries.push_back(kNow + static_cast<TimeNs>(days * static_cast<double>(kDay)) + 3'600 * e);
  }
  std::uniform_real_distribution<double> log_moneyness(std::log(0.5), std::log(2.0));
  std::uniform_real_distribution<double> vol(0.05, 1.5);
  std::uniform_int_distribution<std::size_t> expiry(0, expiries.size() - 1);
  std::uniform_int_distribution<int> qty(1, 50);
  const double multipliers[] = {1.0, 10.0, 100.0};
  Book book;
  for (std::size_t i = 0; i < n; ++i) {
    OptionLine l;
    l.option = static_cast<InstrumentId>(i);
    l.right = rng() % 2 == 0 ? OptionRight::kCall : OptionRight::kPut;
    l.strike = spot * std::exp(log_moneyness(rng));
    l.expiry_ns = expiries[expiry(rng)];
    l.multiplier = multipliers[rng() % 3];
    l.quantity = (rng() % 2 == 0 ? 1 : -1) * qty(rng);
    book.lines.push_back(l);
    book.vols.push_back(vol(rng));
  }
  return book;
}

pricing::Greeks scalar(const OptionLine& l, double spot, double rate, double q, double vol,
                       TimeNs now) {
  const double t = static_cast<double>(l.expiry_ns - now) / static_cast<double>(kNanosPerSecond) /
                   kSecondsPerYear;
  return pricing::black_scholes({spot, l.strike, rate, q, vol, t, l.right});
}

bool close(double actual, double expected) {
  return std::fabs(actual - expected) <= kRelTol * std::fabs(expected) + kAbsTol;
}

// Relative error where the value is large enough to compare relatively, else 0.
double rel_err(double actual, double expected) {
  if (std::fabs(expected) < kAbsTol / kRelTol) return 0.0;
  return std::fabs(actual - expected) / std::fabs(expected);
}

struct Scenario {
  double rate;
  double dividend_yield;
};
constexpr Scenario kScenarios[] = {{0.03, 0.01}, {-0.01, 0.08}, {0.10, 0.0}, {0.05, 0.05}};

std::vector<KernelPath> supported_paths() {
  std::vector<KernelPath> paths;
  for (KernelPath p : {KernelPath::kPortable, KernelPath::kAvx2, KernelPath::kAvx512}) {
    if (kernel_path_supported(p)) paths.push_back(p);
  }
  return paths;
}

TEST(BookKernel, best_path_is_supported_and_used_by_default) {
  const KernelPath best = best_kernel_path();
  EXPECT_TRUE(kernel_path_supported(best));
  EXPECT_TRUE(kernel_path_supported(KernelPath::kPortable));
  const Book book = make_book(10, 100.0, 1);
  BookKernel kernel(book.lines, {100.0, 0.03, 0.01, 0.2}, kNow);
  EXPECT_EQ(kernel.path(), best);
  EXPECT_TRUE(kernel.force_path(KernelPath::kPortable));
  EXPECT_EQ(kernel.path(), KernelPath::kPortable);
  std::printf("best kernel path on this CPU: %s\n", to_string(best));
}

TEST(BookKernel, every_option_matches_scalar_black_scholes_on_every_path) {
  constexpr double kSpot = 100.0;
  const Book book = make_book(5'000, kSpot, 20240611);
  const char* names[] = {"price", "delta", "gamma", "vega", "theta", "rho", "vanna", "volga"};
  constexpr int kOutputs = 8;
  for (const KernelPath path : supported_paths()) {
    double max_rel[kOutputs] = {};
    double max_abs[kOutputs] = {};
    for (const Scenario& s : kScenarios) {
      BookKernel kernel(book.lines, {kSpot, s.rate, s.dividend_yield, 0.2}, kNow);
      kernel.set_vols(book.vols);
      ASSERT_TRUE(kernel.force_path(path));
      BookRisk risk;
      for (const double spot : {kSpot, 97.3, 104.1}) {
        kernel.revalue(spot, risk);
        const OptionResults r = kernel.results();
        ASSERT_EQ(r.price.size(), book.lines.size());
        for (std::size_t k = 0; k < kernel.size(); ++k) {
          const std::uint32_t li = kernel.line_index()[k];
          const pricing::Greeks g =
              scalar(book.lines[li], spot, s.rate, s.dividend_yield, book.vols[li], kNow);
          ASSERT_EQ(r.vanna.size(), book.lines.size());
          ASSERT_EQ(r.volga.size(), book.lines.size());
          const double got[kOutputs] = {r.price[k], r.delta[k], r.gamma[k], r.vega[k],
                                        r.theta[k], r.rho[k],   r.vanna[k], r.volga[k]};
          const double want[kOutputs] = {g.price, g.delta, g.gamma, g.vega,
                                         g.theta, g.rho,   g.vanna, g.volga};
          for (int j = 0; j < kOutputs; ++j) {
            ASSERT_TRUE(std::isfinite(got[j])) << names[j] << " line " << li;
            ASSERT_TRUE(close(got[j], want[j]))
                << to_string(path) << " " << names[j] << " line " << li << " got " << got[j]
                << " want " << want[j] << " (r " << s.rate << ", q " << s.dividend_yield
                << ", spot " << spot << ")";
            max_rel[j] = std::max(max_rel[j], rel_err(got[j], want[j]));
            max_abs[j] = std::max(max_abs[j], std::fabs(got[j] - want[j]));
          }
        }
      }
    }
    std::printf("%-8s max relative (absolute) error vs scalar:", to_string(path));
    for (int j = 0; j < kOutputs; ++j) {
      std::printf(" %s %.2e (%.1e)", names[j], max_rel[j], max_abs[j]);
    }
    std::printf("\n");
  }
}

struct Sums {
  double value = 0, delta = 0, gamma = 0, vega = 0, theta = 0, rho = 0, vanna = 0, volga = 0;
};

// Scalar sums in desk units, and the sums of magnitudes that bound their rounding.
void scalar_sums(const Book& book, double spot, double rate, double q, TimeNs now, Sums& sum,
                 Sums& mag) {
  for (std::size_t i = 0; i < book.lines.size(); ++i) {
    const OptionLine& l = book.lines[i];
    if (l.expiry_ns <= now) continue;
    const pricing::Greeks g = scalar(l, spot, rate, q, book.vols[i], now);
    const double u = static_cast<double>(l.quantity) * l.multiplier;
    const double terms[8] = {u * g.price,        u * g.delta,         u * g.gamma,
                             u * g.vega * 0.01,  u * g.theta / 365.0, u * g.rho * 0.01,
                             u * g.vanna * 0.01, u * g.volga * 0.0001};
    double* s[8] = {&sum.value, &sum.delta, &sum.gamma, &sum.vega,
                    &sum.theta, &sum.rho,   &sum.vanna, &sum.volga};
    double* m[8] = {&mag.value, &mag.delta, &mag.gamma, &mag.vega,
                    &mag.theta, &mag.rho,   &mag.vanna, &mag.volga};
    for (int j = 0; j < 8; ++j) {
      *s[j] += terms[j];
      *m[j] += std::fabs(terms[j]);
    }
  }
}

void expect_sums(const PortfolioGreeks& g, const Sums& sum, const Sums& mag, double spot) {
  EXPECT_NEAR(g.value, sum.value, kRelTol * mag.value);
  EXPECT_NEAR(g.delta_shares, sum.delta, kRelTol * mag.delta);
  EXPECT_NEAR(g.delta_notional, sum.delta * spot, kRelTol * mag.delta * spot);
  EXPECT_NEAR(g.gamma_shares, sum.gamma, kRelTol * mag.gamma);
  EXPECT_NEAR(g.gamma_notional_per_pct, sum.gamma * spot * spot * 0.01,
              kRelTol * mag.gamma * spot * spot * 0.01);
  EXPECT_NEAR(g.vega_per_vol_point, sum.vega, kRelTol * mag.vega);
  EXPECT_NEAR(g.theta_per_day, sum.theta, kRelTol * mag.theta);
  EXPECT_NEAR(g.rho_per_pct, sum.rho, kRelTol * mag.rho);
  EXPECT_NEAR(g.vanna_shares_per_vol_point, sum.vanna, kRelTol * mag.vanna);
  EXPECT_NEAR(g.volga_per_vol_point2, sum.volga, kRelTol * mag.volga);
}

TEST(BookKernel, aggregates_equal_sums_of_scalar_results) {
  const Book book = make_book(5'000, 100.0, 7);
  for (const KernelPath path : supported_paths()) {
    for (const Scenario& s : kScenarios) {
      BookKernel kernel(book.lines, {100.0, s.rate, s.dividend_yield, 0.2}, kNow);
      kernel.set_vols(book.vols);
      ASSERT_TRUE(kernel.force_path(path));
      BookRisk risk;
      kernel.revalue(101.25, risk);
      Sums sum, mag;
      scalar_sums(book, 101.25, s.rate, s.dividend_yield, kNow, sum, mag);
      expect_sums(risk.total, sum, mag, 101.25);
    }
  }
}

TEST(BookKernel, flat_vol_total_matches_option_book_revalue) {
  const Book book = make_book(700, 50.0, 3);
  OptionBook scalar_book;
  for (const OptionLine& l : book.lines) scalar_book.add(l);
  const MarketParams market{51.0, 0.04, 0.015, 0.33};
  BookKernel kernel(book.lines, market, kNow);
  BookRisk risk;
  kernel.revalue(market.spot, risk);
  const PortfolioGreeks want = scalar_book.revalue(market, kNow);
  Book flat = book;
  std::fill(flat.vols.begin(), flat.vols.end(), market.vol);
  Sums sum, mag;
  scalar_sums(flat, market.spot, market.rate, market.dividend_yield, kNow, sum, mag);
  EXPECT_NEAR(risk.total.value, want.value, kRelTol * mag.value);
  EXPECT_NEAR(risk.total.delta_shares, want.delta_shares, kRelTol * mag.delta);
  EXPECT_NEAR(risk.total.gamma_shares, want.gamma_shares, kRelTol * mag.gamma);
  EXPECT_NEAR(risk.total.vega_per_vol_point, want.vega_per_vol_point, kRelTol * mag.vega);
  EXPECT_NEAR(risk.total.theta_per_day, want.theta_per_day, kRelTol * mag.theta);
  EXPECT_NEAR(risk.total.rho_per_pct, want.rho_per_pct, kRelTol * mag.rho);
  EXPECT_NEAR(risk.total.vanna_shares_per_vol_point, want.vanna_shares_per_vol_point,
              kRelTol * mag.vanna);
  EXPECT_NEAR(risk.total.volga_per_vol_point2, want.volga_per_vol_point2, kRelTol * mag.volga);
}

// Every bucket against the scalar sums of its own lines, in increasing expiry order, and the
// buckets summing to the total.
void check_buckets(const Book& book, const BookRisk& risk) {
  ASSERT_EQ(risk.bucket_count, 60u);
  PortfolioGreeks sum;
  for (std::size_t b = 0; b < risk.bucket_count; ++b) {
    if (b > 0) {
      // Buckets are in increasing expiry order (a value check, not a timing one).
      const TimeNs previous_expiry = risk.bucket_expiry_ns[b - 1];
      const TimeNs this_expiry = risk.bucket_expiry_ns[b];
      EXPECT_LT(previous_expiry, this_expiry);
    }
    const PortfolioGreeks& g = risk.by_expiry[b];
    sum.value += g.value;
    sum.delta_shares += g.delta_shares;
    sum.delta_notional += g.delta_notional;
    sum.gamma_shares += g.gamma_shares;
    sum.gamma_notional_per_pct += g.gamma_notional_per_pct;
    sum.vega_per_vol_point += g.vega_per_vol_point;
    sum.theta_per_day += g.theta_per_day;
    sum.rho_per_pct += g.rho_per_pct;
    sum.vanna_shares_per_vol_point += g.vanna_shares_per_vol_point;
    sum.volga_per_vol_point2 += g.volga_per_vol_point2;
    // Each bucket against the scalar sums of its own lines.
    Book only;
    for (std::size_t i = 0; i < book.lines.size(); ++i) {
      if (book.lines[i].expiry_ns != risk.bucket_expiry_ns[b]) continue;
      only.lines.push_back(book.lines[i]);
      only.vols.push_back(book.vols[i]);
    }
    ASSERT_FALSE(only.lines.empty());
    Sums s, mag;
    scalar_sums(only, 99.0, 0.02, 0.01, kNow, s, mag);
    expect_sums(g, s, mag, 99.0);
  }
  const auto near = [](double a, double b) {
    return std::fabs(a - b) <= 1e-12 * std::fabs(b) + 1e-9;
  };
  EXPECT_TRUE(near(sum.value, risk.total.value));
  EXPECT_TRUE(near(sum.delta_shares, risk.total.delta_shares));
  EXPECT_TRUE(near(sum.delta_notional, risk.total.delta_notional));
  EXPECT_TRUE(near(sum.gamma_shares, risk.total.gamma_shares));
  EXPECT_TRUE(near(sum.gamma_notional_per_pct, risk.total.gamma_notional_per_pct));
  EXPECT_TRUE(near(sum.vega_per_vol_point, risk.total.vega_per_vol_point));
  EXPECT_TRUE(near(sum.theta_per_day, risk.total.theta_per_day));
  EXPECT_TRUE(near(sum.rho_per_pct, risk.total.rho_per_pct));
  EXPECT_TRUE(near(sum.vanna_shares_per_vol_point, risk.total.vanna_shares_per_vol_point));
  EXPECT_TRUE(near(sum.volga_per_vol_point2, risk.total.volga_per_vol_point2));
}

TEST(BookKernel, expiry_buckets_are_sorted_sum_to_the_total_and_match_scalar_per_expiry) {
  const Book book = make_book(3'000, 100.0, 11);
  for (const KernelPath path : supported_paths()) {
    SCOPED_TRACE(to_string(path));
    BookKernel kernel(book.lines, {100.0, 0.02, 0.01, 0.2}, kNow);
    kernel.set_vols(book.vols);
    ASSERT_TRUE(kernel.force_path(path));
    BookRisk risk;
    kernel.revalue(99.0, risk);
    check_buckets(book, risk);
  }
}

TEST(BookKernel, expired_options_contribute_nothing) {
  const Book book = make_book(2'000, 100.0, 5);
  BookKernel kernel(book.lines, {100.0, 0.03, 0.0, 0.2}, kNow);
  kernel.set_vols(book.vols);
  // 40 days on: the expiries up to then (and the one exactly now) have gone.
  const TimeNs later = kNow + 40 * kDay;
  kernel.set_time(later);
  BookRisk risk;
  kernel.revalue(100.0, risk);
  const OptionResults r = kernel.results();
  std::size_t expired = 0;
  for (std::size_t k = 0; k < kernel.size(); ++k) {
    if (book.lines[kernel.line_index()[k]].expiry_ns > later) continue;
    ++expired;
    for (const auto& out : {r.price, r.delta, r.gamma, r.vega, r.theta, r.rho, r.vanna, r.volga}) {
      EXPECT_EQ(out[k], 0.0);
    }
  }
  EXPECT_GT(expired, 100u);
  std::size_t expired_buckets = 0;
  for (std::size_t b = 0; b < risk.bucket_count; ++b) {
    if (risk.bucket_expiry_ns[b] > later) continue;
    ++expired_buckets;
    EXPECT_EQ(risk.by_expiry[b].value, 0.0);
    EXPECT_EQ(risk.by_expiry[b].delta_shares, 0.0);
    EXPECT_EQ(risk.by_expiry[b].gamma_shares, 0.0);
    EXPECT_EQ(risk.by_expiry[b].vega_per_vol_point, 0.0);
    EXPECT_EQ(risk.by_expiry[b].theta_per_day, 0.0);
    EXPECT_EQ(risk.by_expiry[b].rho_per_pct, 0.0);
    EXPECT_EQ(risk.by_expiry[b].vanna_shares_per_vol_point, 0.0);
    EXPECT_EQ(risk.by_expiry[b].volga_per_vol_point2, 0.0);
  }
  EXPECT_GT(expired_buckets, 10u);
  Sums sum, mag;
  scalar_sums(book, 100.0, 0.03, 0.0, later, sum, mag);
  expect_sums(risk.total, sum, mag, 100.0);

  // Everything expired: all zero.
  kernel.set_time(kNow + 4 * 365 * kDay);
  kernel.revalue(100.0, risk);
  EXPECT_EQ(risk.total.value, 0.0);
  EXPECT_EQ(risk.total.delta_shares, 0.0);
  EXPECT_EQ(risk.total.gamma_shares, 0.0);
  EXPECT_EQ(risk.total.vanna_shares_per_vol_point, 0.0);
  EXPECT_EQ(risk.total.volga_per_vol_point2, 0.0);
}

TEST(BookKernel, zero_vol_lines_take_the_degenerate_limit_of_the_scalar_pricer) {
  Book book = make_book(300, 100.0, 9);
  // Every third line at zero vol, including one exactly at the forward's money.
  for (std::size_t i = 0; i < book.vols.size(); i += 3) book.vols[i] = 0.0;
  for (const KernelPath path : supported_paths()) {
    BookKernel kernel(book.lines, {100.0, 0.03, 0.01, 0.2}, kNow);
    kernel.set_vols(book.vols);
    ASSERT_TRUE(kernel.force_path(path));
    BookRisk risk;
    kernel.revalue(100.0, risk);
    const OptionResults r = kernel.results();
    for (std::size_t k = 0; k < kernel.size(); ++k) {
      const std::uint32_t li = kernel.line_index()[k];
      const pricing::Greeks g = scalar(book.lines[li], 100.0, 0.03, 0.01, book.vols[li], kNow);
      if (book.vols[li] == 0.0) {
        EXPECT_EQ(r.price[k], g.price);
        EXPECT_EQ(r.delta[k], g.delta);
        EXPECT_EQ(r.gamma[k], 0.0);
        EXPECT_EQ(r.vega[k], 0.0);
        EXPECT_EQ(r.theta[k], g.theta);
        EXPECT_EQ(r.rho[k], g.rho);
        EXPECT_EQ(r.vanna[k], 0.0);
        EXPECT_EQ(r.volga[k], 0.0);
      } else {
        EXPECT_TRUE(close(r.price[k], g.price));
        EXPECT_TRUE(close(r.delta[k], g.delta));
        EXPECT_TRUE(close(r.vanna[k], g.vanna));
        EXPECT_TRUE(close(r.volga[k], g.volga));
      }
    }
    Sums sum, mag;
    scalar_sums(book, 100.0, 0.03, 0.01, kNow, sum, mag);
    expect_sums(risk.total, sum, mag, 100.0);
  }
}

TEST(BookKernel, setters_reprice_like_a_fresh_kernel) {
  const Book book = make_book(257, 100.0, 13);
  BookKernel moved(book.lines, {100.0, 0.0, 0.0, 0.5}, kNow - kDay);
  moved.set_rates(0.045, 0.02);
  moved.set_time(kNow);
  moved.set_flat_vol(0.3);
  BookKernel fresh(book.lines, {100.0, 0.045, 0.02, 0.3}, kNow);
  BookRisk a, b;
  moved.revalue(100.5, a);
  fresh.revalue(100.5, b);
  EXPECT_EQ(a.total.value, b.total.value);
  EXPECT_EQ(a.total.delta_shares, b.total.delta_shares);
  EXPECT_EQ(a.total.theta_per_day, b.total.theta_per_day);
  EXPECT_EQ(a.total.vanna_shares_per_vol_point, b.total.vanna_shares_per_vol_point);
  EXPECT_EQ(a.total.volga_per_vol_point2, b.total.volga_per_vol_point2);
  // set_vols follows the constructor's line order, whatever order the kernel keeps.
  moved.set_vols(book.vols);
  moved.revalue(100.5, a);
  const OptionResults r = moved.results();
  for (std::size_t k = 0; k < moved.size(); ++k) {
    const std::uint32_t li = moved.line_index()[k];
    const pricing::Greeks g = scalar(book.lines[li], 100.5, 0.045, 0.02, book.vols[li], kNow);
    EXPECT_TRUE(close(r.price[k], g.price)) << li;
    EXPECT_TRUE(close(r.vega[k], g.vega)) << li;
    EXPECT_TRUE(close(r.vanna[k], g.vanna)) << li;
    EXPECT_TRUE(close(r.volga[k], g.volga)) << li;
  }
}

TEST(BookKernel, revalue_allocates_nothing) {
  const Book book = make_book(1'003, 100.0, 17);
  BookKernel kernel(book.lines, {100.0, 0.03, 0.01, 0.2}, kNow);
  kernel.set_vols(book.vols);
  BookRisk risk;
  double checksum = 0.0;
  for (const KernelPath path : supported_paths()) {
    ASSERT_TRUE(kernel.force_path(path));
    const std::uint64_t before = hedged::testing::allocations();
    for (int i = 0; i < 1'000; ++i) {
      kernel.revalue(100.0 + 0.01 * (i % 7), risk);
      checksum += risk.total.delta_shares;
    }
    EXPECT_EQ(hedged::testing::allocations() - before, 0u) << to_string(path);
  }
  EXPECT_TRUE(std::isfinite(checksum));
  // The counter does count: building a kernel allocates.
  const std::uint64_t before = hedged::testing::allocations();
  const BookKernel other(book.lines, {100.0, 0.03, 0.01, 0.2}, kNow);
  EXPECT_GT(hedged::testing::allocations() - before, 0u);
}

TEST(BookKernel, small_and_empty_books) {
  for (std::size_t n : {0u, 1u, 7u, 8u, 9u}) {
    const Book book = make_book(n, 100.0, 21 + n);
    BookKernel kernel(book.lines, {100.0, 0.03, 0.01, 0.25}, kNow);
    BookRisk risk;
    kernel.revalue(100.0, risk);
    Book flat = book;
    std::fill(flat.vols.begin(), flat.vols.end(), 0.25);
    Sums sum, mag;
    scalar_sums(flat, 100.0, 0.03, 0.01, kNow, sum, mag);
    expect_sums(risk.total, sum, mag, 100.0);
    EXPECT_EQ(kernel.size(), n);
  }
}

TEST(BookKernel, rejects_bad_lines_and_too_many_expiries) {
  Book book = make_book(3, 100.0, 1);
  book.lines[1].strike = 0.0;
  EXPECT_THROW(BookKernel(book.lines, {100.0, 0.0, 0.0, 0.2}, kNow), std::invalid_argument);
  std::vector<OptionLine> many;
  for (std::size_t e = 0; e <= kMaxExpiryBuckets; ++e) {
    OptionLine l;
    l.strike = 100.0;
    l.expiry_ns = kNow + static_cast<TimeNs>(e + 1) * kDay;
    l.quantity = 1;
    many.push_back(l);
  }
  EXPECT_THROW(BookKernel(many, {100.0, 0.0, 0.0, 0.2}, kNow), std::length_error);
  many.pop_back();
  EXPECT_NO_THROW(BookKernel(many, {100.0, 0.0, 0.0, 0.2}, kNow));
}

}  // namespace
}  // namespace hedged::greeks
