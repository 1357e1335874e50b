// Implied volatility benchmarks: ns per implied_vol call over a mixed grid (moneyness 0.5-2,
// 1 day-3 years, vol 5%-150%, calls and puts), with QuantLib's Li-RS and its Newton-on-price
// blackFormulaImpliedStdDev on the same prices as the reference. Run in Release:
//   build/release/tests/bench/implied_vol_bench
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include <ql/pricingengines/blackformula.hpp>

#include "core/pricing/black_scholes.hpp"
#include "core/pricing/implied_vol.hpp"

namespace {

using hedged::OptionRight;
using hedged::pricing::BsInputs;

constexpr std::size_t kGridSize = 4096;  // power of two: index by mask

struct Quote {
  BsInputs in;
  double price;
  double forward;   // S e^{(r-q)T}, for QuantLib's Black formula
  double discount;  // e^{-rT}
};

const std::vector<Quote>& grid() {
  static const std::vector<Quote> quotes = [] {
    std::mt19937_64 gen(20240515);
    auto uniform = [&gen](double lo, double hi) {
      return lo + (hi - lo) * static_cast<double>(gen() >> 11) * 0x1.0p-53;
    };
    std::vector<Quote> out;
    while (out.size() < kGridSize) {
      Quote q{};
      q.in.spot = 100.0;
      q.in.strike = 100.0 / uniform(0.5, 2.0);
      q.in.time_years = static_cast<double>(1 + gen() % (3 * 365)) / 365.0;
      q.in.vol = uniform(0.05, 1.5);
      q.in.rate = uniform(-0.01, 0.10);
      q.in.dividend_yield = uniform(0.0, 0.08);
      q.in.right = out.size() % 2 == 0 ? OptionRight::kCall : OptionRight::kPut;
      const hedged::pricing::Greeks g = hedged::pricing::black_scholes(q.in);
      // QuantLib's solvers stop at 1e-6 and may throw on negligible vega: keep the comparison
      // to options whose price actually determines the vol.
      if (g.vega < 1e-4) continue;
      q.price = g.price;
      q.discount = std::exp(-q.in.rate * q.in.time_years);
      q.forward = q.in.spot * std::exp((q.in.rate - q.in.dividend_yield) * q.in.time_years);
      out.push_back(q);
    }
    return out;
  }();
  return quotes;
}

void BM_ImpliedVol(benchmark::State& state) {
  const auto& quotes = grid();
  std::size_t i = 0;
  for (auto _ : state) {
    const Quote& q = quotes[i++ & (kGridSize - 1)];
    benchmark::DoNotOptimize(hedged::pricing::implied_vol(q.price, q.in));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ImpliedVol);

void BM_ImpliedVolBlack76(benchmark::State& state) {
  const auto& quotes = grid();
  std::vector<std::pair<BsInputs, double>> futures;
  for (const Quote& q : quotes) {
    BsInputs in = q.in;
    in.spot = q.forward;
    futures.emplace_back(in, hedged::pricing::black76(in).price);
  }
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& [in, price] = futures[i++ & (kGridSize - 1)];
    benchmark::DoNotOptimize(hedged::pricing::implied_vol_black76(price, in));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ImpliedVolBlack76);

QuantLib::Option::Type ql_type(OptionRight right) {
  return right == OptionRight::kCall ? QuantLib::Option::Call : QuantLib::Option::Put;
}

// Reference: QuantLib's Li (2008) rational guess with SOR iterations, default accuracy 1e-6.
void BM_QuantLibImpliedStdDevLiRS(benchmark::State& state) {
  const auto& quotes = grid();
  std::size_t i = 0;
  for (auto _ : state) {
    const Quote& q = quotes[i++ & (kGridSize - 1)];
    benchmark::DoNotOptimize(QuantLib::blackFormulaImpliedStdDevLiRS(
        ql_type(q.in.right), q.in.strike, q.forward, q.price, q.discount));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_QuantLibImpliedStdDevLiRS);

// Reference: QuantLib's Newton-safe solve on the Black price, asked for 1e-12 in std dev.
void BM_QuantLibImpliedStdDev(benchmark::State& state) {
  const auto& quotes = grid();
  std::size_t i = 0;
  for (auto _ : state) {
    const Quote& q = quotes[i++ & (kGridSize - 1)];
    benchmark::DoNotOptimize(QuantLib::blackFormulaImpliedStdDev(
        ql_type(q.in.right), q.in.strike, q.forward, q.price, q.discount, 0.0,
        QuantLib::Null<QuantLib::Real>(), 1e-12));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_QuantLibImpliedStdDev);

}  // namespace

BENCHMARK_MAIN();
