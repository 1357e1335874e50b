// Market scenarios: each phase kind's effect on the simulator's quotes, measured against the
// same seed's plain GBM path (the random stream is the same with or without a scenario), no
// effect outside phases or on other symbols; and the scenario file loader with its errors.
#include "core/sim/scenario.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/sim/market_simulator.hpp"
#include "daemon/config/scenario.hpp"

namespace hedged::sim {
namespace {

constexpr TimeNs kT0 = 1'700'000'000 * kNanosPerSecond;
constexpr TimeNs kSecond = kNanosPerSecond;
constexpr TimeNs kMinute = 60 * kSecond;
constexpr TimeNs kHour = 60 * kMinute;

InstrumentSpec spot_spec(InstrumentId id, const std::string& symbol) {
  InstrumentSpec s;
  s.id = id;
  s.kind = InstrumentKind::kSpot;
  s.symbol = symbol;
  s.underlying = id;
  s.tick_size = 1e-6;  // fine enough that quotes show the path, not the rounding
  s.lot_size = 1;
  return s;
}

UnderlyingModel model(InstrumentId id, double spot = 100.0) {
  UnderlyingModel m;
  m.spot_instrument = id;
  m.initial_spot = spot;
  m.drift = 0.0;
  m.vol = 0.2;
  m.spread_bps = 2.0;
  m.min_size = 1000;
  m.max_size = 10000;
  return m;
}

std::vector<InstrumentSpec> one_market() {
  return {spot_spec(0, "AAA")};
}
std::vector<InstrumentSpec> two_markets() {
  return {spot_spec(0, "AAA"), spot_spec(1, "BBB")};
}

double mid(const Quote& q) {
  return 0.5 * (q.bid + q.ask);
}
double spread_bps(const Quote& q) {
  return (q.ask - q.bid) / mid(q) * 1e4;
}

Scenario scenario_of(std::vector<ScenarioPhase> phases) {
  Scenario s;
  s.name = "test";
  s.phases = std::move(phases);
  return s;
}

ScenarioPhase flash_crash(const std::string& symbol = "") {
  ScenarioPhase p;
  p.kind = PhaseKind::kFlashCrash;
  p.symbol = symbol;
  p.at_ns = 30 * kSecond;
  p.duration_ns = 60 * kSecond;
  p.recover_ns = 120 * kSecond;
  p.move_pct = -9.0;
  p.spread_multiple = 20.0;
  p.depth_divisor = 10.0;
  return p;
}

// A simulator with the scenario from kT0 and one without, on the same seed.
struct Pair {
  MarketSimulator plain;
  MarketSimulator with;
  Pair(const std::vector<InstrumentSpec>& instruments, const std::vector<UnderlyingModel>& models,
       const Scenario& scenario)
      : plain(instruments, models, 7), with(instruments, models, 7) {
    EXPECT_EQ(with.set_scenario(scenario, kT0), "");
  }
};

void expect_same_quote(const Quote& a, const Quote& b) {
  EXPECT_EQ(a.bid, b.bid);
  EXPECT_EQ(a.ask, b.ask);
  EXPECT_EQ(a.bid_size, b.bid_size);
  EXPECT_EQ(a.ask_size, b.ask_size);
}

TEST(Scenario, flash_crash_falls_nine_percent_in_a_minute_with_wide_thin_quotes_then_recovers) {
  Pair sims(one_market(), {model(0)}, scenario_of({flash_crash()}));
  double lowest_ratio = 1.0;
  TimeNs lowest_at = 0;
  for (TimeNs t = 0; t <= 300 * kSecond; t += kSecond) {
    const Quote plain = sims.plain.step(kT0 + t)[0];
    const Quote with = sims.with.step(kT0 + t)[0];
    const double ratio = mid(with) / mid(plain);
    if (ratio < lowest_ratio) {
      lowest_ratio = ratio;
      lowest_at = t;
    }
    if (t < 30 * kSecond || t >= 210 * kSecond) {
      // Before the crash and after the recovery: the plain GBM path, quote for quote.
      expect_same_quote(with, plain);
      continue;
    }
    // During crash and recovery: spreads x20 and depth /10 (whole lots, at least one).
    EXPECT_NEAR(spread_bps(with), 20.0 * spread_bps(plain), 0.05) << "t=" << t / kSecond;
    EXPECT_EQ(with.bid_size, std::max<std::int64_t>(plain.bid_size / 10, 1));
    EXPECT_EQ(with.ask_size, std::max<std::int64_t>(plain.ask_size / 10, 1));
    if (t <= 90 * kSecond) {
      // On the way down: log-linear to -9% at 60 s.
      const double expected = std::exp(std::log(0.91) * static_cast<double>(t - 30 * kSecond) /
                                       static_cast<double>(60 * kSecond));
      EXPECT_NEAR(ratio, expected, 1e-5);
    }
  }
  EXPECT_NEAR(lowest_ratio, 0.91, 1e-5);
  EXPECT_EQ(lowest_at, 90 * kSecond);  // the bottom, 60 s after the crash began
  // Recovered: within 1% of the GBM path (in fact on it).
  EXPECT_NEAR(sims.with.spot(0) / sims.plain.spot(0), 1.0, 0.01);
  EXPECT_DOUBLE_EQ(sims.with.spot(0), sims.plain.spot(0));
}

TEST(Scenario, price_jump_appears_once_and_stays) {
  ScenarioPhase jump;
  jump.kind = PhaseKind::kPriceJump;
  jump.at_ns = 30 * kSecond;
  jump.jump_pct = 5.0;
  Pair sims(one_market(), {model(0)}, scenario_of({jump}));
  int jumps_seen = 0;
  double last_ratio = 1.0;
  for (TimeNs t = 0; t <= 120 * kSecond; t += kSecond) {
    const Quote plain = sims.plain.step(kT0 + t)[0];
    const Quote with = sims.with.step(kT0 + t)[0];
    const double ratio = sims.with.spot(0) / sims.plain.spot(0);
    if (std::fabs(ratio - last_ratio) > 1e-9) ++jumps_seen;
    last_ratio = ratio;
    if (t < 30 * kSecond) {
      expect_same_quote(with, plain);
    } else {
      EXPECT_NEAR(ratio, 1.05, 1e-12) << "t=" << t / kSecond;
      EXPECT_NEAR(mid(with) / mid(plain), 1.05, 1e-6);
      EXPECT_NEAR(spread_bps(with), spread_bps(plain), 0.01);  // nothing else changes
    }
  }
  EXPECT_EQ(jumps_seen, 1);
}

// Sample standard deviation and mean of the one-step log returns of the mid.
struct Returns {
  double mean = 0.0;
  double sd = 0.0;
  std::size_t n = 0;
};
Returns returns_of(const std::vector<double>& mids) {
  std::vector<double> r;
  for (std::size_t i = 1; i < mids.size(); ++i) r.push_back(std::log(mids[i] / mids[i - 1]));
  Returns out;
  out.n = r.size();
  for (double x : r) out.mean += x;
  out.mean /= static_cast<double>(r.size());
  double ss = 0.0;
  for (double x : r) ss += (x - out.mean) * (x - out.mean);
  out.sd = std::sqrt(ss / static_cast<double>(r.size() - 1));
  return out;
}

TEST(Scenario, volatile_phase_multiplies_realised_vol_and_ends_with_the_phase) {
  constexpr int kSteps = 20'000;  // one-minute steps
  ScenarioPhase p;
  p.kind = PhaseKind::kVolatile;
  p.at_ns = 0;
  p.duration_ns = kSteps * kMinute;
  p.vol_multiple = 3.0;
  Pair sims(one_market(), {model(0)}, scenario_of({p}));
  std::vector<double> during;
  std::vector<double> after;
  std::vector<double> plain_during;
  for (int i = 0; i <= 2 * kSteps; ++i) {
    const TimeNs now = kT0 + i * kMinute;
    const double m = mid(sims.with.step(now)[0]);
    const double pm = mid(sims.plain.step(now)[0]);
    if (i <= kSteps) {
      during.push_back(m);
      plain_during.push_back(pm);
    }
    if (i >= kSteps) after.push_back(m);
  }
  const double dt = 60.0 / kSecondsPerYear;
  const double sigma_step = 0.2 * std::sqrt(dt);
  // The sample sd of n normal draws has a standard error of about sd / sqrt(2 (n - 1)).
  const auto tolerance = [](double sd, std::size_t n) {
    return 5.0 * sd / std::sqrt(2.0 * static_cast<double>(n - 1));
  };
  const Returns in = returns_of(during);
  const Returns out = returns_of(after);
  const Returns plain = returns_of(plain_during);
  EXPECT_NEAR(in.sd, 3.0 * sigma_step, tolerance(3.0 * sigma_step, in.n));
  EXPECT_NEAR(out.sd, sigma_step, tolerance(sigma_step, out.n));
  EXPECT_NEAR(plain.sd, sigma_step, tolerance(sigma_step, plain.n));
  EXPECT_NEAR(in.sd / plain.sd, 3.0, 0.01);  // the same draws, scaled
}

TEST(Scenario, trending_phase_shows_its_drift_in_the_mean_log_return) {
  constexpr int kSteps = 8'760;  // hourly for a year
  ScenarioPhase p;
  p.kind = PhaseKind::kTrending;
  p.at_ns = 0;
  p.duration_ns = kSteps * kHour;
  p.drift_per_year = 2.0;
  Pair sims(one_market(), {model(0)}, scenario_of({p}));
  std::vector<double> with;
  std::vector<double> plain;
  for (int i = 0; i <= kSteps; ++i) {
    with.push_back(mid(sims.with.step(kT0 + i * kHour)[0]));
    plain.push_back(mid(sims.plain.step(kT0 + i * kHour)[0]));
  }
  const double dt = 3600.0 / kSecondsPerYear;
  const double vol = 0.2;
  const Returns rw = returns_of(with);
  const Returns rp = returns_of(plain);
  // Standard error of a mean of n returns: sigma sqrt(dt) / sqrt(n).
  const double se = vol * std::sqrt(dt) / std::sqrt(static_cast<double>(rw.n));
  EXPECT_NEAR(rw.mean, (2.0 - 0.5 * vol * vol) * dt, 5.0 * se);
  EXPECT_NEAR(rp.mean, (0.0 - 0.5 * vol * vol) * dt, 5.0 * se);
  EXPECT_GT((rw.mean - rp.mean) / se, 8.0);  // a drift of 2/year over a year is 10 se
  EXPECT_NEAR(rw.mean - rp.mean, 2.0 * dt, 1e-9);
}

TEST(Scenario, liquidity_drought_widens_and_thins_with_a_linear_ramp) {
  ScenarioPhase p;
  p.kind = PhaseKind::kLiquidityDrought;
  p.at_ns = 10 * kSecond;
  p.duration_ns = 100 * kSecond;
  p.ramp_ns = 20 * kSecond;
  p.spread_multiple = 5.0;
  p.depth_divisor = 20.0;
  Pair sims(one_market(), {model(0)}, scenario_of({p}));
  for (TimeNs t = 0; t <= 130 * kSecond; t += kSecond) {
    const Quote plain = sims.plain.step(kT0 + t)[0];
    const Quote with = sims.with.step(kT0 + t)[0];
    EXPECT_DOUBLE_EQ(sims.with.spot(0), sims.plain.spot(0));  // prices untouched
    const double w = p.weight(t);
    EXPECT_NEAR(spread_bps(with), (1.0 + 4.0 * w) * spread_bps(plain), 0.05);
    const double divisor = 1.0 + 19.0 * w;
    EXPECT_EQ(with.bid_size,
              std::max<std::int64_t>(
                  static_cast<std::int64_t>(static_cast<double>(plain.bid_size) / divisor), 1));
    if (t < 10 * kSecond || t >= 110 * kSecond) expect_same_quote(with, plain);
  }
  EXPECT_DOUBLE_EQ(p.weight(20 * kSecond), 0.5);  // halfway up the ramp
  EXPECT_DOUBLE_EQ(p.weight(60 * kSecond), 1.0);
  EXPECT_DOUBLE_EQ(p.weight(100 * kSecond), 0.5);  // halfway down
}

TEST(Scenario, phases_for_one_symbol_leave_the_others_alone) {
  ScenarioPhase jump;
  jump.kind = PhaseKind::kPriceJump;
  jump.symbol = "BBB";
  jump.at_ns = 5 * kSecond;
  jump.jump_pct = -4.0;
  ScenarioPhase vol;
  vol.kind = PhaseKind::kVolatile;
  vol.symbol = "BBB";
  vol.duration_ns = 300 * kSecond;
  vol.vol_multiple = 4.0;
  Pair sims(two_markets(), {model(0, 100.0), model(1, 50.0)},
            scenario_of({flash_crash("BBB"), jump, vol}));
  int bbb_differs = 0;
  for (TimeNs t = 0; t <= 300 * kSecond; t += kSecond) {
    const std::vector<Quote> plain = sims.plain.step(kT0 + t);
    const std::vector<Quote>& with = sims.with.step(kT0 + t);
    expect_same_quote(with[0], plain[0]);
    bbb_differs += with[1].bid != plain[1].bid ? 1 : 0;
  }
  EXPECT_GT(bbb_differs, 290);
}

TEST(Scenario, venue_outage_is_reported_for_its_window_only_and_moves_no_price) {
  ScenarioPhase a;
  a.kind = PhaseKind::kVenueOutage;
  a.at_ns = 60 * kSecond;
  a.duration_ns = 30 * kSecond;
  ScenarioPhase b = a;  // overlaps the first: one outage until 115 s
  b.at_ns = 85 * kSecond;
  Pair sims(one_market(), {model(0)}, scenario_of({a, b}));
  EXPECT_FALSE(sims.with.active_outage(kT0 + 59 * kSecond));
  EXPECT_TRUE(sims.with.active_outage(kT0 + 60 * kSecond));
  EXPECT_TRUE(sims.with.active_outage(kT0 + 114 * kSecond));
  EXPECT_FALSE(sims.with.active_outage(kT0 + 115 * kSecond));
  EXPECT_EQ(sims.with.outage_until(kT0 + 70 * kSecond), kT0 + 115 * kSecond);
  EXPECT_EQ(sims.with.outage_until(kT0 + 10 * kSecond), 0);
  EXPECT_FALSE(sims.plain.active_outage(kT0 + 70 * kSecond));
  for (TimeNs t = 0; t <= 150 * kSecond; t += 5 * kSecond) {
    const Quote plain = sims.plain.step(kT0 + t)[0];
    expect_same_quote(sims.with.step(kT0 + t)[0], plain);
  }
}

TEST(Scenario, same_seed_and_scenario_give_identical_quotes) {
  const Scenario s = scenario_of({flash_crash()});
  MarketSimulator a(two_markets(), {model(0), model(1, 50.0)}, 99);
  MarketSimulator b(two_markets(), {model(0), model(1, 50.0)}, 99);
  ASSERT_EQ(a.set_scenario(s, kT0), "");
  ASSERT_EQ(b.set_scenario(s, kT0), "");
  for (TimeNs t = 0; t <= 240 * kSecond; t += kSecond) {
    const std::vector<Quote> qa = a.step(kT0 + t);
    const std::vector<Quote>& qb = b.step(kT0 + t);
    for (std::size_t i = 0; i < qa.size(); ++i) expect_same_quote(qa[i], qb[i]);
  }
}

TEST(Scenario, a_phase_naming_an_unknown_symbol_is_refused_and_changes_nothing) {
  MarketSimulator sim(one_market(), {model(0)}, 1);
  const std::string error = sim.set_scenario(scenario_of({flash_crash("ZZZ")}), kT0);
  EXPECT_EQ(error, "scenario test: phase 1 names 'ZZZ', which is not a simulated underlying");
  EXPECT_FALSE(sim.has_scenario());
}

TEST(Scenario, phases_describe_themselves_for_the_log) {
  EXPECT_EQ(flash_crash().details(), "-9% over 60s, back over 120s, spreads x20, depth /10");
  ScenarioPhase jump;
  jump.kind = PhaseKind::kPriceJump;
  jump.symbol = "SIM";
  jump.jump_pct = 5;
  EXPECT_EQ(jump.details(), "SIM, +5% once");
  ScenarioPhase outage;
  outage.kind = PhaseKind::kVenueOutage;
  outage.duration_ns = 30 * kSecond;
  EXPECT_EQ(outage.details(), "sessions down for 30s");
  EXPECT_EQ(to_string(PhaseKind::kLiquidityDrought), "liquidity_drought");
}

// --- Loader ----------------------------------------------------------------------------------

std::string scenarios_dir() {
  return std::string(HEDGED_SOURCE_DIR) + "/config/scenarios";
}

TEST(ScenarioLoader, loads_every_shipped_scenario) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(scenarios_dir())) {
    if (entry.path().extension() != ".yaml") continue;
    const auto loaded = config::load_scenario_file(entry.path().string());
    ASSERT_TRUE(loaded.scenario) << loaded.error;
    EXPECT_EQ(loaded.scenario->name, entry.path().stem().string());
    EXPECT_FALSE(loaded.scenario->description.empty());
    EXPECT_FALSE(loaded.scenario->phases.empty());
    names.push_back(loaded.scenario->name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"calm", "flash_crash", "liquidity_drought",
                                             "option_flow_skew", "price_jump", "trending",
                                             "venue_outage", "volatile"}));
}

