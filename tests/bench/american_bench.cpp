// American pricing benchmarks: our exact valuation (price only, price with Greeks) at the
// default kFast and at the kAccurate discretisation, the spot expansion the tick path
// evaluates, and QuantLib's QdFpAmericanEngine (fast and accurate schemes) on the same options.
// Run in Release:
//   build/release/tests/bench/american_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include <ql/exercise.hpp>
#include <ql/instruments/vanillaoption.hpp>
#include <ql/pricingengines/vanilla/qdfpamericanengine.hpp>
#include <ql/processes/blackscholesprocess.hpp>
#include <ql/quotes/simplequote.hpp>
#include <ql/settings.hpp>
#include <ql/termstructures/volatility/equityfx/blackconstantvol.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>

#include "core/pricing/american.hpp"

namespace {

namespace ql = QuantLib;
using hedged::OptionRight;
using hedged::pricing::BsInputs;

constexpr std::size_t kOptions = 256;

struct BenchOption {
  BsInputs in;
  int days;
};

// Listed-equity-like options with early exercise in play: r > 0 for puts, q > 0 for calls.
std::vector<BenchOption> make_options() {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> moneyness(0.8, 1.25);
  std::uniform_real_distribution<double> vol(0.15, 0.6);
  std::uniform_int_distribution<int> days(7, 730);
  std::vector<BenchOption> out;
  for (std::size_t i = 0; i < kOptions; ++i) {
    const int d = days(rng);
    out.push_back({{100.0, 100.0 * moneyness(rng), 0.04, 0.02, vol(rng), d / 365.0,
                    i % 2 == 0 ? OptionRight::kCall : OptionRight::kPut},
                   d});
  }
  return out;
}

void run_price(benchmark::State& state, hedged::pricing::AmericanAccuracy accuracy) {
  const auto options = make_options();
  std::size_t i = 0;
  for (auto _ : state) {
    BsInputs in = options[i++ % kOptions].in;
    benchmark::DoNotOptimize(in);
    benchmark::DoNotOptimize(hedged::pricing::american_price(in, accuracy));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void run_all_greeks(benchmark::State& state, hedged::pricing::AmericanAccuracy accuracy) {
  const auto options = make_options();
  std::size_t i = 0;
  for (auto _ : state) {
    BsInputs in = options[i++ % kOptions].in;
    benchmark::DoNotOptimize(in);
    benchmark::DoNotOptimize(hedged::pricing::american(in, accuracy));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The default (kFast): what american_price(in) and american(in) cost.
void BM_AmericanPrice(benchmark::State& state) {
  run_price(state, hedged::pricing::AmericanAccuracy::kFast);
}
BENCHMARK(BM_AmericanPrice);

void BM_AmericanPriceAccurate(benchmark::State& state) {
  run_price(state, hedged::pricing::AmericanAccuracy::kAccurate);
}
BENCHMARK(BM_AmericanPriceAccurate);

void BM_AmericanAllGreeks(benchmark::State& state) {
  run_all_greeks(state, hedged::pricing::AmericanAccuracy::kFast);
}
BENCHMARK(BM_AmericanAllGreeks);

void BM_AmericanAllGreeksAccurate(benchmark::State& state) {
  run_all_greeks(state, hedged::pricing::AmericanAccuracy::kAccurate);
}
BENCHMARK(BM_AmericanAllGreeksAccurate);

void BM_AmericanExpansionEvaluate(benchmark::State& state) {
  const auto options = make_options();
  std::vector<hedged::pricing::AmericanExpansion> expansions;
  for (const auto& o : options) expansions.emplace_back(o.in);
  std::size_t i = 0;
  double spot = 100.3;
  for (auto _ : state) {
    benchmark::DoNotOptimize(spot);
    benchmark::DoNotOptimize(expansions[i++ % kOptions].evaluate(spot));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AmericanExpansionEvaluate);

// QuantLib instruments are built once; each iteration moves the spot quote, which makes the
// instrument recalculate on NPV(): the steady-state cost of a re-price, not of setup.
struct QlOption {
  ql::ext::shared_ptr<ql::SimpleQuote> spot;
  std::unique_ptr<ql::VanillaOption> option;
};

std::vector<QlOption> make_ql_options(const ql::ext::shared_ptr<ql::QdFpIterationScheme>& scheme) {
  const ql::Date today(15, ql::May, 2024);
  ql::Settings::instance().evaluationDate() = today;
  const ql::DayCounter dc = ql::Actual365Fixed();
  std::vector<QlOption> out;
  for (const auto& o : make_options()) {
    QlOption q;
    q.spot = ql::ext::make_shared<ql::SimpleQuote>(o.in.spot);
    const auto process = ql::ext::make_shared<ql::BlackScholesMertonProcess>(
        ql::Handle<ql::Quote>(q.spot),
        ql::Handle<ql::YieldTermStructure>(
            ql::ext::make_shared<ql::FlatForward>(today, o.in.dividend_yield, dc)),
        ql::Handle<ql::YieldTermStructure>(
            ql::ext::make_shared<ql::FlatForward>(today, o.in.rate, dc)),
        ql::Handle<ql::BlackVolTermStructure>(
            ql::ext::make_shared<ql::BlackConstantVol>(today, ql::NullCalendar(), o.in.vol, dc)));
    q.option = std::make_unique<ql::VanillaOption>(
        ql::ext::make_shared<ql::PlainVanillaPayoff>(
            o.in.right == OptionRight::kCall ? ql::Option::Call : ql::Option::Put, o.in.strike),
        ql::ext::make_shared<ql::AmericanExercise>(today, today + o.days));
    q.option->setPricingEngine(ql::ext::make_shared<ql::QdFpAmericanEngine>(process, scheme));
    out.push_back(std::move(q));
  }
  return out;
}

void run_quantlib(benchmark::State& state,
                  const ql::ext::shared_ptr<ql::QdFpIterationScheme>& scheme) {
  auto options = make_ql_options(scheme);
  std::size_t i = 0;
  for (auto _ : state) {
    // A quote only notifies when its value changes: alternate per pass over the options.
    const double bump = (i / kOptions) % 2 == 0 ? 1e-6 : -1e-6;
    QlOption& o = options[i++ % kOptions];
    o.spot->setValue(100.0 + bump);
    benchmark::DoNotOptimize(o.option->NPV());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_QuantLibQdFpFast(benchmark::State& state) {
  run_quantlib(state, ql::QdFpAmericanEngine::fastScheme());
}
BENCHMARK(BM_QuantLibQdFpFast);

void BM_QuantLibQdFpAccurate(benchmark::State& state) {
  run_quantlib(state, ql::QdFpAmericanEngine::accurateScheme());
}
BENCHMARK(BM_QuantLibQdFpAccurate);

}  // namespace

BENCHMARK_MAIN();
