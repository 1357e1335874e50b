// Backtests of the real engine (core/backtest): convergence of the hedging cost to the
// Black-Scholes premium, the 1/sqrt(N) scaling of the hedging error, determinism, replay files,
// physical settlement and the venue cost model.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/backtest/backtest.hpp"
#include "core/pricing/black_scholes.hpp"
#include "core/sim/quote_tape.hpp"

namespace hedged::backtest {
namespace {

// Hull's delta-hedging example ("Options, Futures, and Other Derivatives", the chapter on the
// Greek letters): a bank has sold 100,000 European calls on a non-dividend-paying stock,
// S0 = 49, K = 50, r = 5%, sigma = 20%, T = 20 weeks, expected return mu = 13%. The
// Black-Scholes price is about $240,000 (2.40 per share).
constexpr double kS0 = 49.0;
constexpr double kStrike = 50.0;
constexpr double kRate = 0.05;
constexpr double kVol = 0.20;
constexpr double kDrift = 0.13;
constexpr TimeNs kStart = 1'767'600'000LL * kNanosPerSecond;  // 2026-01-05 08:00 UTC
constexpr TimeNs kTenor = 20LL * 7 * 86400 * kNanosPerSecond;
constexpr double kTenorYears = 20.0 * 7.0 / 365.0;

EngineConfig hull_config(TimeNs rebalance_interval_ns, double pricing_vol = kVol) {
  EngineConfig c;
  InstrumentSpec spot;
  spot.id = 0;
  spot.kind = InstrumentKind::kSpot;
  spot.symbol = "SIM";
  spot.underlying = 0;
  spot.tick_size = 0.01;
  c.instruments.push_back(spot);
  InstrumentSpec call;
  call.id = 1;
  call.kind = InstrumentKind::kOption;
  call.symbol = "SIM-C-50";
  call.underlying = 0;
  call.multiplier = 100.0;
  call.right = OptionRight::kCall;
  call.strike = kStrike;
  call.expiry_ns = kStart + kTenor;
  c.instruments.push_back(call);
  UnderlyingConfig u;
  u.name = "SIM";
  u.spot_instrument = 0;
  u.hedge_instrument = 0;
  u.rate = kRate;
  u.vol = pricing_vol;
  u.policy.kind = hedging::HedgePolicyKind::kTime;
  u.policy.rebalance_interval_ns = rebalance_interval_ns;
  u.policy.lot_size = 1;
  u.policy.min_trade_qty = 1;
  c.underlyings.push_back(u);
  c.book.push_back({1, -1000, false});  // 100,000 calls sold
  return c;
}

double hull_premium() {
  return 100000.0 *
         pricing::black_scholes({kS0, kStrike, kRate, 0.0, kVol, kTenorYears, OptionRight::kCall})
             .price;
}

PathModel gbm() {
  PathModel m;
  m.underlyings.push_back({kS0, kDrift, kVol});
  return m;
}

std::vector<PathResult> run_paths(const EngineConfig& config, const PathModel& model,
                                  std::size_t steps, std::size_t paths, const RunSettings& settings,
                                  std::uint64_t seed = 7) {
  const std::vector<TimeNs> grid = make_grid(kStart, kStart + kTenor, steps);
  std::vector<PathResult> out;
  MarketPath path;
  for (std::size_t p = 0; p < paths; ++p) {
    generate_path(model, grid, seed, p, path);
    out.push_back(run_path(config, path, settings));
  }
  return out;
}

TEST(BacktestTest, premium_is_the_black_scholes_value_of_hulls_example) {
  // Hull quotes $240,000 for the 100,000 calls.
  EXPECT_NEAR(hull_premium(), 240'000.0, 1'000.0);
  const auto results = run_paths(hull_config(kTenor / 20), gbm(), 20, 1, {});
  EXPECT_NEAR(results[0].premium, hull_premium(), 1e-6);
}

TEST(BacktestTest, mean_hedging_cost_converges_to_the_black_scholes_premium) {
  // Zero costs, rebalanced every quarter week (80 times): the PV of the hedging cost is the
  // premium plus a hedging error of mean ~0 (whatever the drift) and std ~0.1 x premium.
  const std::size_t kPaths = 600;
  const auto results = run_paths(hull_config(kTenor / 80), gbm(), 80, kPaths, {});
  const PolicySummary s = summarize("quarter-week", results);
  const double premium = hull_premium();
  const double standard_error = s.hedge_cost_std / std::sqrt(static_cast<double>(kPaths));
  EXPECT_NEAR(s.premium, premium, 1e-6);
  EXPECT_NEAR(s.hedge_cost_mean, premium, 4.0 * standard_error)
      << "mean " << s.hedge_cost_mean << " std " << s.hedge_cost_std;
  // The hedge really is doing the work: unhedged, the std would be several premiums.
  EXPECT_LT(s.hedge_performance, 0.15);
  EXPECT_GT(s.hedge_performance, 0.05);
  EXPECT_NEAR(s.pnl_mean, premium - s.hedge_cost_mean, 1e-6 * premium);
  EXPECT_EQ(s.breaker_trips, 0u);
  std::printf("mean hedging cost %.0f (std %.0f, standard error %.0f), premium %.0f\n",
              s.hedge_cost_mean, s.hedge_cost_std, standard_error, premium);
}

TEST(BacktestTest, hedging_error_std_falls_like_one_over_sqrt_of_rebalances) {
  // The same 600 paths (common random numbers) on a quarter-week grid, hedged weekly (N = 20)
  // and every quarter week (N = 80). The discrete-hedging error has std
  // ~ sqrt(pi/4) x vega x sigma / sqrt(N) (Derman and Kamal, 1999; Hull's table of hedge
  // performance: 0.21 weekly, 0.09 quarter-weekly), so std(N) / std(4N) ~ 2. Tolerance
  // 1.75-2.25: the sampling error of a ratio of two std estimates from 600 paths is ~4%, and
  // whole-share rounding and higher-order terms add a few per cent at N = 80.
  const std::size_t kPaths = 600;
  const auto weekly =
      summarize("weekly", run_paths(hull_config(kTenor / 20), gbm(), 80, kPaths, {}));
  const auto quarter =
      summarize("quarter", run_paths(hull_config(kTenor / 80), gbm(), 80, kPaths, {}));
  const double ratio = weekly.hedge_cost_std / quarter.hedge_cost_std;
  EXPECT_GT(ratio, 1.75) << weekly.hedge_cost_std << " / " << quarter.hedge_cost_std;
  EXPECT_LT(ratio, 2.25) << weekly.hedge_cost_std << " / " << quarter.hedge_cost_std;
  // Hull's figure for weekly rebalancing is 0.21 (Derman-Kamal's approximation gives 0.20).
  EXPECT_NEAR(weekly.hedge_performance, 0.20, 0.03);
  // A due rebalance trades unless the delta moved by less than half a share (deep in or out
  // of the money near expiry).
  EXPECT_LE(weekly.rebalances_mean, 20.0);
  EXPECT_GT(weekly.rebalances_mean, 18.0);
  EXPECT_LE(quarter.rebalances_mean, 80.0);
  EXPECT_GT(quarter.rebalances_mean, 72.0);
  std::printf("hedge performance: weekly %.4f, quarter-weekly %.4f, ratio of std %.3f\n",
              weekly.hedge_performance, quarter.hedge_performance, ratio);
}

void expect_same(const std::vector<PathResult>& a, const std::vector<PathResult>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(std::memcmp(&a[i].hedge_cost_pv, &b[i].hedge_cost_pv, sizeof(double)), 0) << i;
    EXPECT_EQ(a[i].trades, b[i].trades) << i;
    EXPECT_EQ(a[i].events, b[i].events) << i;
  }
}

TEST(BacktestTest, the_same_seed_gives_the_same_paths_and_results_in_any_order) {
  PathModel heston = gbm();
  heston.kind = ModelKind::kHeston;
  heston.jumps = {2.0, -0.05, 0.1};
  const auto a = run_paths(hull_config(kTenor / 40), heston, 40, 20, {}, 99);
  const auto b = run_paths(hull_config(kTenor / 40), heston, 40, 20, {}, 99);
  expect_same(a, b);
  // Path 13 alone is path 13 of the batch.
  const std::vector<TimeNs> grid = make_grid(kStart, kStart + kTenor, 40);
  MarketPath path;
  generate_path(heston, grid, 99, 13, path);
  const PathResult alone = run_path(hull_config(kTenor / 40), path, {});
  EXPECT_EQ(alone.hedge_cost_pv, a[13].hedge_cost_pv);
  // Another seed gives other paths.
  const auto c = run_paths(hull_config(kTenor / 40), heston, 40, 20, {}, 100);
  EXPECT_NE(a[0].hedge_cost_pv, c[0].hedge_cost_pv);
}

TEST(BacktestTest, heston_and_jump_paths_have_the_stated_moments) {
  // E[S_T] = S0 e^{mu T} under every model (the jump drift is compensated).
  PathModel m = gbm();
  m.kind = ModelKind::kHeston;
  m.heston = {2.0, 0.04, 0.3, -0.7, 0.04};
  m.jumps = {3.0, -0.03, 0.05};
  const std::vector<TimeNs> grid = make_grid(kStart, kStart + kTenor, 20);
  MarketPath path;
  double sum = 0.0;
  const int kPaths = 20000;
  for (int p = 0; p < kPaths; ++p) {
    generate_path(m, grid, 5, static_cast<std::uint64_t>(p), path);
    sum += path.spot[0].back();
  }
  // std of S_T ~ 49 x 0.2 x 0.62 ~ 6.5 -> standard error ~ 0.05.
  EXPECT_NEAR(sum / kPaths, kS0 * std::exp(kDrift * kTenorYears), 0.25);
}

TEST(BacktestTest, physical_settlement_delivers_the_shares_at_the_strike) {
  // Deep in the money on a flat path with a near-zero pricing vol: the hedge buys all 100,000
  // shares at the start, delivers them at expiry and receives the strike. Hedging cost PV =
  // 100,000 x (60 - 50 e^{-rT}), which is also the premium: P&L zero.
  EngineConfig config = hull_config(kTenor / 10, 1e-6);
  MarketPath path;
  path.times = make_grid(kStart, kStart + kTenor, 10);
  path.spot.assign(1, std::vector<double>(path.times.size(), 60.0));
  const PathResult r = run_path(config, path, {});
  const double expected = 100000.0 * (60.0 - kStrike * std::exp(-kRate * kTenorYears));
  EXPECT_EQ(r.delivered_shares, -100000.0);
  EXPECT_EQ(r.strike_cash, 100000.0 * kStrike);
  EXPECT_EQ(r.residual_shares, 0.0);
  EXPECT_EQ(r.trades, 1u);
  EXPECT_NEAR(r.hedge_cost_pv, expected, 1e-6 * expected);
  EXPECT_NEAR(r.premium, expected, 1e-6 * expected);
  EXPECT_NEAR(r.pnl_pv, 0.0, 1e-6 * expected);

  // Out of the money at expiry: nothing is delivered, the hedge bought along the way is sold.
  path.spot[0].back() = 40.0;
  const PathResult otm = run_path(config, path, {});
  EXPECT_EQ(otm.delivered_shares, 0.0);
  EXPECT_EQ(otm.strike_cash, 0.0);
  EXPECT_EQ(otm.residual_shares, 100000.0);
  // Bought 100,000 at 60, sold at 40 at expiry.
  EXPECT_NEAR(otm.hedge_cost_pv, 100000.0 * (60.0 - 40.0 * std::exp(-kRate * kTenorYears)), 1e-3);
}

TEST(BacktestTest, fees_and_spread_raise_the_mean_cost_by_what_they_charge) {
  const std::size_t kPaths = 50;
  const EngineConfig config = hull_config(kTenor / 20);
  const auto base = summarize("base", run_paths(config, gbm(), 20, kPaths, {}));
  RunSettings fees;
  fees.venue.fee_bps = 10.0;
  fees.venue.fee_per_unit = 0.005;
  const auto with_fees = summarize("fees", run_paths(config, gbm(), 20, kPaths, fees));
  // The engine sees the same mids, so it trades the same shares: only the fees differ, paid
  // along the 20 weeks and discounted by at most e^{-rT}.
  EXPECT_EQ(with_fees.trades_mean, base.trades_mean);
  const double fee_expected =
      base.turnover_mean * 10e-4 + 0.005 * (with_fees.turnover_mean > 0 ? 1.0 : 0.0) * 0.0;
  EXPECT_GT(with_fees.fees_mean, fee_expected);  // plus the per-share part
  const double increase = with_fees.hedge_cost_mean - base.hedge_cost_mean;
  EXPECT_LE(increase, with_fees.fees_mean * (1.0 + 1e-12));
  EXPECT_GE(increase, with_fees.fees_mean * std::exp(-kRate * kTenorYears));

  // A 10 bp spread: every share trades 5 bp away from the mid.
  RunSettings spread;
  spread.venue.spread_bps = 10.0;
  const auto with_spread = summarize("spread", run_paths(config, gbm(), 20, kPaths, spread));
  EXPECT_EQ(with_spread.trades_mean, base.trades_mean);
  EXPECT_NEAR(with_spread.spread_cost_mean, base.turnover_mean * 5e-4,
              base.turnover_mean * 5e-4 * 1e-3);
  const double spread_increase = with_spread.hedge_cost_mean - base.hedge_cost_mean;
  EXPECT_LE(spread_increase, with_spread.spread_cost_mean * (1.0 + 1e-9));
  EXPECT_GE(spread_increase, with_spread.spread_cost_mean * std::exp(-kRate * kTenorYears));

  // Square-root impact: coefficient x sqrt(q / ADV) of each trade's notional.
  RunSettings impact;
  impact.venue.impact_coefficient = 0.1;
  impact.venue.daily_volume = 1e6;
  const auto with_impact = summarize("impact", run_paths(config, gbm(), 20, kPaths, impact));
  EXPECT_GT(with_impact.impact_cost_mean, 0.0);
  EXPECT_GT(with_impact.hedge_cost_mean, base.hedge_cost_mean);
}

TEST(BacktestTest, a_replay_file_round_trips_to_the_same_backtest) {
  const std::vector<TimeNs> grid = make_grid(kStart, kStart + kTenor, 30);
  MarketPath path;
  generate_path(gbm(), grid, 3, 0, path);
  const std::vector<std::string> symbols = {"SIM"};
  const sim::QuoteTape tape = tape_from_path(path, symbols, 0.0, 500);
  const auto text = sim::format_quote_tape(tape, sim::TapeTimeFormat::kNanos);
  ASSERT_TRUE(text.has_value());
  const sim::QuoteTapeResult parsed = sim::parse_quote_tape(*text);
  ASSERT_TRUE(parsed.tape.has_value()) << parsed.error.describe("tape");
  EXPECT_EQ(*parsed.tape, tape);
  MarketPath replayed;
  ASSERT_EQ(path_from_tape(*parsed.tape, symbols, replayed), "");
  EXPECT_EQ(replayed.times, path.times);
  EXPECT_EQ(replayed.spot, path.spot);
  const EngineConfig config = hull_config(kTenor / 30);
  const PathResult a = run_path(config, path, {});
  const PathResult b = run_path(config, replayed, {});
  EXPECT_EQ(a.hedge_cost_pv, b.hedge_cost_pv);
  EXPECT_EQ(a.trades, b.trades);
  // A tape without the underlying cannot be played.
  MarketPath none;
  EXPECT_NE(path_from_tape(*parsed.tape, {"OTHER"}, none), "");
}

TEST(BacktestTest, attribution_adds_up_and_gamma_pays_for_theta) {
  RunSettings settings;
  settings.record_steps = true;
  const std::vector<TimeNs> grid = make_grid(kStart, kStart + kTenor, 80);
  MarketPath path;
  generate_path(gbm(), grid, 11, 0, path);
  const PathResult r = run_path(hull_config(kTenor / 80), path, settings);
  ASSERT_EQ(r.steps.size(), grid.size());
  double total = 0.0;
  double residual = 0.0;
  double gamma = 0.0;
  double theta = 0.0;
  for (const StepRecord& s : r.steps) {
    EXPECT_NEAR(s.total, s.delta + s.gamma + s.theta + s.vega + s.carry + s.costs + s.residual,
                1e-6);
    total += s.total;
    residual += s.residual;
    gamma += s.gamma;
    theta += s.theta;
  }
  // Short options: gamma P&L negative, theta positive; they roughly offset on a path whose
  // realised vol is the pricing vol.
  EXPECT_LT(gamma, 0.0);
  EXPECT_GT(theta, 0.0);
  // The steps' P&L, interest on the cash account included, is the path's P&L at expiry: the
  // PV P&L compounded at r.
  EXPECT_NEAR(total, r.pnl_pv * std::exp(kRate * kTenorYears), 1e-6 * hull_premium());
  EXPECT_LT(std::abs(residual), 0.5 * std::abs(theta));
  // Net delta after each rebalance is within one share of flat (band zero for a time policy).
  EXPECT_LE(std::abs(r.steps[5].net_delta_shares), 1.0);
}

// Hull's book with a listed hedge option: a 52 call expiring six weeks after the book (so it is
// closed at its model value at the end), held at zero and traded by the option hedger when the
// book's gamma exceeds a soft limit.
EngineConfig gamma_hedged_config(bool option_hedging) {
  // Delta kept within a 200-share band on every event (the weekly quotes and the timers after
  // an option round), so a round's delta is hedged at once.
  EngineConfig c = hull_config(kTenor / 20);
  c.underlyings[0].policy.kind = hedging::HedgePolicyKind::kBandShares;
  c.underlyings[0].policy.band_delta_shares = 200.0;
  // No pacing: the delta order that follows an option fill would otherwise be held back and,
  // with quotes a week apart, wait a week.
  c.underlyings[0].min_order_interval_ns = 0;
  InstrumentSpec hedge = c.instruments[1];
  hedge.id = static_cast<InstrumentId>(c.instruments.size());
  hedge.symbol = "SIM-C-52";
  hedge.strike = 52.0;
  hedge.expiry_ns = kStart + kTenor + 6LL * 7 * 86400 * kNanosPerSecond;
  c.instruments.push_back(hedge);
  c.book.push_back({hedge.id, 0, true});
  // The book's gamma is about -157,000 a 1% move (Hull's gamma 0.066 x 49^2 x 1% x 100,000):
  // a soft limit of 60,000 is breached from the start and the hedger buys back to 30,000.
  c.limits.underlying[0][risk::Measure::kGammaNotionalPerPct].soft = 60'000.0;
  c.underlyings[0].option_hedge.enabled = option_hedging;
  c.underlyings[0].option_hedge.max_contracts = 5'000;
  return c;
}

TEST(BacktestTest, option_hedging_trades_listed_options_and_cuts_the_hedging_error) {
  // Zero costs, weekly quotes, the same 300 GBM paths with and without the option hedger.
  // Options are quoted at Black-Scholes at the pricing vol, so buying gamma costs nothing on
  // average: the mean PV cost stays the premium. Its spread shrinks because the weekly moves
  // meet much less gamma: the delta hedge alone has Hull's weekly std ~0.2 x premium (47,000);
  // with |gamma| held near 30,000 instead of ~157,000 it is about a third of that (14,500).
  const std::size_t kPaths = 300;
  const auto plain = run_paths(gamma_hedged_config(false), gbm(), 20, kPaths, {});
  const auto hedged = run_paths(gamma_hedged_config(true), gbm(), 20, kPaths, {});
  const PolicySummary base = summarize("delta", plain);
  const PolicySummary with = summarize("delta+gamma", hedged);
  std::uint64_t option_orders = 0;
  std::uint64_t option_trades = 0;
  double option_contracts = 0.0;
  for (const PathResult& r : plain) EXPECT_EQ(r.option_orders, 0u);
  for (const PathResult& r : hedged) {
    option_orders += r.option_orders;
    option_trades += r.option_trades;
    option_contracts += r.option_contracts;
  }
  EXPECT_GT(option_orders, kPaths);  // at least the opening round on every path, and more
  EXPECT_GT(option_trades, 0u);
  // The opening round alone is (157,000 - 30,000) / (gamma of one 52 call contract, 136) ~ 930
  // contracts on every path; later rounds trade more as the book's gamma moves.
  EXPECT_GT(option_contracts / static_cast<double>(kPaths), 900.0);
  // Option trades count as trades and turnover.
  EXPECT_GT(with.trades_mean, base.trades_mean);
  const double premium = hull_premium();
  EXPECT_NEAR(with.premium, premium, 1e-6);
  const double standard_error = with.hedge_cost_std / std::sqrt(static_cast<double>(kPaths));
  EXPECT_NEAR(with.hedge_cost_mean, premium, 4.0 * standard_error)
      << "mean " << with.hedge_cost_mean << " std " << with.hedge_cost_std;
  EXPECT_NEAR(base.hedge_performance, 0.20, 0.03);
  EXPECT_LT(with.hedge_cost_std, 0.5 * base.hedge_cost_std)
      << with.hedge_cost_std << " vs " << base.hedge_cost_std;
  std::printf(
      "weekly delta hedge: cost %.0f std %.0f; with gamma hedging: cost %.0f std %.0f, "
      "%.1f option orders and %.0f contracts a path\n",
      base.hedge_cost_mean, base.hedge_cost_std, with.hedge_cost_mean, with.hedge_cost_std,
      static_cast<double>(option_orders) / kPaths, option_contracts / kPaths);
}

}  // namespace
}  // namespace hedged::backtest
