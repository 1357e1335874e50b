// Engine events per second in backtest mode, one thread (no Google Benchmark: one figure per
// scenario). Every scenario runs core/backtest's runner: path generation, the real engine on a
// virtual clock and the in-process venue. Baselines separate the costs:
//   - engine only: the same engine fed quotes in a loop (no harness, no orders);
//   - naive model: what a backtest that models the engine instead of running it costs per step
//     (Black-Scholes delta of the book and a band check, in a plain loop).
// Run in Release: build/<preset>/tests/bench/backtest_bench [paths]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/backtest/backtest.hpp"
#include "core/pricing/black_scholes.hpp"

namespace {

using namespace hedged;
using Clock = std::chrono::steady_clock;

constexpr TimeNs kStart = 1'767'600'000LL * kNanosPerSecond;

EngineConfig book_config(std::size_t options, hedging::HedgePolicy policy, TimeNs tenor) {
  EngineConfig c;
  InstrumentSpec spot;
  spot.id = 0;
  spot.symbol = "SIM";
  spot.underlying = 0;
  c.instruments.push_back(spot);
  for (std::size_t i = 0; i < options; ++i) {
    InstrumentSpec o;
    o.id = static_cast<InstrumentId>(c.instruments.size());
    o.kind = InstrumentKind::kOption;
    o.symbol = "SIM-" + std::to_string(i);
    o.underlying = 0;
    o.multiplier = 100.0;
    o.right = i % 2 == 0 ? OptionRight::kCall : OptionRight::kPut;
    o.strike =
        options == 1 ? 100.0 : 80.0 + 40.0 * static_cast<double>(i) / static_cast<double>(options);
    o.expiry_ns = kStart + tenor * static_cast<TimeNs>(1 + i % 3) / 3;
    c.instruments.push_back(o);
    c.book.push_back({o.id, i % 3 == 0 ? 20 : -30, false});
  }
  UnderlyingConfig u;
  u.name = "SIM";
  u.spot_instrument = 0;
  u.hedge_instrument = 0;
  u.rate = 0.03;
  u.vol = 0.25;
  u.policy = policy;
  c.underlyings.push_back(u);
  return c;
}

struct Figure {
  double seconds = 0.0;
  std::uint64_t events = 0;
  std::uint64_t trades = 0;
};

Figure run(const EngineConfig& config, std::size_t steps, TimeNs tenor, std::size_t paths) {
  backtest::PathModel model;
  model.underlyings.push_back({100.0, 0.05, 0.25});
  const std::vector<TimeNs> grid = backtest::make_grid(kStart, kStart + tenor, steps);
  backtest::MarketPath path;
  Figure f;
  const auto t0 = Clock::now();
  for (std::size_t p = 0; p < paths; ++p) {
    backtest::generate_path(model, grid, 1, p, path);
    const backtest::PathResult r = backtest::run_path(config, path, {});
    f.events += r.events;
    f.trades += r.trades;
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return f;
}

void print(const char* name, const Figure& f, std::size_t paths) {
  std::printf("%-44s %8.2f M events/s  %9.0f ns/event  %7.1f events/path  %6.1f trades/path\n",
              name, static_cast<double>(f.events) / f.seconds / 1e6,
              f.seconds * 1e9 / static_cast<double>(f.events),
              static_cast<double>(f.events) / static_cast<double>(paths),
              static_cast<double>(f.trades) / static_cast<double>(paths));
}

// The engine alone: spot quotes in a loop, no session (so no orders), a timer every
// `timer_every` quotes, quotes `step_ns` apart. Live-like: 10 ms quotes, a timer per 100 (time
// terms refreshed once a second). Backtest-like: a timer before every quote, hours apart, so
// every step refreshes the time terms and re-prices the book, as in the runner.
Figure engine_only(const EngineConfig& config, std::uint64_t quotes, std::uint64_t timer_every,
                   TimeNs step_ns) {
  Engine engine(config);
  ActionBuffer out;
  Figure f;
  double spot = 100.0;
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < quotes; ++i) {
    const TimeNs now = kStart + static_cast<TimeNs>(i) * step_ns;
    spot *= (i % 2 == 0) ? 1.0001 : 0.9999;
    Quote q;
    q.instrument = 0;
    q.bid = spot - 0.01;
    q.ask = spot + 0.01;
    q.source_ns = now;
    out.clear();
    engine.on_event(QuoteEvent{q}, now, out);
    ++f.events;
    if (i % timer_every == 0) {
      out.clear();
      engine.on_event(TimerEvent{}, now, out);
      ++f.events;
    }
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return f;
}

// A model of the engine: per step, the book's Black-Scholes delta and a band check.
Figure naive(const EngineConfig& config, std::size_t steps, TimeNs tenor, std::size_t paths) {
  backtest::PathModel model;
  model.underlyings.push_back({100.0, 0.05, 0.25});
  const std::vector<TimeNs> grid = backtest::make_grid(kStart, kStart + tenor, steps);
  backtest::MarketPath path;
  Figure f;
  double sink = 0.0;
  const auto t0 = Clock::now();
  for (std::size_t p = 0; p < paths; ++p) {
    backtest::generate_path(model, grid, 1, p, path);
    double hedge = 0.0;
    for (std::size_t k = 0; k + 1 < grid.size(); ++k) {
      double delta = 0.0;
      for (const BookLine& line : config.book) {
        const InstrumentSpec& s = config.instruments[line.option];
        const double t = static_cast<double>(s.expiry_ns - grid[k]) / (kSecondsPerYear * 1e9);
        if (t <= 0) continue;
        delta +=
            static_cast<double>(line.quantity) * s.multiplier *
            pricing::black_scholes({path.spot[0][k], s.strike, 0.03, 0.0, 0.25, t, s.right}).delta;
      }
      if (std::abs(delta + hedge) > config.underlyings[0].policy.band_delta_shares) {
        hedge = -std::round(delta);
        ++f.trades;
      }
      ++f.events;
    }
    sink += hedge;
  }
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sink == 12345.678) std::printf(" ");
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t paths = argc > 1 ? static_cast<std::size_t>(std::atol(argv[1])) : 2000;
  const TimeNs tenor = 30LL * 86400 * kNanosPerSecond;
  hedging::HedgePolicy every_step;
  every_step.kind = hedging::HedgePolicyKind::kTime;
  every_step.rebalance_interval_ns = tenor / 120;
  hedging::HedgePolicy band;
  band.kind = hedging::HedgePolicyKind::kBandShares;
  band.band_delta_shares = 250.0;

  std::printf("backtest mode, one thread, %zu paths x 120 steps (30 days), zero-cost venue\n",
              paths);
  const EngineConfig one_time = book_config(1, every_step, tenor);
  print("1 option, time policy (trade every step)", run(one_time, 120, tenor, paths), paths);
  const EngineConfig one_band = book_config(1, band, tenor);
  print("1 option, band 250 shares", run(one_band, 120, tenor, paths), paths);
  const EngineConfig book_band = book_config(26, band, tenor);
  print("26 options, band 250 shares", run(book_band, 120, tenor, paths), paths);
  const EngineConfig big_band = book_config(200, band, tenor);
  print("200 options, band 250 shares", run(big_band, 120, tenor, paths / 4), paths / 4);
  std::printf("baselines\n");
  const std::uint64_t quotes = 1'000'000;
  const TimeNs tick = 10 * kNanosPerMilli;
  const TimeNs step = 2 * kNanosPerSecond;  // > pricing_refresh: every timer refreshes
  print("engine only, 1 option, live-like", engine_only(one_band, quotes, 100, tick), 1);
  print("engine only, 1 option, backtest-like", engine_only(one_band, quotes, 1, step), 1);
  print("engine only, 26 options, live-like", engine_only(book_band, quotes, 100, tick), 1);
  print("engine only, 26 options, backtest-like", engine_only(book_band, quotes, 1, step), 1);
  print("naive model (BS delta + band), 26 options", naive(book_band, 120, tenor, paths), paths);
  return 0;
}