TEST(ScenarioLoader, flash_crash_file_has_the_documented_shape) {
  const auto loaded = config::load_scenario_file(scenarios_dir() + "/flash_crash.yaml");
  ASSERT_TRUE(loaded.scenario) << loaded.error;
  ASSERT_EQ(loaded.scenario->phases.size(), 1u);
  const ScenarioPhase& p = loaded.scenario->phases[0];
  EXPECT_EQ(p.kind, PhaseKind::kFlashCrash);
  EXPECT_EQ(p.at_ns, 30 * kSecond);
  EXPECT_EQ(p.duration_ns, 60 * kSecond);
  EXPECT_EQ(p.recover_ns, 120 * kSecond);
  EXPECT_DOUBLE_EQ(p.move_pct, -9.0);
  EXPECT_DOUBLE_EQ(p.spread_multiple, 20.0);
  EXPECT_DOUBLE_EQ(p.depth_divisor, 10.0);
  EXPECT_TRUE(p.symbol.empty());
}

TEST(ScenarioLoader, reads_every_kind_and_key) {
  const auto loaded = config::load_scenario_text(R"(scenario: all
description: every kind
phases:
  - {at: 0s, duration: 1m, kind: calm}
  - {at: 1m, duration: 2m, kind: volatile, vol_multiple: 2.5, ramp: 30s, symbol: SIM}
  - {at: 1m, duration: 5m, kind: trending, drift: -0.5}
  - {at: 2m, duration: 10s, kind: liquidity_drought, depth_divisor: 4}
  - {at: 3m, kind: price_jump, jump_pct: 2.5}
  - {at: 4m, duration: 1m, kind: venue_outage}
  - {at: 5m, duration: 2m, kind: option_flow, desk_buy_share: 0.9, rate_multiple: 3}
  - {at: 8m, duration: 1m, kind: option_flow, rate_multiple: 0}
)",
                                                 "all.yaml");
  ASSERT_TRUE(loaded.scenario) << loaded.error;
  const auto& p = loaded.scenario->phases;
  ASSERT_EQ(p.size(), 8u);
  EXPECT_EQ(p[6].kind, PhaseKind::kOptionFlow);
  EXPECT_DOUBLE_EQ(p[6].desk_buy_share, 0.9);
  EXPECT_DOUBLE_EQ(p[6].flow_rate_multiple, 3.0);
  EXPECT_LT(p[7].desk_buy_share, 0.0);  // not set: as configured
  EXPECT_DOUBLE_EQ(p[7].flow_rate_multiple, 0.0);
  EXPECT_EQ(p[6].details(), "for 120s, desk buys 90% of option trades, flow rate x3");
  const auto bare = config::load_scenario_text(
      "scenario: t\nphases:\n  - {at: 0s, duration: 1m, kind: option_flow}\n", "s.yaml");
  EXPECT_FALSE(bare.scenario);
  EXPECT_EQ(bare.error,
            "s.yaml:3:5: key 'phases[0]': an option_flow phase needs 'desk_buy_share', "
            "'rate_multiple' or both");
  EXPECT_EQ(p[1].kind, PhaseKind::kVolatile);
  EXPECT_EQ(p[1].symbol, "SIM");
  EXPECT_DOUBLE_EQ(p[1].vol_multiple, 2.5);
  EXPECT_EQ(p[1].ramp_ns, 30 * kSecond);
  EXPECT_DOUBLE_EQ(p[2].drift_per_year, -0.5);
  EXPECT_DOUBLE_EQ(p[3].spread_multiple, 1.0);
  EXPECT_DOUBLE_EQ(p[3].depth_divisor, 4.0);
  EXPECT_EQ(p[4].kind, PhaseKind::kPriceJump);
  EXPECT_EQ(p[4].duration_ns, 0);
  EXPECT_EQ(p[5].kind, PhaseKind::kVenueOutage);
  EXPECT_EQ(loaded.scenario->outage_end(4 * kMinute + kSecond), 5 * kMinute);
}

