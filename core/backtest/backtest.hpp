// Backtests of the real engine on a virtual clock: market path models (GBM with drift, Heston
// stochastic variance, Merton jumps), an in-process venue fill model, the path runner that feeds
// hedged::Engine and answers its orders, expiry with physical settlement, P&L attribution and the
// aggregation of path results. Pure logic: no threads, clocks or files. Each run_path call owns
// its engine, so callers may run different paths on different threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine/engine.hpp"
#include "core/model/types.hpp"
#include "core/sim/fill_model.hpp"
#include "core/sim/quote_tape.hpp"

namespace hedged::backtest {

// ---------------------------------------------------------------------------------------------
// Market paths.

enum class ModelKind : std::uint8_t {
  kGbm,     // dS/S = mu dt + sigma dW
  kHeston,  // dS/S = mu dt + sqrt(v) dW1, dv = kappa (theta - v) dt + xi sqrt(v) dW2, <dW1,dW2> =
            // rho
};

struct HestonParams {
  double kappa = 2.0;   // mean reversion speed of the variance, per year
  double theta = 0.04;  // long-run variance, per year (vol^2)
  double xi = 0.5;      // vol of variance, per sqrt(year)
  double rho = -0.7;    // correlation of the spot and variance shocks
  double v0 = 0.04;     // initial variance; < 0: the underlying's simulator vol squared
};

// Merton jumps: a Poisson number of jumps per step, each multiplying the spot by e^J with
// J ~ N(mean, stdev^2). The drift is compensated so the expected return stays `drift`.
struct JumpParams {
  double intensity_per_year = 0.0;  // lambda; 0: no jumps
  double mean = 0.0;                // of the log jump size
  double stdev = 0.0;               // of the log jump size
};

struct UnderlyingPathParams {
  double initial_spot = 100.0;  // currency
  double drift = 0.0;           // expected price growth rate mu, per year (dividends excluded)
  double vol = 0.2;             // GBM vol, per sqrt(year)
};

struct PathModel {
  ModelKind kind = ModelKind::kGbm;
  HestonParams heston;
  JumpParams jumps;
  std::vector<UnderlyingPathParams> underlyings;  // in the engine's underlying order
};

// A market the runner plays: spot mids of every underlying on a time grid. times[0] is the
// start; the last time is the end of the backtest (expiry of a book held to expiry).
struct MarketPath {
  std::vector<TimeNs> times;
  std::vector<std::vector<double>> spot;         // [underlying][step] mid, currency
  std::vector<std::vector<double>> half_spread;  // [underlying][step], currency; empty: venue's
  // [underlying][step] volatility the option market quotes at, per sqrt(year) (Heston: the
  // instantaneous sqrt(v)); empty: each underlying's pricing vol.
  std::vector<std::vector<double>> vol;
};

// Evenly spaced grid of `steps` intervals from start to end (the end is exact).
[[nodiscard]] std::vector<TimeNs> make_grid(TimeNs start, TimeNs end, std::size_t steps);

// Path `path_index` of the model on `grid`. Each (seed, path, underlying) has its own random
// stream, so a path is the same whatever order or thread it is made in, and every policy run on
// it sees the same numbers (common random numbers).
void generate_path(const PathModel& model, const std::vector<TimeNs>& grid, std::uint64_t seed,
                   std::uint64_t path_index, MarketPath& out);

// A quote tape (core/sim/quote_tape.hpp) as a market path: the rows of each underlying's spot
// symbol, one grid time per distinct row time; an underlying without a row at a time keeps its
// previous quote. Mid and half-spread come from the rows. Rows of other symbols (futures,
// options) are skipped. Returns empty, or why the tape cannot be played (a symbol never quoted).
[[nodiscard]] std::string path_from_tape(const sim::QuoteTape& tape,
                                         const std::vector<std::string>& spot_symbols,
                                         MarketPath& out);

// A market path as a quote tape, one row per underlying and time (bid and ask from the mid and
// half-spread, sizes `size`). path_from_tape of it gives the path back.
[[nodiscard]] sim::QuoteTape tape_from_path(const MarketPath& path,
                                            const std::vector<std::string>& spot_symbols,
                                            double half_spread_bps, std::int64_t size);

// ---------------------------------------------------------------------------------------------
// Venue fill model.

// How the in-process venue fills the engine's child orders (core/sim/fill_model.hpp). Orders
// whose limit reaches the far touch fill in full at the touch (no size limit); others rest and
// fill at their limit once a later quote crosses it. The same rules and costs apply to the hedge
// instruments and to listed options (the option hedger's orders); options are quoted at
// Black-Scholes at the path's vol, mid -/+ half of option_spread_bps. Every field may be zero.
using VenueModel = sim::FillModelParams;

// ---------------------------------------------------------------------------------------------
// Running one path.

struct RunSettings {
  VenueModel venue;
  // After venue activity, timer events follow at this interval (order timeouts, slices) until
  // the engine has no working order; the engine also gets one timer event before every quote.
  TimeNs timer_interval_ns = 50 * kNanosPerMilli;
  TimeNs busy_window_ns = 30 * kNanosPerSecond;  // how long after an order timers keep coming
  bool record_steps = false;                     // fill PathResult::steps (one sampled path)
};

// One grid step of a recorded path, all underlyings summed. Currency, undiscounted.
struct StepRecord {
  TimeNs time_ns = 0;
  double spot = 0.0;              // first underlying's mid
  double net_delta_shares = 0.0;  // first underlying: options + hedge + working, after trading
  double band_shares = 0.0;       // first underlying: band half-width the engine last used
  double hedge_position = 0.0;    // first underlying, units of its hedge instrument
  double cumulative_costs = 0.0;  // fees + spread + impact so far
  // Attribution of the P&L from the previous step to this one.
  double delta = 0.0;     // (option delta + hedge delta) x dS
  double gamma = 0.0;     // 1/2 option gamma x dS^2
  double theta = 0.0;     // option theta x dt
  double vega = 0.0;      // option vega x change of the pricing vol (0 with a flat vol)
  double carry = 0.0;     // interest on the cash account (premium less hedge outlay), dividends
  double costs = 0.0;     // minus the costs of this step's trades
  double residual = 0.0;  // total - the above (higher-order terms, carry, discrete hedging)
  double total = 0.0;     // change of book value + hedge value + cash, interest included
};

struct PathResult {
  double premium = 0.0;        // PV at start of what the desk received for the book
  double hedge_cost_pv = 0.0;  // PV of hedge cash flows, fees and settlement (see below)
  double pnl_pv = 0.0;         // premium - hedge_cost_pv
  double fees = 0.0;           // undiscounted totals, currency
  double spread_cost = 0.0;
  double impact_cost = 0.0;
  std::uint64_t trades = 0;         // fills
  std::uint64_t orders = 0;         // child orders sent
  double turnover = 0.0;            // traded notional, currency
  double traded_units = 0.0;        // units of hedge instruments and options, unsigned sum
  std::uint64_t option_orders = 0;  // of the above: option hedger's orders, fills, contracts
  std::uint64_t option_trades = 0;
  double option_contracts = 0.0;  // unsigned sum
  std::uint64_t rebalances = 0;   // hedge decisions (engine HedgeDecision actions)
  std::uint64_t breaches = 0;     // soft or hard limit crossings (LimitNotice breached)
  std::uint64_t breaker_trips = 0;
  double delivered_shares = 0.0;  // physical settlement: shares received (+) or delivered (-)
  double strike_cash = 0.0;       // physical settlement: strike paid (-) or received (+)
  double residual_shares = 0.0;   // hedge left after delivery, sold at the final mid
  double final_spot = 0.0;        // first underlying
  std::uint64_t events = 0;       // events fed to the engine
  std::vector<StepRecord> steps;  // when RunSettings::record_steps
};

// Quotes on a backtest grid are hours or days apart, which the stale-data breaker would take for
// a dead feed, and a move over a day for a jump within seconds: when the longest step exceeds
// the stale-data timeout or the price-jump window, that breaker is switched off (its limits-file
// key returned). Every other limit and breaker applies as configured. run_path does this on its own
// copy.
[[nodiscard]] std::vector<std::string> adapt_to_grid(EngineConfig& config, TimeNs longest_step_ns);
[[nodiscard]] TimeNs longest_step(const MarketPath& path);

// Runs the engine built from `config` over `path` and settles the book at the end.
//
// Hedging cost, the textbook way (Hull, "Options, Futures, and Other Derivatives", the table of
// the cost of delta hedging a short call): the present value at the start, at each underlying's
// rate, of every cash flow of the hedge: purchases less sales of the hedge instrument, futures
// variation margin, dividends earned on shares held, fees and impact, then at the end the
// settlement of the book (an option expiring in the money is exercised and physically settled at
// its strike; one still alive is closed at its Black-Scholes value at the pricing vol) and the
// sale of whatever hedge is left at the final mid. For a short option hedged continuously at zero
// cost it equals the Black-Scholes premium on every path. Listed options the option hedger
// trades (hedge.options) are part of the hedge: their premiums, fees and spread are cash flows
// like the hedge instrument's, and the contracts held settle like the book's lines (physically
// at expiry, at their model value at the end). Option quotes reach the engine only for
// underlyings with an option hedger, and while one works, timer events follow each order for
// its pacing interval and two timer intervals more (the hedger acts on timers).
[[nodiscard]] PathResult run_path(const EngineConfig& config, const MarketPath& path,
                                  const RunSettings& settings);

// The book's Black-Scholes value at `spot` per underlying and `time`, at each underlying's flat
// pricing vol (American options as European), currency; the premium is minus this at the start.
[[nodiscard]] double book_value(const EngineConfig& config, const std::vector<double>& spot,
                                TimeNs time);

// ---------------------------------------------------------------------------------------------
// Results.

struct Quantiles {
  double p01 = 0.0, p05 = 0.0, p25 = 0.0, p50 = 0.0, p75 = 0.0, p95 = 0.0, p99 = 0.0;
};

struct PolicySummary {
  std::string name;
  std::size_t paths = 0;
  double premium = 0.0;            // mean over paths (the same on every simulated path)
  double hedge_cost_mean = 0.0;    // PV
  double hedge_cost_std = 0.0;     // sample standard deviation
  double hedge_performance = 0.0;  // hedge_cost_std / |premium|
  double pnl_mean = 0.0;
  double pnl_std = 0.0;
  Quantiles pnl_quantiles;
  double trades_mean = 0.0;
  double orders_mean = 0.0;
  double rebalances_mean = 0.0;
  double option_orders_mean = 0.0;     // of orders_mean: the option hedger's
  double option_contracts_mean = 0.0;  // contracts it traded, unsigned
  double turnover_mean = 0.0;
  double fees_mean = 0.0;
  double spread_cost_mean = 0.0;
  double impact_cost_mean = 0.0;
  double costs_mean = 0.0;  // fees + spread + impact
  std::uint64_t breaches = 0;
  std::uint64_t breaker_trips = 0;
  std::uint64_t events = 0;
};

// Sums run in path order, so the summary does not depend on how paths were scheduled.
[[nodiscard]] PolicySummary summarize(const std::string& name,
                                      const std::vector<PathResult>& paths);

// Linear interpolation between order statistics (type 7 of Hyndman and Fan). Sorts a copy.
[[nodiscard]] double quantile(std::vector<double> values, double p);

// Shortest text that reads back as the same double ("null" when not finite).
void append_number(std::string& out, double value);

}  // namespace hedged::backtest
