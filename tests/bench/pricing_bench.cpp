// Pricing benchmarks: our scalar Black-Scholes with all Greeks, a whole-book revaluation (the
// scalar OptionBook loop and the vectorised BookKernel, per CPU path), and QuantLib's
// AnalyticEuropeanEngine on the same options as the reference. Run in Release:
//   make bench   (or build/release/tests/bench/pricing_bench)
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include <ql/exercise.hpp>
#include <ql/instruments/vanillaoption.hpp>
#include <ql/pricingengines/vanilla/analyticeuropeanengine.hpp>
#include <ql/processes/blackscholesprocess.hpp>
#include <ql/quotes/simplequote.hpp>
#include <ql/settings.hpp>
#include <ql/termstructures/volatility/equityfx/blackconstantvol.hpp>
#include <ql/termstructures/yield/flatforward.hpp>
#include <ql/time/calendars/nullcalendar.hpp>
#include <ql/time/daycounters/actual365fixed.hpp>

#include "core/greeks/book_kernel.hpp"
#include "core/greeks/portfolio.hpp"
#include "core/pricing/black_scholes.hpp"

namespace {

using hedged::OptionRight;
using hedged::pricing::BsInputs;

std::vector<BsInputs> make_options(std::size_t n) {
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> moneyness(0.7, 1.3);
  std::uniform_int_distribution<int> days(7, 365);
  std::vector<BsInputs> out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({100.0, 100.0 * moneyness(rng), 0.03, 0.01, 0.25, days(rng) / 365.0,
                   i % 2 == 0 ? OptionRight::kCall : OptionRight::kPut});
  }
  return out;
}

void BM_BlackScholesAllGreeks(benchmark::State& state) {
  const auto options = make_options(1024);
  std::size_t i = 0;
  for (auto _ : state) {
    BsInputs in = options[i++ & 1023];
    benchmark::DoNotOptimize(in);
    benchmark::DoNotOptimize(hedged::pricing::black_scholes(in));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_BlackScholesAllGreeks);

// One spot tick re-prices the whole book: the cost per option of OptionBook::revalue.
void BM_BookRevalue(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto options = make_options(n);
  hedged::greeks::OptionBook book;
  const hedged::TimeNs now = 1'800'000'000LL * hedged::kNanosPerSecond;
  for (std::size_t i = 0; i < n; ++i) {
    const auto expiry =
        now + static_cast<hedged::TimeNs>(options[i].time_years * hedged::kSecondsPerYear) *
                  hedged::kNanosPerSecond;
    book.add({static_cast<hedged::InstrumentId>(i), options[i].right, options[i].strike, expiry,
              100.0, i % 3 == 0 ? -10 : 5});
  }
  double spot = 100.0;
  for (auto _ : state) {
    spot = spot == 100.0 ? 100.01 : 100.0;
    benchmark::DoNotOptimize(book.revalue({spot, 0.03, 0.01, 0.25}, now));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
}
BENCHMARK(BM_BookRevalue)->Arg(100)->Arg(1000)->Arg(10000);

// The same books through BookKernel: ns per option is 1e9 / items_per_second. The label names
// the instruction set that ran; BM_BookKernelPath pins each one the CPU supports.
void run_book_kernel(benchmark::State& state, hedged::greeks::KernelPath path) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto options = make_options(n);
  const hedged::TimeNs now = 1'800'000'000LL * hedged::kNanosPerSecond;
  std::vector<hedged::greeks::OptionLine> lines;
  for (std::size_t i = 0; i < n; ++i) {
    const auto expiry =
        now + static_cast<hedged::TimeNs>(options[i].time_years * hedged::kSecondsPerYear) *
                  hedged::kNanosPerSecond;
    lines.push_back({static_cast<hedged::InstrumentId>(i), options[i].right, options[i].strike,
                     expiry, 100.0, i % 3 == 0 ? -10 : 5});
  }
  // make_options draws expiries from 359 days; a real book has tens. Bucket them weekly.
  for (auto& line : lines) {
    const hedged::TimeNs week = 7 * 86'400 * hedged::kNanosPerSecond;
    line.expiry_ns = now + ((line.expiry_ns - now) / week + 1) * week;
  }
  hedged::greeks::BookKernel kernel(lines, {100.0, 0.03, 0.01, 0.25}, now);
  if (!kernel.force_path(path)) {
    state.SkipWithError("instruction set not supported on this CPU");
    return;
  }
  hedged::greeks::BookRisk risk;
  double spot = 100.0;
  for (auto _ : state) {
    spot = spot == 100.0 ? 100.01 : 100.0;
    kernel.revalue(spot, risk);
    benchmark::DoNotOptimize(risk);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(n));
  state.SetLabel(hedged::greeks::to_string(kernel.path()));
}

void BM_BookKernel(benchmark::State& state) {
  run_book_kernel(state, hedged::greeks::best_kernel_path());
}
BENCHMARK(BM_BookKernel)->Arg(100)->Arg(1000)->Arg(10000);

void BM_BookKernelPortable(benchmark::State& state) {
  run_book_kernel(state, hedged::greeks::KernelPath::kPortable);
}
BENCHMARK(BM_BookKernelPortable)->Arg(100)->Arg(1000)->Arg(10000);

void BM_BookKernelAvx2(benchmark::State& state) {
  run_book_kernel(state, hedged::greeks::KernelPath::kAvx2);
}
BENCHMARK(BM_BookKernelAvx2)->Arg(100)->Arg(1000)->Arg(10000);

// Reference: QuantLib prices one option and computes the same Greeks after a spot change.
void BM_QuantLibAnalyticEuropean(benchmark::State& state) {
  using namespace QuantLib;
  const Date today(15, January, 2026);
  Settings::instance().evaluationDate() = today;
  const DayCounter dc = Actual365Fixed();
  auto spot = ext::make_shared<SimpleQuote>(100.0);
  Handle<YieldTermStructure> r(ext::make_shared<FlatForward>(today, 0.03, dc));
  Handle<YieldTermStructure> q(ext::make_shared<FlatForward>(today, 0.01, dc));
  Handle<BlackVolTermStructure> vol(
      ext::make_shared<BlackConstantVol>(today, NullCalendar(), 0.25, dc));
  auto process = ext::make_shared<BlackScholesMertonProcess>(Handle<Quote>(spot), q, r, vol);
  auto engine = ext::make_shared<AnalyticEuropeanEngine>(process);
  VanillaOption option(ext::make_shared<PlainVanillaPayoff>(Option::Call, 105.0),
                       ext::make_shared<EuropeanExercise>(today + 90));
  option.setPricingEngine(engine);
  double s = 100.0;
  for (auto _ : state) {
    s = s == 100.0 ? 100.01 : 100.0;
    spot->setValue(s);
    benchmark::DoNotOptimize(option.NPV());
    benchmark::DoNotOptimize(option.delta());
    benchmark::DoNotOptimize(option.gamma());
    benchmark::DoNotOptimize(option.vega());
    benchmark::DoNotOptimize(option.theta());
    benchmark::DoNotOptimize(option.rho());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_QuantLibAnalyticEuropean);

}  // namespace

BENCHMARK_MAIN();
