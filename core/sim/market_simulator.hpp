// Simulated market: each underlying follows geometric Brownian motion; the simulator quotes the
// underlying with a spread and random displayed sizes, its futures at the cost-of-carry price
// S e^{(r-q)T}, and every option from Black-Scholes at a flat volatility. An optional Scenario
// (core/sim/scenario.hpp) is laid over the GBM: more vol, a drift, wider spreads, thinner sizes,
// one-off jumps and flash-crash paths. Time is passed in; one owner thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model/events.hpp"
#include "core/model/instrument.hpp"
#include "core/sim/rng.hpp"
#include "core/sim/scenario.hpp"

namespace hedged::sim {

struct UnderlyingModel {
  InstrumentId spot_instrument = kNoInstrument;
  double initial_spot = 100.0;
  double drift = 0.0;           // per year
  double vol = 0.2;             // GBM vol of the underlying, per sqrt(year)
  double rate = 0.0;            // for option quotes
  double dividend_yield = 0.0;  // for option quotes
  double option_vol = 0.2;      // at-the-money implied vol the option quotes are made from
  // Smile of the option quotes in log-moneyness k = ln(K / F):
  // vol(k) = option_vol + option_skew * k + option_smile * k^2 (floored at 1%).
  double option_skew = 0.0;     // vol per unit of k; negative: downside puts richer (equity skew)
  double option_smile = 0.0;    // vol per unit of k^2; positive: both wings richer
  double spread_bps = 2.0;      // underlying bid/ask spread, basis points of spot
  std::int64_t min_size = 100;  // displayed size at each side, units
  std::int64_t max_size = 1000;
  double option_spread_pct = 2.0;  // option bid/ask spread, % of theoretical (at least 1 tick)
  // Traded volume of the underlying, units per day (a future trades daily_volume / multiplier
  // contracts); 0: the simulator reports no volume. Each step trades a random amount around the
  // step's share of it, drawn from a stream of its own so prices do not depend on it.
  double daily_volume = 0.0;
};

// The implied vol the simulator quotes an option of this strike at, given the forward.
[[nodiscard]] double option_vol_at(const UnderlyingModel& model, double strike,
                                   double forward) noexcept;

class MarketSimulator {
 public:
  MarketSimulator(std::vector<InstrumentSpec> instruments, std::vector<UnderlyingModel> models,
                  std::uint64_t seed);

  // Moves every underlying from the previous call's time to `now` (the first call only quotes)
  // and returns one quote per instrument, indexed by InstrumentId. Valid until the next call.
  const std::vector<Quote>& step(TimeNs now) noexcept;

  // Lays `scenario` over the market from `start` (phase offsets count from it), replacing any
  // earlier one. Returns empty, or why it was refused (a phase names a symbol that is not an
  // underlying here); a refused scenario changes nothing. The random stream is the same with or
  // without a scenario, so a path with one differs from the plain GBM path only by its effects.
  [[nodiscard]] std::string set_scenario(const Scenario& scenario, TimeNs start);
  [[nodiscard]] bool has_scenario() const noexcept { return has_scenario_; }
  [[nodiscard]] const Scenario& scenario() const noexcept { return scenario_; }
  [[nodiscard]] TimeNs scenario_start() const noexcept { return scenario_start_; }
  // Whether a venue_outage phase covers `now`.
  [[nodiscard]] bool active_outage(TimeNs now) const noexcept;
  // When the outage covering `now` ends (absolute time), or 0 when there is none.
  [[nodiscard]] TimeNs outage_until(TimeNs now) const noexcept;

  // The quoted spot: the GBM path (with jumps) times any flash-crash factor.
  [[nodiscard]] double spot(InstrumentId spot_instrument) const noexcept;
  [[nodiscard]] const std::vector<InstrumentSpec>& instruments() const noexcept {
    return instruments_;
  }

 private:
  struct ModelState {
    UnderlyingModel model;
    double spot = 0.0;        // GBM path, jumps included
    double shown_spot = 0.0;  // what is quoted: spot times the flash-crash factor
    double spread_multiple = 1.0;
    double depth_divisor = 1.0;
  };
  // The combined effect of the scenario's active phases on one underlying at `now`.
  struct Effects {
    double vol_multiple = 1.0;
    double drift_per_year = 0.0;
    double spread_multiple = 1.0;
    double depth_divisor = 1.0;
    double crash_factor = 1.0;
  };
  [[nodiscard]] const ModelState* model_for(InstrumentId spot_instrument) const noexcept;
  [[nodiscard]] Effects effects(std::size_t model, TimeNs now) const noexcept;

  std::vector<InstrumentSpec> instruments_;
  std::vector<ModelState> models_;
  std::vector<Quote> quotes_;
  Rng rng_;
  Rng volume_rng_;              // traded volume only: the price path never depends on it
  std::vector<double> volume_;  // per instrument, cumulative, units (fractional carried)
  TimeNs last_ns_ = 0;
  std::uint64_t seq_ = 0;
  bool started_ = false;
  Scenario scenario_;
  TimeNs scenario_start_ = 0;
  bool has_scenario_ = false;
  std::vector<int> phase_model_;            // per phase: index into models_, or -1 for all
  std::vector<std::uint8_t> jump_applied_;  // per phase: the one-off jump has been applied
};

}  // namespace hedged::sim