// The error for `body` (phases of a scenario named t), which must name line:column of `needle`.
std::string error_of(const std::string& text) {
  const auto loaded = config::load_scenario_text(text, "s.yaml");
  EXPECT_FALSE(loaded.scenario);
  return loaded.error;
}
std::string position_of(const std::string& text, const std::string& needle) {
  const std::size_t at = text.find(needle);
  const std::size_t line_start = text.rfind('\n', at);
  const std::size_t line = static_cast<std::size_t>(
      std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
  const std::size_t column = line_start == std::string::npos ? at : at - line_start - 1;
  return "s.yaml:" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": ";
}

TEST(ScenarioLoader, unknown_keys_are_rejected_with_a_suggestion_and_their_position) {
  const std::string text =
      "scenario: t\nphases:\n  - {at: 30s, duration: 60s, kind: flash_crash, move_pc: -9}\n";
  const std::string error = error_of(text);
  EXPECT_EQ(error.rfind(position_of(text, "move_pc") + "key 'phases[0].move_pc': unknown key; "
                                                       "did you mean 'move_pct'?",
                        0),
            0u)
      << error;

  const std::string top = "scenario: t\nphase:\n  - {at: 0s, duration: 1s, kind: calm}\n";
  EXPECT_EQ(error_of(top).rfind("s.yaml:2:1: key 'phase': unknown key; did you mean 'phases'?", 0),
            0u)
      << error_of(top);
}

TEST(ScenarioLoader, a_key_of_another_kind_is_named_as_such) {
  const std::string text =
      "scenario: t\nphases:\n  - {at: 30s, duration: 60s, kind: flash_crash, move_pct: -9, "
      "jump_pct: 3}\n";
  EXPECT_EQ(error_of(text),
            position_of(text, "jump_pct") +
                "key 'phases[0].jump_pct': not a key of a flash_crash phase (allowed here: at, "
                "duration, kind, symbol, ramp, move_pct, recover, spread_multiple, "
                "depth_divisor)");
}

TEST(ScenarioLoader, values_are_validated_with_their_position) {
  struct Case {
    std::string phase;   // one phase mapping
    std::string needle;  // where the error points
    std::string message;
  };
  const std::vector<Case> cases = {
      {"{at: 0s, duration: 1m, kind: crash}", "crash",
       "key 'phases[0].kind': 'crash' is not one of: calm, volatile, trending, flash_crash, "
       "liquidity_drought, price_jump, venue_outage, option_flow"},
      {"{at: soon, duration: 1m, kind: calm}", "soon",
       "key 'phases[0].at': 'soon' is not a duration: use a number and a unit (us, ms, s, m, h, "
       "d), e.g. 250ms"},
      {"{at: 0s, duration: 0s, kind: calm}", "0s, kind",
       "key 'phases[0].duration': '0s' is out of range"},
      {"{at: 0s, kind: calm}", "{at",
       "key 'phases[0]': missing required key 'duration' for a calm "
       "phase"},
      {"{at: 0s, duration: 1m}", "{at", "key 'phases[0]': missing required key 'kind'"},
      {"{at: 0s, duration: 1m, kind: volatile}", "{at",
       "key 'phases[0]': missing required key 'vol_multiple' for a volatile phase"},
      {"{at: 0s, duration: 1m, kind: volatile, vol_multiple: lots}", "lots",
       "key 'phases[0].vol_multiple': expected a number, got 'lots'"},
      {"{at: 0s, duration: 1m, kind: flash_crash, move_pct: -120}", "-120",
       "key 'phases[0].move_pct': must be between -99 and 1000"},
      {"{at: 0s, duration: 1m, kind: liquidity_drought, depth_divisor: 0.5}", "0.5",
       "key 'phases[0].depth_divisor': must be between 1 and 1e+06"},
      {"{at: 0s, duration: 1m, kind: liquidity_drought}", "{at",
       "key 'phases[0]': a liquidity_drought phase needs 'spread_multiple', 'depth_divisor' or "
       "both"},
      {"{at: 0s, duration: 1m, kind: venue_outage, symbol: SIM}", "SIM",
       "key 'phases[0].symbol': a venue outage drops every session; it cannot name a symbol"},
      {"{at: 0s, duration: 1m, kind: price_jump, jump_pct: 5}", "1m",
       "key 'phases[0].duration': a price_jump happens once at 'at'; leave out 'duration' or set "
       "it to 0s"},
      {"{at: 0s, duration: 1m, kind: volatile, vol_multiple: 2, ramp: 40s}", "40s",
       "key 'phases[0].ramp': ramping in and out takes twice the ramp, longer than the phase"},
  };
  for (const Case& c : cases) {
    const std::string text = "scenario: t\nphases:\n  - " + c.phase + "\n";
    EXPECT_EQ(error_of(text), position_of(text, c.needle) + c.message) << c.phase;
  }
}

TEST(ScenarioLoader, file_level_errors) {
  EXPECT_EQ(error_of(""), "s.yaml:1:1: the file is empty");
  EXPECT_EQ(error_of("phases:\n  - {at: 0s, duration: 1s, kind: calm}\n"),
            "s.yaml:1:1: missing required key 'scenario' (its name)");
  EXPECT_EQ(error_of("scenario: t\n"),
            "s.yaml:1:1: missing required key 'phases' (a list of phases)");
  EXPECT_EQ(error_of("scenario: t\nphases: []\n"),
            "s.yaml:2:9: key 'phases': expected a non-empty list of phases");
  EXPECT_EQ(error_of("scenario: two words\nphases: [{at: 0s, duration: 1s, kind: calm}]\n"),
            "s.yaml:1:11: key 'scenario': 'two words' is not a name: use letters, digits, '_', "
            "'-' and '.'");
  const std::string overlap =
      "scenario: t\nphases:\n  - {at: 0s, duration: 1m, kind: venue_outage}\n"
      "  - {at: 30s, duration: 1m, kind: venue_outage}\n";
  EXPECT_EQ(error_of(overlap), position_of(overlap, "30s") +
                                   "key 'phases[1].at': overlaps phases[0], a venue_outage phase "
                                   "on the same market");
  const auto missing = config::load_scenario_file("/nonexistent/scenario.yaml");
  EXPECT_FALSE(missing.scenario);
  EXPECT_EQ(missing.error, "/nonexistent/scenario.yaml: cannot open the file");
  const auto folder = config::load_scenario_file(scenarios_dir());
  EXPECT_FALSE(folder.scenario);
  EXPECT_EQ(folder.error, scenarios_dir() + ": not a regular file");
}

}  // namespace
}  // namespace hedged::sim
